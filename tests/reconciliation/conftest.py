"""One night of a small sandbox firm taken through every stage into a warehouse, shared by the
reconciliation tests: extracted over HTTP from the emulators, validated, modelled, reconciled."""

import json
import shutil
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from dagster import ExecuteInProcessResult, materialize

from assets.canonical import build_canonical_assets, canonical_checks, valid_source_keys
from assets.extraction import extraction_assets
from assets.reconciliation import reconciliation_assets, reconciliation_checks
from assets.validation import validation_assets, validation_checks
from pipelines.resources import build_resources
from sandbox.runtime import stop_sandbox
from tests.conftest import SNAPSHOT_DATE


def every_stage() -> list:
    """Assets and checks of a whole night, extraction to findings."""
    return [
        *extraction_assets,
        *validation_assets,
        *validation_checks,
        *build_canonical_assets(valid_source_keys()),
        *canonical_checks,
        *reconciliation_assets,
        *reconciliation_checks,
    ]


def run_night(snapshot_date: str = SNAPSHOT_DATE) -> ExecuteInProcessResult:
    """Materialize every stage for the night, against the sandbox and warehouse the environment names."""
    return materialize(every_stage(), partition_key=snapshot_date, resources=build_resources())


@dataclass
class ReconciledFirm:
    warehouse: Path
    sandbox: Path
    manifest: dict
    result: ExecuteInProcessResult
    snapshot_date: date = date.fromisoformat(SNAPSHOT_DATE)

    def query(self, sql: str, parameters=None) -> list[tuple]:
        with duckdb.connect(str(self.warehouse), read_only=True) as db:
            return db.execute(sql, parameters or []).fetchall()

    def findings(self, status: str = "open") -> pd.DataFrame:
        """The night's findings with that status (recon.findings rows)."""
        with duckdb.connect(str(self.warehouse), read_only=True) as db:
            return db.execute(
                "SELECT * FROM recon.findings WHERE snapshot_date = ? AND status = ?", [self.snapshot_date, status]
            ).df()


@pytest.fixture(scope="session")
def reconciled_small_firm(small_firm_template, tmp_path_factory) -> ReconciledFirm:
    """The small firm's night (2026-11-20) through extraction, validation, canonical model and
    reconciliation, in a private warehouse; tests read it and must not change it."""
    yield reconcile(small_firm_template, tmp_path_factory.mktemp("reconciled"))


def reconcile(firm: Path, home: Path) -> ReconciledFirm:
    """A private copy of `firm` reconciled for its night into a private warehouse under `home`."""
    with pytest.MonkeyPatch.context() as env:
        sandbox, warehouse = sandbox_night_environment(firm, home, env)
        try:
            result = run_night()
        finally:
            stop_sandbox(sandbox)
    return ReconciledFirm(warehouse, sandbox, json.loads((sandbox / "manifest.json").read_text()), result)


def sandbox_night_environment(firm: Path, home: Path, env: pytest.MonkeyPatch) -> tuple[Path, Path]:
    """A private copy of `firm` and a private warehouse under `home`, named by the environment. The
    small firm plants 6 malformed of its 111 opportunities, above the 5% default quarantine share
    that would block the night, so the share allowed is 10%."""
    sandbox, warehouse = home / "sandbox", home / "warehouse.duckdb"
    shutil.copytree(firm, sandbox)
    (home / "quality.yaml").write_text("max_quarantine_share: 0.1\n")
    for name, value in (
        ("TIEOUT_HOME", home / "home"),
        ("TIEOUT_SANDBOX_DIR", sandbox),
        ("TIEOUT_SANDBOX_SIZE", "small"),
        ("TIEOUT_WAREHOUSE", warehouse),
        ("TIEOUT_QUALITY_CONFIG", home / "quality.yaml"),
    ):
        env.setenv(name, str(value))
    return sandbox, warehouse
