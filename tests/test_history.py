"""Issue 13, a past night is history: two nights of the small sandbox firm through every stage, the
sources changed, the first night run again. It is rebuilt from its stored snapshot (no request to a
vendor), its findings and report files come out byte-identical, and Dagster shows the later night's
report stale, since it read the night that was re-run."""

import hashlib
import json
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from dagster import DagsterInstance, materialize
from dagster._core.definitions.data_version import StaleStatus
from dagster._utils.test.data_versions import get_stale_status_resolver

from assets.corrections import correction_assets
from assets.extraction import extraction_assets
from assets.reports import report_assets, report_checks
from pipelines.resources import build_resources
from sandbox.runtime import running_sandbox, stop_sandbox
from sandbox.store import SandboxStore
from tests.conftest import NEXT_NIGHT, SNAPSHOT_DATE
from tests.reconciliation.conftest import every_stage, sandbox_night_environment
from tests.reconciliation.test_aging import fix_in_the_sources

SYSTEMS = ("salesforce", "harvest", "quickbooks")
EVERY_ASSET = [*every_stage(), *correction_assets, *report_assets, *report_checks]


def run_night(snapshot_date: str, instance: DagsterInstance):
    return materialize(EVERY_ASSET, partition_key=snapshot_date, resources=build_resources(), instance=instance)


def files_of(reports: Path, snapshot_date: str) -> dict[str, str]:
    """sha256 of every file in the night's report directory (the manifest included), read from disk."""
    directory = reports / snapshot_date
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(directory.iterdir()) if p.is_file()}


def findings(warehouse: Path, snapshot_date: str) -> list[dict]:
    with duckdb.connect(str(warehouse), read_only=True) as db:
        frame = db.execute(
            "SELECT * FROM recon.findings WHERE snapshot_date = ? ORDER BY finding_id",
            [date.fromisoformat(snapshot_date)],
        ).df()
    return frame.astype(object).where(pd.notna(frame), None).to_dict("records")


@pytest.fixture(scope="module")
def rerun(small_firm_template, tmp_path_factory):
    """Nights 1 and 2, the sources fixed, night 1 again: what each showed and what the re-run did."""
    home = tmp_path_factory.mktemp("history")
    instance = DagsterInstance.ephemeral()
    with pytest.MonkeyPatch.context() as env:
        sandbox, warehouse = sandbox_night_environment(small_firm_template, home, env)
        try:
            assert run_night(SNAPSHOT_DATE, instance).success
            assert run_night(NEXT_NIGHT, instance).success
            first = files_of(home / "home" / "reports", SNAPSHOT_DATE), findings(warehouse, SNAPSHOT_DATE)
            runtime = running_sandbox(sandbox, "small")
            fixed = fix_in_the_sources(
                runtime.base_url, runtime.credentials, json.loads((sandbox / "manifest.json").read_text())
            )
            store = SandboxStore(sandbox / "state.db")
            start = store.last_request_n()
            result = run_night(SNAPSHOT_DATE, instance)
            requests = [(r.system, r.method, r.path) for s in SYSTEMS for r in store.requests(s, since_n=start)]
        finally:
            stop_sandbox(sandbox)
    again = files_of(home / "home" / "reports", SNAPSHOT_DATE), findings(warehouse, SNAPSHOT_DATE)
    yield {"first": first, "again": again, "result": result, "requests": requests, "fixed": fixed, "instance": instance}


def test_the_rerun_asks_no_vendor_and_keeps_every_stored_snapshot(rerun):
    assert rerun["result"].success
    assert len(rerun["fixed"]) == 3  # the sources did change between the runs
    assert rerun["requests"] == []
    raw = [e for e in rerun["result"].get_asset_materialization_events() if e.asset_key.path[0] == "raw"]
    assert {e.asset_key for e in raw} == {a.key for a in extraction_assets}
    for event in raw:
        kept = event.materialization.metadata["kept"].value
        assert kept.startswith(f"kept stored snapshot of {SNAPSHOT_DATE} ") and f"later night ({NEXT_NIGHT})" in kept


def test_the_rerun_night_findings_and_report_files_are_byte_identical(rerun):
    (files_before, findings_before), (files_after, findings_after) = rerun["first"], rerun["again"]
    assert findings_before and findings_after == findings_before
    assert set(files_before) == {
        "manifest.json",
        f"tieout-{SNAPSHOT_DATE}.xlsx",
        f"tieout-statement-{SNAPSHOT_DATE}.csv",
    } | {n for n in files_before if n.startswith("queue-")}
    assert files_after == files_before


def test_dagster_shows_the_later_nights_report_stale_after_the_rerun(rerun):
    resolver = get_stale_status_resolver(rerun["instance"], [a for a in EVERY_ASSET if hasattr(a, "keys")])
    report = report_assets[0].key
    assert resolver.get_status(report, NEXT_NIGHT) == StaleStatus.STALE
    assert resolver.get_status(report, SNAPSHOT_DATE) == StaleStatus.FRESH
    causes = {
        (c.dependency.asset_key.to_user_string(), c.dependency.partition_key)
        for c in resolver.get_stale_causes(report, NEXT_NIGHT)
        if c.dependency
    }
    assert ("recon/findings", SNAPSHOT_DATE) in causes
