"""Dry run, approval and writeback on a small sandbox firm, over real HTTP against the emulators."""

from datetime import date

from corrections.approval import approve_corrections, list_corrections, reject_corrections
from corrections.ownership import load_ownership
from corrections.plan import plan_night
from corrections.writeback import drain, preview
from corrections.writers import as_text
from pipelines.cli import main as corrections_cli
from tests.conftest import NEXT_NIGHT, SNAPSHOT_DATE
from tests.corrections.conftest import AUTO_CODES, finding_row, outbox, plan_and_record, write_planted_findings, writes

APPROVAL_CODES = (
    "CUSTOMER_UNLINKED_MATCH",
    "CUSTOMER_PARENT_MISMATCH",
    "LEGAL_ENTITY_MISMATCH",
    "CUSTOMER_CURRENCY_MISMATCH",
)


def test_the_dry_run_lists_before_and_after_and_changes_nothing(firm):
    write_planted_findings(firm.warehouse, firm.planted(*AUTO_CODES))
    start = firm.store.last_request_n()
    planned = plan_night(firm.warehouse, date.fromisoformat(SNAPSHOT_DATE), firm.targets.sources(), load_ownership())
    shown = {
        (c.target_system, c.target_object, c.record_id, c.field): (c.value_before, c.value_after)
        for c in planned
        if c.code != "PAYMENT_NOT_REFLECTED"
    }
    assert shown == firm.expected_dry_run()
    paid = {c.record_id for c in planned if c.code == "PAYMENT_NOT_REFLECTED"}
    assert paid == {p["psa_id"] for p in firm.planted("PAYMENT_NOT_REFLECTED")}
    assert writes(firm.store, start) == []
    assert list_corrections(firm.warehouse) == []  # planning alone records nothing


def test_auto_corrections_are_written_once_and_approval_ones_wait(firm, monkeypatch, capsys):
    expected = firm.expected_dry_run()  # before the writes change whose name is wrong
    planned = plan_and_record(firm, AUTO_CODES + APPROVAL_CODES + ("CREDIT_MEMO_NOT_REFLECTED",))
    by_policy = {p: {c.correction_id for c in planned if c.policy == p} for p in ("auto", "approval", "never")}
    payments = [c for c in planned if c.code == "PAYMENT_NOT_REFLECTED"]
    assert {c.correction_id for c in planned if c.code in AUTO_CODES} == by_policy["auto"]
    assert len(by_policy["auto"]) == len(expected) + len(payments)
    assert {c.finding_id for c in planned if c.policy == "approval"} == {
        finding_row(p)["finding_id"] for p in firm.planted(*APPROVAL_CODES)
    }
    # a credit memo is not cash: listed for finance, never sent
    assert {c.finding_id for c in planned if c.policy == "never"} == {
        finding_row(p)["finding_id"] for p in firm.planted("CREDIT_MEMO_NOT_REFLECTED")
    }
    assert {row["action"] for row in preview(firm.warehouse, firm.targets.by_system())} == {"write"}

    start = firm.store.last_request_n()
    report = drain(firm.warehouse, firm.targets.by_system())
    rows = outbox(firm.warehouse)
    assert {i for i, r in rows.items() if r["state"] == "applied" and r["verified_at"]} == by_policy["auto"]
    assert {i for i, r in rows.items() if r["state"] == "proposed"} == by_policy["approval"] | by_policy["never"]
    # one write request per Harvest correction, one batch per QuickBooks company, one collection for Salesforce
    sent = writes(firm.store, start)
    harvest = sorted(
        [("PATCH", record_id) for system, obj, record_id, _ in expected if system == "harvest"]
        + [("POST", "payments")] * len(payments)
    )
    qbo_companies = {c.legal_entity for c in planned if c.policy == "auto" and c.target_system == "quickbooks"}
    assert sorted((r.system, r.method, r.path.rsplit("/", 1)[-1]) for r in sent) == sorted(
        [("harvest", *h) for h in harvest]
        + [("quickbooks", "POST", "batch")] * len(qbo_companies)
        + [("salesforce", "PATCH", "sobjects")]
    )
    assert all(r.status in (200, 201) for r in sent)
    assert report.total("applied") == len(expected) + len(payments) and report.total("failed") == 0
    for planted in firm.planted("TIME_BILLED_STATUS_MISMATCH"):
        system, obj, record_id, field = firm.target_of(planted)
        tenant = firm.realm(planted["legal_entity"]) if system == "quickbooks" else ""
        assert (
            as_text(firm.store.get(system, tenant, obj, record_id)[field]) == expected[system, obj, record_id, field][1]
        )

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
    assert all(rows[i]["state"] == "proposed" for i in by_policy["never"])
    assert 1 <= len(writes(firm.store, start)) <= 2
