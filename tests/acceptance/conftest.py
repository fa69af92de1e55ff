"""The acceptance kit of ../shared/acceptance: a firm written by other hands from the same contracts,
served by independent emulators, run through tieout's own command line with only the settings the
kit's README names (URLs, tokens, realms, money tolerance)."""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def kit() -> Path:
    """$TIEOUT_ACCEPTANCE_KIT or ../shared/acceptance."""
    for candidate in (os.environ.get("TIEOUT_ACCEPTANCE_KIT"), REPO.parent / "shared" / "acceptance"):
        if candidate and (Path(candidate) / "emulators.py").is_file():
            return Path(candidate)
    pytest.skip("acceptance kit not found: set TIEOUT_ACCEPTANCE_KIT or place ../shared/acceptance")


@dataclass
class Night:
    """One night of an acceptance firm: its world (manifest, vendor files), warehouse and request log."""

    world: Path
    warehouse: Path
    requests: Path
    environment: dict
    exit_code: int
    output: str

    @property
    def manifest(self) -> dict:
        return json.loads((self.world / "manifest.json").read_text())

    def findings(self) -> list[dict]:
        with duckdb.connect(str(self.warehouse), read_only=True) as db:
            cursor = db.execute(
                "SELECT * FROM recon.findings WHERE snapshot_date = ? AND status = 'open'", [self.manifest["as_of"]]
            )
            columns = [d[0] for d in cursor.description]
            return [dict(zip(columns, row)) for row in cursor.fetchall()]

    def logged(self) -> list[dict]:
        return [json.loads(line) for line in self.requests.read_text().splitlines() if line.strip()]

    def tieout(self, *argv: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "pipelines.cli", *argv],
            cwd=REPO,
            env=self.environment,
            capture_output=True,
            text=True,
            timeout=900,
        )


class Emulators:
    """The kit's three emulators over a private copy of a firm, started as the kit's README says."""

    def __init__(self, kit: Path, world: Path, requests: Path, fault_rate: float):
        self.process = subprocess.Popen(
            [
                sys.executable,
                str(kit / "emulators.py"),
                "--world",
                str(world),
                "--sf-port",
                "0",
                "--harvest-port",
                "0",
                "--qbo-port",
                "0",
                "--log",
                str(requests),
                "--fault-rate",
                str(fault_rate),
                "--fault-seed",
                "3",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError(f"the acceptance emulators did not start (exit {self.process.wait()})")
        self.urls = json.loads(line)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


def settings(manifest: dict, urls: dict, home: Path) -> dict:
    """tieout's documented settings (README, Settings) for this firm, and nothing else of the kit's."""
    config = yaml.safe_load((REPO / "config" / "reconciliation.yaml").read_text())
    config["parameters"]["money_tolerance"] = manifest["assumed_config"]["money_tolerance"]
    (home / "reconciliation.yaml").write_text(yaml.safe_dump(config))
    tokens = manifest["tokens"]
    inherited = {k: v for k, v in os.environ.items() if not k.startswith(("TIEOUT_", "DAGSTER_"))}
    return {
        **inherited,
        "TIEOUT_HOME": str(home / "home"),
        "DAGSTER_HOME": str(home / "dagster"),
        "TIEOUT_WAREHOUSE": str(home / "warehouse.duckdb"),
        "TIEOUT_RECONCILIATION_CONFIG": str(home / "reconciliation.yaml"),
        "TIEOUT_SALESFORCE_INSTANCE_URL": urls["salesforce"],
        "TIEOUT_SALESFORCE_ACCESS_TOKEN": tokens["salesforce"],
        "TIEOUT_HARVEST_BASE_URL": urls["harvest"],
        "TIEOUT_HARVEST_ACCOUNT_ID": str(tokens["harvest"]["account_id"]),
        "TIEOUT_HARVEST_ACCESS_TOKEN": tokens["harvest"]["token"],
        "TIEOUT_QUICKBOOKS_BASE_URL": urls["qbo"],
        "TIEOUT_QUICKBOOKS_ACCESS_TOKEN": tokens["qbo"],
        "TIEOUT_QUICKBOOKS_REALMS": json.dumps({e["code"]: e["realm_id"] for e in manifest["legal_entities"]}),
    }


@pytest.fixture(scope="session")
def acceptance_night(kit, tmp_path_factory):
    """`acceptance_night(firm, fault_rate)`: the night of the firm's as-of date run by `tieout run`,
    the emulators left serving (for the writeback) until the session ends."""
    started: list[Emulators] = []

    def night(firm: str, fault_rate: float = 0.0) -> Night:
        home = tmp_path_factory.mktemp(f"acceptance-{firm}")
        world = home / "world"
        shutil.copytree(kit / f"firm-{firm}", world)
        manifest = json.loads((world / "manifest.json").read_text())
        emulators = Emulators(kit, world, home / "requests.jsonl", fault_rate)
        started.append(emulators)
        environment = settings(manifest, emulators.urls, home)
        ran = subprocess.run(
            [sys.executable, "-m", "pipelines.cli", "run", "--date", manifest["as_of"]],
            cwd=REPO,
            env=environment,
            capture_output=True,
            text=True,
            timeout=1200,
        )
        return Night(
            world,
            home / "warehouse.duckdb",
            home / "requests.jsonl",
            environment,
            ran.returncode,
            ran.stdout + ran.stderr,
        )

    yield night
    for emulators in started:
        emulators.stop()


def load_scorer(kit: Path):
    """The kit's own scorer (score.py), imported from the kit, not copied."""
    spec = importlib.util.spec_from_file_location("acceptance_score", kit / "score.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
