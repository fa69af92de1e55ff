"""Issue 5 end to end on real findings: a small sandbox firm's night through every stage and the
`corrections/proposed` asset, the writeback, one approval, and the next night seeing the result."""

import json
import sqlite3
from collections import Counter
from datetime import date

import duckdb
from dagster import materialize

from assets.corrections import correction_assets
from corrections.approval import approve_corrections
from corrections.ownership import load_ownership
from corrections.targets import targets_from_configured
from corrections.writeback import drain
from pipelines.resources import build_resources
from sandbox.store import SandboxStore
from sql import load
from tests.conftest import NEXT_NIGHT, SNAPSHOT_DATE
from tests.corrections.conftest import outbox
from tests.reconciliation.conftest import every_stage

SYSTEMS = ("salesforce", "harvest", "quickbooks")


def run_night(snapshot_date: str) -> None:
    """Every stage of the night up to the proposed corrections, as the nightly job runs them."""
    assert materialize(
        [*every_stage(), *correction_assets], partition_key=snapshot_date, resources=build_resources()
    ).success


def findings(warehouse, snapshot_date: str) -> dict[str, dict]:
    """The night's findings as the reports show them, with the correction that answers each."""
    with duckdb.connect(str(warehouse), read_only=True) as db:
        cursor = db.execute(load("reports/night_findings.sql"), {"snapshot_date": date.fromisoformat(snapshot_date)})
        names = [d[0] for d in cursor.description]
        return {row[names.index("finding_id")]: dict(zip(names, row)) for row in cursor.fetchall()}


def written_records(store: SandboxStore, since_n: int) -> Counter:
    """(system, record id) of every record the vendors' request logs show written: a Harvest request
    writes one, a QuickBooks batch one per item, a Salesforce collection one per record."""
    written = Counter()
    for system in SYSTEMS:
        for request in store.requests(system, since_n=since_n):
            if request.method not in ("PATCH", "POST") or request.path.endswith("/query"):
                continue
            body = json.loads(request.body or "{}")
            if system == "quickbooks":
                written.update((system, item["bId"].split(":", 1)[1]) for item in body["BatchItemRequest"])
            elif system == "salesforce":
                written.update((system, record["Id"]) for record in body["records"])
            else:  # /v2/clients/{id} or /v2/invoices/{id}/payments
                parts = request.path.strip("/").split("/")
                written[(system, parts[2])] += 1
    return written


def lookup_indexes(state) -> set[str]:
    with sqlite3.connect(state) as db:
        return {
            n for (n,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'index' AND name GLOB 'lookup_*'")
        }


def test_a_night_proposes_the_writeback_applies_and_the_next_night_resolves(
    tieout_env, small_firm, tmp_path, monkeypatch
):
    written_with = lookup_indexes(small_firm / "state.db")
    (tmp_path / "quality.yaml").write_text("max_quarantine_share: 0.1\n")  # the small firm plants 6 of 111
    monkeypatch.setenv("TIEOUT_QUALITY_CONFIG", str(tmp_path / "quality.yaml"))
    run_night(SNAPSHOT_DATE)
    night_1 = findings(tieout_env, SNAPSHOT_DATE)
    proposed = outbox(tieout_env)
    assert proposed and {r["finding_id"] for r in proposed.values()} <= {
        i for i, f in night_1.items() if f["status"] == "open"
    }
    # every finding a correction answers names one of its corrections
    assert all(night_1[r["finding_id"]]["correction_id"] in proposed for r in proposed.values())

    ownership = load_ownership()
    targets = targets_from_configured(build_resources(), ownership).by_system()
    store = SandboxStore(small_firm / "state.db")
    start = store.last_request_n()
    drain(tieout_env, targets, ownership)
    waiting = sorted(i for i, r in outbox(tieout_env).items() if r["state"] == "proposed")
    assert waiting, "the small firm plants findings whose corrections need a person"
    by_finding = Counter(proposed[i]["finding_id"] for i in proposed)
    chosen = next(
        i
        for i in waiting
        if proposed[i]["policy"] == "approval"  # `never` ones are only listed
        and by_finding[proposed[i]["finding_id"]] == 1
    )
    assert [r["correction_id"] for r in approve_corrections(tieout_env, [chosen], "ana.finance")] == [chosen]
    drain(tieout_env, targets, ownership)

    rows = outbox(tieout_env)
    applied = {i for i, r in rows.items() if r["state"] == "applied"}
    assert {i for i in proposed if proposed[i]["policy"] == "auto"} | {chosen} == applied
    assert all(rows[i]["verified_at"] for i in applied)
    assert written_records(store, start) == Counter((rows[i]["target_system"], rows[i]["record_id"]) for i in applied)

    run_night(NEXT_NIGHT)
    night_2 = findings(tieout_env, NEXT_NIGHT)
    fixed = {rows[i]["finding_id"] for i in applied}
    assert {f: night_2[f]["status"] for f in fixed} == {f: "resolved" for f in fixed}
    still_waiting = set(waiting) - {chosen}
    assert {night_2[rows[i]["finding_id"]]["status"] for i in still_waiting} == {"open"}
    after = outbox(tieout_env)
    assert {after[i]["state"] for i in still_waiting} == {"proposed"}
    assert all(night_2[after[i]["finding_id"]]["correction_id"] in still_waiting for i in still_waiting)
    # every lookup the corrections made through the emulators read an index the firm was written with
    assert written_with and lookup_indexes(small_firm / "state.db") == written_with
