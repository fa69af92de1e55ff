"""Corrections for a legal entity whose books are kept in Xero (the mixed small firm, UK on Xero):
planned from the live Xero records, written back to Xero through the writeback, once."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from corrections.ownership import OwnershipError, load_ownership
from corrections.proposals import canonical_field
from corrections.writeback import drain
from corrections.writers.harvest import payment_field, payment_text
from tests.corrections.conftest import AUTO_CODES, Firm, mixed_firm, outbox, plan_and_record, proposed, writes

ON_XERO = {"UK": "xero"}
PLANNED_CODES = (*AUTO_CODES, "LEGAL_ENTITY_MISMATCH", "CREDIT_MEMO_NOT_REFLECTED", "INVOICE_STATUS_MISMATCH")


class XeroFirm(Firm):
    """The mixed firm, its planted findings those of its Xero entity."""

    def planted(self, *codes: str) -> list[dict]:
        return [f for f in super().planted(*codes) if f["legal_entity"] in ON_XERO]

    @property
    def tenant(self) -> str:
        return next(e["xero_tenant_id"] for e in self.runtime.legal_entities() if e["code"] in ON_XERO)

    def xero(self, collection: str, erp_id: str) -> dict:
        return self.store.get("xero", self.tenant, collection, erp_id.partition(":")[2])

    def posting(self, psa_invoice_id: str) -> dict:
        tag = f"harvest_invoice:{psa_invoice_id}"
        return next(i for i in self.store.list("xero", self.tenant, "Invoices") if i.get("Reference") == tag)


@pytest.fixture
def xero_firm(tmp_path) -> Iterator[XeroFirm]:
    with mixed_firm(XeroFirm, tmp_path, erps=ON_XERO) as firm:
        yield firm


def day_of(xero_date: str) -> str:
    found = re.fullmatch(r"/Date\((-?\d+)([+-]\d{4})?\)/", xero_date)
    assert found, xero_date
    milliseconds = int(found.group(1))
    return datetime.fromtimestamp(milliseconds / 1000, UTC).date().isoformat()


def expected_corrections(firm: XeroFirm) -> set[tuple]:
    """(system, object, record, field, before, after, policy) of each correction the manifest's UK
    findings imply, off the manifest and the store."""
    expected = set()
    for planted in firm.planted("CUSTOMER_NAME_MISMATCH"):
        client = firm.store.get("harvest", "", "clients", planted["psa_id"])
        if client["name"] == planted["actual_value"]:
            target = ("harvest", "clients", planted["psa_id"], "name")
        else:
            assert firm.xero("Contacts", planted["erp_id"])["Name"] == planted["actual_value"]
            target = ("xero", "Contacts", planted["erp_id"].partition(":")[2], "Name")
        expected.add((*target, planted["actual_value"], planted["expected_value"], "auto"))
    for planted in firm.planted("AR_BALANCE_MISMATCH"):
        expected.add(
            ("salesforce", "Account", planted["crm_id"], "Open_AR__c")
            + (planted["actual_value"], planted["expected_value"], "auto")
        )
    for planted in firm.planted("LEGAL_ENTITY_MISMATCH"):
        expected.add(
            ("salesforce", "Account", planted["crm_id"], "Legal_Entity__c")
            + (planted["actual_value"], planted["expected_value"], "approval")
        )
    for planted in firm.planted("PAYMENT_NOT_REFLECTED"):
        for payment in firm.posting(planted["psa_id"])["Payments"]:
            expected.add(
                ("harvest", "invoices", planted["psa_id"], payment_field(f"UK:{payment['PaymentID']}"))
                + (None, payment_text(payment["Amount"], day_of(payment["Date"])), "auto")
            )
    for planted in firm.planted("CREDIT_MEMO_NOT_REFLECTED"):
        credit = firm.xero("CreditNotes", planted["erp_id"])
        (allocation,) = credit["Allocations"]
        applied = Decimal(str(allocation["Amount"])).quantize(Decimal("0.01"))
        expected.add(
            ("harvest", "invoices", planted["psa_id"], f"credit_memo:{planted['erp_id']}")
            + (None, f"{applied} credited {day_of(allocation['Date'])}", "never")
        )
    # INVOICE_STATUS_MISMATCH (voided in Xero): nothing to copy; TIME_BILLED_STATUS_MISMATCH: Xero Projects
    # cannot set a time entry's status (INVOICED comes from invoicing it in Xero), so nothing is written
    return expected


def test_the_plan_proposes_what_the_xero_entitys_findings_imply(xero_firm):
    assert {p["code"] for p in xero_firm.planted(*PLANNED_CODES)} == set(PLANNED_CODES)
    expected = expected_corrections(xero_firm)
    planned = plan_and_record(xero_firm, PLANNED_CODES)
    assert proposed(planned) == expected
    assert len(planned) == len(expected)
    for c in planned:
        assert c.legal_entity == "UK"
        if c.code == "CREDIT_MEMO_NOT_REFLECTED":
            number = xero_firm.xero("CreditNotes", c.field.removeprefix("credit_memo:"))["CreditNoteNumber"]
            assert f"Credit memo {number} " in c.note and " in Xero)" in c.note and "QuickBooks" not in c.note


def test_the_writeback_renames_the_xero_contact_once(xero_firm):
    (misnamed,) = [
        p
        for p in xero_firm.planted("CUSTOMER_NAME_MISMATCH")
        if xero_firm.xero("Contacts", p["erp_id"])["Name"] == p["actual_value"]
    ]
    contact_id = misnamed["erp_id"].partition(":")[2]
    plan_and_record(xero_firm, AUTO_CODES)
    start = xero_firm.store.last_request_n()
    report = drain(xero_firm.warehouse, xero_firm.targets.by_system(), load_ownership())
    assert report.stopped == {}
    assert report.outcomes["xero"]["applied"] == report.outcomes["xero"]["verified"] == 1

    xero_writes = [r for r in writes(xero_firm.store, start) if r.path.startswith("/api.xro/")]
    assert [(r.method, r.path, r.tenant, r.status) for r in xero_writes] == [
        ("POST", "/api.xro/2.0/Contacts", xero_firm.tenant, 200)
    ]
    assert json.loads(xero_writes[0].body) == {
        "Contacts": [{"ContactID": contact_id, "Name": misnamed["expected_value"]}]
    }
    read_back = xero_firm.targets.xero.read("UK", "Contacts", [contact_id])
    assert read_back[contact_id]["Name"] == misnamed["expected_value"]
    rows = outbox(xero_firm.warehouse).values()
    assert {(r["target_system"], r["state"]) for r in rows if r["target_system"] == "xero"} == {("xero", "applied")}
    assert all(r["state"] == "applied" for r in rows), [r for r in rows if r["state"] != "applied"]

    paid = [r for r in writes(xero_firm.store, start) if r.path.endswith("/payments")]
    for planted in xero_firm.planted("PAYMENT_NOT_REFLECTED"):
        for payment in xero_firm.posting(planted["psa_id"])["Payments"]:
            tag = f"xero_payment:UK:{payment['PaymentID']}"
            assert [r.path for r in paid if tag in json.loads(r.body)["notes"]] == [
                f"/v2/invoices/{planted['psa_id']}/payments"
            ]

    again = xero_firm.store.last_request_n()
    second = drain(xero_firm.warehouse, xero_firm.targets.by_system(), load_ownership())
    assert second.outcomes == {} and second.stopped == {}
    assert writes(xero_firm.store, again) == []


def test_a_correction_to_xero_of_an_erp_owned_field_is_refused():
    ownership = load_ownership()
    assert ownership.owners("customer.open_ar") == ["quickbooks", "xero", "ledger"]
    for rule in ("open_ar_to_crm", "legal_entity_to_crm", "currency_to_psa", "cash_to_psa"):
        with pytest.raises(OwnershipError, match="xero owns"):
            ownership.check(canonical_field(rule), "xero")
    ownership.check(canonical_field("name_to_erp"), "xero")  # the CRM owns the name: Xero gets a copy


def test_a_batch_xero_refuses_is_sent_again_one_by_one(xero_firm):
    """Two renames in one batch, one to the name of another active contact: Xero refuses the batch,
    so each is sent alone; the valid one is written, the refused one fails for good with Xero's reason."""
    from corrections.outbox import Correction
    from corrections.writers import SyncLog

    first, second, taken = sorted(xero_firm.store.list("xero", xero_firm.tenant, "Contacts"), key=lambda c: c["Name"])[
        :3
    ]
    renamed = f"{first['Name']} (renamed)"
    corrections = [
        Correction(
            "f1",
            "CUSTOMER_NAME_MISMATCH",
            "xero",
            "Contacts",
            "UK",
            first["ContactID"],
            "Name",
            first["Name"],
            renamed,
            "name_to_erp",
        ),
        Correction(
            "f2",
            "CUSTOMER_NAME_MISMATCH",
            "xero",
            "Contacts",
            "UK",
            second["ContactID"],
            "Name",
            second["Name"],
            taken["Name"],
            "name_to_erp",
        ),
    ]
    for n, c in enumerate(corrections):
        c.correction_id = f"cor_{n}"
    start = xero_firm.store.last_request_n()
    log = SyncLog()
    outcomes = {o.correction_id: o for o in xero_firm.targets.xero.write(corrections, log)}
    ok, refused = outcomes[corrections[0].correction_id], outcomes[corrections[1].correction_id]
    assert ok.ok and not refused.ok and not refused.retryable
    assert "unique" in (refused.error or "")
    posted = [
        (len(json.loads(r.body)["Contacts"]), r.status)
        for r in writes(xero_firm.store, start)
        if r.path.endswith("/Contacts")
    ]
    assert posted == [(2, 400), (1, 200), (1, 400)]
    assert [(e.correction_id, e.status) for e in log] == [
        (corrections[0].correction_id, 400),
        (corrections[1].correction_id, 400),
        (corrections[0].correction_id, 200),
        (corrections[1].correction_id, 400),
    ]
    assert all("Bearer" not in (e.request_body or "") + (e.response_body or "") for e in log)
    current = xero_firm.targets.xero.current(corrections)
    assert [current[c.correction_id] for c in corrections] == [renamed, second["Name"]]
