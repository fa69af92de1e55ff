"""One legal entity's ERP company down for a night: the night still succeeds for the others. The
entity's snapshot is carried from the night before, it is "not reconciled tonight" (a warning check,
the report's summary), its findings stay exactly as last seen and none is resolved, its tie-out
cells are left out, and the next night sweeps its objects in full."""

from datetime import date, timedelta

import duckdb
import pandas as pd
import pytest
from dagster import AssetCheckSeverity

from assets.extraction.snapshots import plan_load
from reports import load_night
from reports.summary import headline
from resources.quickbooks import QuickBooksResource
from sandbox.runtime import running_sandbox, stop_sandbox
from tests.conftest import NEXT_NIGHT, SNAPSHOT_DATE
from tests.reconciliation.conftest import run_night, sandbox_night_environment
from tests.reconciliation.test_aging import copy_warehouse

FIRST, SECOND = date.fromisoformat(SNAPSHOT_DATE), date.fromisoformat(NEXT_NIGHT)


@pytest.fixture(scope="module")
def outage_night(reconciled_small_firm, tmp_path_factory):
    """(the night's result, the warehouse, the entity that was down, the one that was not)."""
    home = tmp_path_factory.mktemp("entity-outage")
    down, up = [e["code"] for e in reconciled_small_firm.manifest["legal_entities"]][:2]
    realm = next(e["realm_id"] for e in reconciled_small_firm.manifest["legal_entities"] if e["code"] == down)
    with pytest.MonkeyPatch.context() as env:
        sandbox, warehouse = sandbox_night_environment(reconciled_small_firm.sandbox, home, env)
        copy_warehouse(reconciled_small_firm.warehouse, warehouse)
        try:
            faults = running_sandbox(sandbox, "small").faults("quickbooks")
            faults.outage_paths, faults.retry_after = (f"/v3/company/{realm}/",), 0
            result = run_night(NEXT_NIGHT)
        finally:
            stop_sandbox(sandbox)
    return result, warehouse, down, up


def findings(warehouse, night: date) -> pd.DataFrame:
    with duckdb.connect(str(warehouse), read_only=True) as db:
        return db.execute("SELECT * FROM recon.findings WHERE snapshot_date = ?", [night]).df().set_index("finding_id")


def test_the_night_succeeds_and_warns_that_the_entity_is_not_reconciled(outage_night):
    result, _, down, up = outage_night
    assert result.success
    checks = {e.check_name: e for e in result.get_asset_check_evaluations()}
    coverage = checks["every_entity_reconciled"]
    assert not coverage.passed and coverage.severity == AssetCheckSeverity.WARN
    assert coverage.description.startswith(f"not reconciled tonight: {down} (quickbooks/")
    assert all(c.passed for name, c in checks.items() if name != "every_entity_reconciled")
    assert checks["no_unexplained_remainder"].passed


def test_the_entity_snapshot_is_carried_from_the_night_before(outage_night):
    _, warehouse, down, up = outage_night
    with duckdb.connect(str(warehouse), read_only=True) as db:
        unavailable = db.execute(
            "SELECT object, entity, data_as_of FROM raw.unavailable_entities WHERE snapshot_date = ? ORDER BY object",
            [SECOND],
        ).fetchall()
        nights = db.execute(
            "SELECT snapshot_date, entity, list_sort(list(record_id)) FROM raw.quickbooks__invoice "
            "GROUP BY ALL ORDER BY ALL"
        ).fetchall()
    assert unavailable == [(name, down, FIRST) for name in sorted(QuickBooksResource.objects)]
    invoices = {(night, entity): ids for night, entity, ids in nights}
    assert invoices[(SECOND, down)] == invoices[(FIRST, down)]
    assert invoices[(SECOND, up)] and invoices[(FIRST, up)]


def test_the_entity_findings_stay_as_last_seen_and_the_others_move_on(outage_night):
    _, warehouse, down, up = outage_night
    first, second = findings(warehouse, FIRST), findings(warehouse, SECOND)
    first_down = first[(first["legal_entity"] == down) & (first["status"] == "open")]
    second_down = second[second["legal_entity"] == down]
    assert len(first_down) > 0
    assert sorted(second_down.index) == sorted(first_down.index)
    assert (second_down["status"] == "open").all() and (second_down["last_seen"] == pd.Timestamp(FIRST)).all()
    assert second_down[["first_seen", "age_days", "severity"]].equals(
        first_down[["first_seen", "age_days", "severity"]]
    )
    second_up = second[(second["legal_entity"] == up) & (second["status"] == "open")]
    assert len(second_up) > 0 and (second_up["last_seen"] == pd.Timestamp(SECOND)).all()


def test_the_tieout_and_the_report_leave_the_entity_out_and_say_so(outage_night):
    _, warehouse, down, up = outage_night
    with duckdb.connect(str(warehouse), read_only=True) as db:
        entities = {
            night: set(cells.split(","))
            for night, cells in db.execute(
                "SELECT snapshot_date, string_agg(DISTINCT legal_entity, ',') FROM recon.tieout GROUP BY 1"
            ).fetchall()
        }
        lines = dict(headline(load_night(db, SECOND)))
    assert down in entities[FIRST] and up in entities[FIRST]
    assert down not in entities[SECOND] and up in entities[SECOND]
    assert lines[f"Not reconciled tonight: {down}"].endswith(f"unavailable; findings as last seen, data as of {FIRST}")
    assert down not in lines["Legal entities reconciled"].split(", ") and up in lines["Legal entities reconciled"]


def test_the_next_night_sweeps_the_entity_in_full(outage_night):
    _, warehouse, *_ = outage_night
    with duckdb.connect(str(warehouse)) as db:
        after_outage = plan_load(
            db,
            "quickbooks",
            "Invoice",
            SECOND + timedelta(days=1),
            requested_mode="auto",
            full_sweep_every_days=7,
            overlap=timedelta(minutes=2),
        )
        harvest = plan_load(
            db,
            "harvest",
            "invoices",
            SECOND + timedelta(days=1),
            requested_mode="auto",
            full_sweep_every_days=7,
            overlap=timedelta(minutes=2),
        )
    assert (after_outage.mode, after_outage.previous_snapshot_date) == ("full", SECOND)
    assert harvest.mode == "incremental"
