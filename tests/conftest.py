"""Fixtures shared by the whole suite."""

import json
import os
import re
import subprocess
import sys
import threading
import uuid
from datetime import UTC, date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from resources.ledger_tables import metadata
from sandbox.store import SandboxStore

REPO = Path(__file__).resolve().parents[1]


# The suite is also run with the clock moved (`faketime 'YYYY-MM-DD hh:mm:ss' scripts/test`). Under
# libfaketime CPython's timed waits never return (their deadline is taken on the moved monotonic clock, the
# kernel waits on the real one), and Dagster's daemon loops on them: a daemon or `dagster dev` a test starts
# runs on the machine's clock, and the test takes its expectations from that clock (`machine_now`).
MACHINE_CLOCK = (
    {
        "LD_PRELOAD": " ".join(lib for lib in os.environ.get("LD_PRELOAD", "").split() if "faketime" not in lib),
        "FAKETIME": "",
    }
    if os.environ.get("FAKETIME")
    else {}
)


def machine_now() -> datetime:
    """Now, as a process started with MACHINE_CLOCK sees it (the machine's clock, moved or not)."""
    seconds = subprocess.run(
        [sys.executable, "-c", "import time; print(time.time())"],
        env={**os.environ, **MACHINE_CLOCK},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return datetime.fromtimestamp(float(seconds), UTC)


@pytest.fixture(scope="session")
def vendor_contracts() -> Path:
    """The vendors' published contracts: $TIEOUT_VENDOR_CONTRACTS or ../shared/vendor-contracts."""
    candidates = [os.environ.get("TIEOUT_VENDOR_CONTRACTS"), REPO.parent / "shared" / "vendor-contracts"]
    for candidate in candidates:
        if candidate and Path(candidate).is_dir():
            return Path(candidate)
    pytest.skip("vendor contracts not found: set TIEOUT_VENDOR_CONTRACTS or place ../shared/vendor-contracts")


@pytest.fixture
def store(tmp_path) -> SandboxStore:
    return SandboxStore(tmp_path / "state.db")


# The test firms end on a fixed day, the demo firm's, so that every run of the suite sees the same firm
# whatever the wall clock says (any later day has it among the nightly partitions). A test whose
# subject is "now" (QuickBooks' 30-day CDC, the schedule) builds its firm at a date relative to now.
AS_OF = date(2026, 11, 20)
SNAPSHOT_DATE = AS_OF.isoformat()
NEXT_NIGHT = (AS_OF + timedelta(days=1)).isoformat()


@pytest.fixture(scope="session")
def code_categories(vendor_contracts) -> dict[str, str]:
    """Each finding code's category, as shared/contracts/findings.md lists them: its code sections come in
    the order of the `category` column's values."""
    text = (vendor_contracts.parent / "contracts" / "findings.md").read_text()
    categories = re.findall(r"`(\w+)`", re.search(r"^\| category \|(.*)$", text, re.M).group(1))
    blocks = text.split("## Codes", 1)[1].split("\n## ", 1)[0].strip().split("\n\n")
    sections = [block for block in blocks if block.splitlines()[-1].startswith("- `")]  # a heading, its codes
    assert len(sections) == len(categories), "findings.md: a section of codes for each category"
    return {
        code: category
        for category, section in zip(categories, sections, strict=True)
        for code in re.findall(r"^- `(\w+)`", section, re.M)
    }


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """In CI nothing may skip quietly: a skipped test (say, for want of PostgreSQL or the vendor
    contracts) fails there, with its reason."""
    outcome = yield
    report = outcome.get_result()
    if os.environ.get("CI") == "true" and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        report.longrepr = f"skipped in CI, which must run every test: {report.longrepr}"


@pytest.fixture(scope="session")
def small_firm_template(tmp_path_factory) -> Path:
    """The small sandbox firm, generated once per session; tests copy it before changing it."""
    from sandbox.firm import build_sandbox

    directory = tmp_path_factory.mktemp("small-firm")
    build_sandbox(directory, size="small", as_of=AS_OF)
    return directory


@pytest.fixture
def small_firm(small_firm_template, tmp_path) -> Path:
    """A private copy of the small firm's state for one test, its emulators stopped afterwards."""
    import shutil

    from sandbox.runtime import stop_sandbox

    directory = tmp_path / "sandbox"
    shutil.copytree(small_firm_template, directory)
    yield directory
    stop_sandbox(directory)


@pytest.fixture
def recent_firm(tmp_path) -> tuple[Path, date]:
    """A small firm as of two days before today, and that day: for tests whose subject is "now", such
    as QuickBooks' CDC, which answers only for the last 30 days by the wall clock."""
    from sandbox.firm import build_sandbox
    from sandbox.runtime import stop_sandbox

    as_of = date.today() - timedelta(days=2)
    directory = tmp_path / "recent-firm"
    build_sandbox(directory, size="small", as_of=as_of)
    yield directory, as_of
    stop_sandbox(directory)


@pytest.fixture
def tieout_env(small_firm, tmp_path, monkeypatch) -> Path:
    """The embedded default pointed at a private small firm and a private warehouse."""
    monkeypatch.setenv("TIEOUT_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("TIEOUT_SANDBOX_DIR", str(small_firm))
    monkeypatch.setenv("TIEOUT_SANDBOX_SIZE", "small")
    monkeypatch.setenv("TIEOUT_WAREHOUSE", str(tmp_path / "warehouse.duckdb"))
    return tmp_path / "warehouse.duckdb"


class Receiver:
    """A local stand-in for a Slack-compatible webhook: it keeps every JSON body posted to it."""

    def __init__(self):
        received = self.received = []

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args):
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/tieout"


def alert_on_failed_run(instance, run_id: str) -> None:
    """Evaluate the run-failure alert sensor on a failed run, as the daemon would."""
    from dagster import DagsterEventType, build_run_status_sensor_context

    from pipelines.alerts import alert_on_run_failure

    failure = instance.all_logs(run_id, of_type=DagsterEventType.RUN_FAILURE)[0]
    alert_on_run_failure(
        build_run_status_sensor_context(
            sensor_name=alert_on_run_failure.name,
            dagster_instance=instance,
            dagster_run=instance.get_run_by_id(run_id),
            dagster_event=failure.dagster_event,
        ).for_run_failure()
    )


@pytest.fixture
def webhook(monkeypatch):
    receiver = Receiver()
    monkeypatch.setenv("TIEOUT_ALERT_WEBHOOK_URL", receiver.url)
    yield receiver
    receiver.server.shutdown()


# The machine's database servers (.ci/run starts both), for the on-premises ledger's tests
MARIADB = os.environ.get("TIEOUT_TEST_MARIADB", "mysql+pymysql://root@127.0.0.1:3306/test")
POSTGRES = os.environ.get("TIEOUT_TEST_POSTGRES", "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres")


@pytest.fixture(params=["sqlite", "mariadb", "postgresql"])
def ledger_url(request, tmp_path):
    """An empty ledger schema in a database of its own for this run; dropped afterwards."""
    name = f"ledger_{uuid.uuid4().hex[:12]}"
    if request.param == "sqlite":
        url, admin, drop = f"sqlite:///{tmp_path / 'ledger.db'}", None, None
    elif request.param == "mariadb":
        admin = create_engine(MARIADB)
        with admin.begin() as connection:
            connection.execute(text(f"CREATE DATABASE {name}"))
        url, drop = admin.url.set(database=name).render_as_string(hide_password=False), f"DROP DATABASE {name}"
    else:
        admin = create_engine(POSTGRES)
        with admin.begin() as connection:
            connection.execute(text(f"CREATE SCHEMA {name}"))
        url, drop = f"{POSTGRES}?options=-csearch_path%3D{name}", f"DROP SCHEMA {name} CASCADE"
    engine = create_engine(url)
    metadata.create_all(engine)
    yield url
    engine.dispose()
    if admin is not None:
        with admin.begin() as connection:
            connection.execute(text(drop))
        admin.dispose()
