"""Dry run, approval and writeback on a small sandbox firm, over real HTTP against the emulators."""

from datetime import date

from corrections.approval import approve_corrections, list_corrections, reject_corrections
from pipelines.cli import main as corrections_cli
from corrections.ownership import load_ownership
from corrections.plan import plan_night
from corrections.writeback import drain, preview
from tests.conftest import NEXT_NIGHT, SNAPSHOT_DATE
from tests.corrections.conftest import AUTO_CODES, outbox, plan_and_record, write_planted_findings, writes

APPROVAL_CODES = ("CUSTOMER_UNLINKED_MATCH", "CUSTOMER_PARENT_MISMATCH", "LEGAL_ENTITY_MISMATCH",
                  "CUSTOMER_CURRENCY_MISMATCH", "CREDIT_MEMO_NOT_REFLECTED")


def test_the_dry_run_lists_before_and_after_and_changes_nothing(firm):
    write_planted_findings(firm.warehouse, firm.planted(*AUTO_CODES))
    start = firm.store.last_request_n()
    planned = plan_night(firm.warehouse, date.fromisoformat(SNAPSHOT_DATE), firm.targets.sources(), load_ownership())
    shown = {(c.target_system, c.target_object, c.record_id, c.field): (c.value_before, c.value_after) for c in planned}
    assert shown == {
        ("salesforce", "Account", "0015g000000000tAAA", "Open_AR__c"): ("3750.00", "3000.00"),
        ("salesforce", "Account", "0015g000000000uAAA", "Open_AR__c"): ("1800.00", "3600.00"),
        ("quickbooks", "Customer", "11", "DisplayName"): ("Tregrirt Logistics Ltd", "Tregrirt Energy Ltd"),
        ("harvest", "clients", "5100017", "name"): ("Hidraind Insurance Limited", "Hidraind Travel & Leisure Limited"),
        ("quickbooks", "TimeActivity", "194", "BillableStatus"): ("Billable", "HasBeenBilled"),
        ("quickbooks", "TimeActivity", "200", "BillableStatus"): ("Billable", "HasBeenBilled"),
        ("harvest", "invoices", "13150330", "due_amount"): ("4218.50", "2531.10"),
        ("harvest", "invoices", "13150314", "due_amount"): ("981.51", "588.91"),
    }
    assert writes(firm.store, start) == []
    assert list_corrections(firm.warehouse) == []  # planning alone records nothing


def test_auto_corrections_are_written_once_and_approval_ones_wait(firm, monkeypatch, capsys):
    planned = plan_and_record(firm, AUTO_CODES + APPROVAL_CODES)
    by_policy = {p: {c.correction_id for c in planned if c.policy == p} for p in ("auto", "approval")}
    assert len(by_policy["auto"]) == 8 and len(by_policy["approval"]) == 13
    assert {row["action"] for row in preview(firm.warehouse, firm.targets.by_system())} == {"write"}

    start = firm.store.last_request_n()
    report = drain(firm.warehouse, firm.targets.by_system())
    rows = outbox(firm.warehouse)
    assert {i for i, r in rows.items() if r["state"] == "applied" and r["verified_at"]} == by_policy["auto"]
    assert {i for i, r in rows.items() if r["state"] == "proposed"} == by_policy["approval"]
    # one write request per Harvest correction, one batch per QuickBooks company, one collection for Salesforce
    sent = writes(firm.store, start)
    assert sorted((r.system, r.method, r.path.rsplit("/", 1)[-1]) for r in sent) == sorted([
        ("harvest", "PATCH", "5100017"), ("harvest", "POST", "payments"), ("harvest", "POST", "payments"),
        ("quickbooks", "POST", "batch"), ("quickbooks", "POST", "batch"), ("salesforce", "PATCH", "sobjects")])
    assert all(r.status in (200, 201) for r in sent)
    assert report.total("applied") == 8 and report.total("failed") == 0
    assert firm.store.get("quickbooks", firm.runtime.legal_entities()[0]["realm_id"], "TimeActivity", "194")[
        "BillableStatus"] == "HasBeenBilled"
    assert firm.store.get("harvest", "", "invoices", "13150314")["due_amount"] == 588.91

    # the next night the same findings propose nothing: the records agree now
    again = plan_night(firm.warehouse, date.fromisoformat(NEXT_NIGHT), firm.targets.sources(), load_ownership())
    assert [c for c in again if c.policy == "auto"] == []

    # a person approves two and rejects one; only the approved are sent, by the next drain
    waiting = sorted(by_policy["approval"])
    monkeypatch.setenv("TIEOUT_WAREHOUSE", str(firm.warehouse))
    assert corrections_cli(["corrections", "approve", *waiting[:2], "--by", "ana.finance"]) == 0
    assert capsys.readouterr().out.count('"state": "approved"') == 2
    assert approve_corrections(firm.warehouse, waiting[:2], "someone.else") == []  # only proposed rows change
    rejected = reject_corrections(firm.warehouse, [waiting[2]], "ana.finance", "not the same company")
    assert [r["state"] for r in rejected] == ["rejected"]
    start = firm.store.last_request_n()
    drain(firm.warehouse, firm.targets.by_system())
    rows = outbox(firm.warehouse)
    assert {i for i in waiting if rows[i]["state"] == "applied"} == set(waiting[:2])
    assert all(rows[i]["approved_by"] == "ana.finance" for i in waiting[:2])
    assert rows[waiting[2]]["state"] == "rejected" and all(rows[i]["state"] == "proposed" for i in waiting[3:])
    assert 1 <= len(writes(firm.store, start)) <= 2
