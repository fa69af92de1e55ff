"""A portal over a stand-in night's report: its own users (cheap argon2 hashes), a clock the test
moves, served on loopback in a thread."""

import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest
import requests
import yaml
from argon2 import PasswordHasher

from portal.config import PortalConfig, load_config
from portal.server import running_portal
from reports import build_report, freeze_corrections, load_night
from tests.conftest import AS_OF
from tests.reports.stand_in import write_stand_in_night

NIGHT = AS_OF.isoformat()
PASSWORDS = {"ana.finance": "ledger-Owl-42", "piet.pmo": "gantt-Fox-17", "ada.admin": "root-Elk-99"}
ROLES = {"ana.finance": "finance", "piet.pmo": "pmo", "ada.admin": "admin"}
WORKBOOK, FINANCE_CSV, PMO_CSV = f"tieout-{NIGHT}.xlsx", f"queue-finance-{NIGHT}.csv", f"queue-pmo-{NIGHT}.csv"


class Clock:
    """Wall time the test can move forward."""

    def __init__(self):
        import time

        self.now = time.time()

    def __call__(self) -> float:
        return self.now

    def advance(self, minutes: float) -> None:
        self.now += minutes * 60


@dataclass
class Portal:
    url: str
    config: PortalConfig
    clock: Clock
    warehouse: Path
    written: dict
    config_path: Path

    def audit(self) -> list[dict]:
        from portal.audit import AuditLog

        return AuditLog(self.config.audit_log).entries()

    def browser(self) -> requests.Session:
        """An HTTP session that, like a browser, names the page's origin on every request."""
        http = requests.Session()
        http.headers["Origin"] = self.url
        return http

    def sign_in(self, user: str, password: str | None = None) -> requests.Session:
        """A browser-like HTTP session signed in (asserting it worked when the password is right)."""
        http = self.browser()
        response = http.post(
            f"{self.url}/login",
            data={
                "username": user,
                "password": PASSWORDS[user] if password is None else password,
                "csrf_token": csrf_of(http.get(f"{self.url}/login").text),
            },
        )
        if password is None:
            assert response.url == f"{self.url}/reports", response.text
        return http


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


@pytest.fixture(scope="session")
def night_template(tmp_path_factory) -> tuple[Path, dict]:
    """The stand-in night's warehouse and report, built once; each test gets a copy."""
    directory = tmp_path_factory.mktemp("portal-night")
    written = write_stand_in_night(directory / "warehouse.duckdb", AS_OF)
    with duckdb.connect(str(directory / "warehouse.duckdb")) as db:
        freeze_corrections(db, AS_OF)
        night = load_night(db, AS_OF)
    build_report(night, directory / "reports")
    return directory, written


@pytest.fixture
def portal(night_template, tmp_path, monkeypatch) -> Portal:
    monkeypatch.setenv("TIEOUT_HOME", str(tmp_path / "home"))
    template, written = night_template
    shutil.copytree(template, tmp_path, dirs_exist_ok=True)
    warehouse = tmp_path / "warehouse.duckdb"
    cheap = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1)
    settings = {
        "session_minutes": 30,
        "reports_dir": str(tmp_path / "reports"),
        "warehouse": str(warehouse),
        "audit_log": str(tmp_path / "audit.jsonl"),
        "roles": {
            "admin": {"queues": ["all", "finance", "pmo", "sales_ops"], "approve": True},
            "finance": {"queues": ["all", "finance"], "approve": True, "sign_off": True},
            "pmo": {"queues": ["pmo"], "approve": True},
        },
        "users": {name: {"role": ROLES[name], "password_hash": cheap.hash(p)} for name, p in PASSWORDS.items()},
    }
    (tmp_path / "portal.yaml").write_text(yaml.safe_dump(settings))
    config, clock = load_config(tmp_path / "portal.yaml"), Clock()
    with running_portal(config, clock) as url:
        yield Portal(url, config, clock, warehouse, written, tmp_path / "portal.yaml")
