"""Corrections a controller would sign (issue 12 g): cash dated from the ERP payment, credit memos
routed and never posted as payments, billing status corrected both ways, copied text checked. Ids,
amounts and dates come from the firm's manifest and store, never from literals."""

import json
from datetime import UTC, date, datetime
from decimal import Decimal

from corrections.approval import approve_corrections
from corrections.ownership import load_ownership
from corrections.plan import plan_night
from corrections.writeback import drain
from tests.conftest import SNAPSHOT_DATE
from tests.corrections.conftest import outbox, plan_and_record, write_planted_findings, writes


def _realm(firm, entity: str) -> str:
    return next(e["realm_id"] for e in firm.runtime.legal_entities() if e["code"] == entity)


def _erp_cash(firm, planted: dict) -> dict[tuple[Decimal, str], str]:
    """(amount, TxnDate) -> QuickBooks payment id of the cash payments applied to the planted invoice."""
    realm, tag = _realm(firm, planted["legal_entity"]), f"harvest_invoice:{planted['psa_id']}"
    postings = {i["Id"] for i in firm.store.list("quickbooks", realm, "Invoice") if tag in (i.get("PrivateNote") or "")}
    cash = {}
    for payment in firm.store.list("quickbooks", realm, "Payment"):
        linked = [t for line in payment.get("Line") or [] for t in line.get("LinkedTxn") or []]
        if any(t["TxnType"] == "CreditMemo" for t in linked):
            continue
        for line in payment.get("Line") or []:
            if any(t["TxnType"] == "Invoice" and t["TxnId"] in postings for t in line.get("LinkedTxn") or []):
                cash[(Decimal(str(line["Amount"])).quantize(Decimal("0.01")), payment["TxnDate"])] = payment["Id"]
    return cash


def _touch(firm, system: str, tenant: str, object_name: str, record_id: str, **changes) -> None:
    record = firm.store.get(system, tenant, object_name, record_id)
    record.update(changes)
    firm.store.put(
        system,
        tenant,
        object_name,
        record_id,
        record,
        datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
    )


def test_a_payment_reaches_harvest_once_per_erp_payment_with_its_date(firm):
    planted = firm.planted("PAYMENT_NOT_REFLECTED")
    planned = plan_and_record(firm, ("PAYMENT_NOT_REFLECTED",))
    assert planned and {c.policy for c in planned} == {"auto"}
    start = firm.store.last_request_n()
    drain(firm.warehouse, firm.targets.by_system())

    sent = writes(firm.store, start)
    assert len(sent) == len(planned)  # one Harvest payment per correction, nothing else written
    assert {r.system for r in sent} == {"harvest"} and {r.method for r in sent} == {"POST"}
    for finding in planted:
        erp_cash = _erp_cash(firm, finding)
        posted = [json.loads(r.body) for r in sent if r.path == f"/v2/invoices/{finding['psa_id']}/payments"]
        assert posted, finding["psa_id"]
        for body in posted:
            key = (Decimal(str(body["amount"])).quantize(Decimal("0.01")), body["paid_at"][:10])
            assert key in erp_cash  # the ERP payment's amount and date, never the day of the writeback
            assert f"quickbooks_payment:{finding['legal_entity']}:{erp_cash[key]}" in body["notes"]
    # verified: read back from Harvest, the recorded payment carries the ERP payment's date too
    assert all(r["state"] == "applied" and r["verified_at"] for r in outbox(firm.warehouse).values())

    # a second drain of the same night finds every payment already recorded: nothing is written again
    start = firm.store.last_request_n()
    plan_and_record(firm, ("PAYMENT_NOT_REFLECTED",))
    drain(firm.warehouse, firm.targets.by_system())
    assert writes(firm.store, start) == []


def test_a_credit_memo_is_routed_to_finance_never_posted_as_a_payment(firm):
    planted = firm.planted("CREDIT_MEMO_NOT_REFLECTED")
    planned = plan_and_record(firm, ("CREDIT_MEMO_NOT_REFLECTED",))
    assert {(c.target_system, c.record_id, c.field) for c in planned} == {
        ("harvest", str(p["psa_id"]), f"credit_memo:{p['erp_id']}") for p in planted
    }
    by_invoice = {c.record_id: c for c in planned}
    for p in planted:
        correction = by_invoice[str(p["psa_id"])]
        assert correction.policy == "never"
        assert p["document_number"] in correction.note and "not cash" in correction.note

    assert approve_corrections(firm.warehouse, [c.correction_id for c in planned], "ana.finance") == []
    start = firm.store.last_request_n()
    report = drain(firm.warehouse, firm.targets.by_system())
    assert writes(firm.store, start) == [] and report.total("applied") == 0
    assert {r["state"] for r in outbox(firm.warehouse).values()} == {"proposed"}


def test_time_billed_in_quickbooks_but_not_in_harvest_waits_for_a_person_then_is_billable_again(firm):
    finding = firm.planted("TIME_BILLED_STATUS_MISMATCH")[0]
    entity, activity_id = finding["erp_id"].split(":")
    realm = _realm(firm, entity)
    # the reverse of the planted pair: Harvest has not invoiced the entry, QuickBooks marks it billed
    _touch(firm, "harvest", "", "time_entries", str(finding["psa_id"]), is_billed=False, invoice=None)
    _touch(firm, "quickbooks", realm, "TimeActivity", activity_id, BillableStatus="HasBeenBilled")

    planned = plan_and_record(firm, ("TIME_BILLED_STATUS_MISMATCH",))
    reverse = [c for c in planned if c.record_id == activity_id]
    assert [(c.target_system, c.field, c.value_before, c.value_after, c.policy) for c in reverse] == [
        ("quickbooks", "BillableStatus", "HasBeenBilled", "Billable", "approval")
    ]
    assert str(finding["psa_id"]) in reverse[0].note

    start = firm.store.last_request_n()
    drain(firm.warehouse, firm.targets.by_system())
    assert firm.store.get("quickbooks", realm, "TimeActivity", activity_id)["BillableStatus"] == "HasBeenBilled"
    approve_corrections(firm.warehouse, [reverse[0].correction_id], "ana.finance")
    drain(firm.warehouse, firm.targets.by_system())
    assert firm.store.get("quickbooks", realm, "TimeActivity", activity_id)["BillableStatus"] == "Billable"
    assert outbox(firm.warehouse)[reverse[0].correction_id]["state"] == "applied"
    assert len([r for r in writes(firm.store, start) if f"TimeActivity:{activity_id}" in (r.body or "")]) == 1


def test_a_name_that_could_act_as_markup_or_a_formula_needs_approval(firm):
    planted = firm.planted("CUSTOMER_NAME_MISMATCH")
    night = date.fromisoformat(SNAPSHOT_DATE)
    write_planted_findings(firm.warehouse, planted)
    clean = plan_night(firm.warehouse, night, firm.targets.sources(), load_ownership())
    assert clean and {c.policy for c in clean} == {"auto"} and {c.note for c in clean} == {None}

    for name in ('=HYPERLINK("http://x.example")', "<script>alert(1)</script> Ltd", "Acme\x07 Ltd", "@SUM(A1)"):
        for p in planted:
            _touch(firm, "salesforce", "", "Account", p["crm_id"], Name=name)
        sources = firm.targets.sources()  # a fresh read of the CRM names
        held = plan_night(firm.warehouse, night, sources, load_ownership())
        assert {c.value_after for c in held} == {name}
        assert {c.policy for c in held} == {"approval"}
        assert all(c.note and repr(name) in c.note for c in held)
