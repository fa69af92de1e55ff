"""Corrections whose CRM account is a HubSpot company (the mixed small firm's DE business unit keeps its
accounts in HubSpot): planned from the live HubSpot company, CRM-side ones written back to HubSpot by
PATCH, once, and read back."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from corrections.approval import approve_corrections
from corrections.ownership import OwnershipError, load_ownership
from corrections.proposals import canonical_field
from corrections.writeback import drain
from tests.corrections.conftest import Firm, mixed_firm, outbox, plan_and_record, proposed

ON_HUBSPOT = {"DE": "hubspot"}
CODES = ("AR_BALANCE_MISMATCH", "CUSTOMER_NAME_MISMATCH", "CUSTOMER_PARENT_MISMATCH", "CUSTOMER_UNLINKED_MATCH")


class HubSpotFirm(Firm):
    """The mixed firm, its planted findings those on HubSpot companies."""

    def planted(self, *codes: str) -> list[dict]:
        return [f for f in super().planted(*codes) if (f["crm_id"] or "").startswith("hubspot:")]

    @property
    def portal(self) -> str:
        return str(self.store.meta("credentials")["hubspot"]["portal_id"])

    def company(self, crm_id: str) -> dict:
        return self.store.get("hubspot", self.portal, "companies", crm_id.removeprefix("hubspot:"))["properties"]


@pytest.fixture
def hubspot_firm(tmp_path) -> Iterator[HubSpotFirm]:
    with mixed_firm(HubSpotFirm, tmp_path, erps={"UK": "xero"}, crms=ON_HUBSPOT) as firm:
        yield firm


def expected_corrections(firm: HubSpotFirm) -> set[tuple]:
    """(system, object, record, field, before, after, policy) of each correction the HubSpot findings
    imply, off the manifest and the store."""
    expected = set()
    for planted in firm.planted("AR_BALANCE_MISMATCH"):
        company = planted["crm_id"].removeprefix("hubspot:")
        expected.add(
            ("hubspot", "companies", company, "open_ar", planted["actual_value"], planted["expected_value"], "auto")
        )
    for planted in firm.planted("CUSTOMER_NAME_MISMATCH"):
        assert firm.company(planted["crm_id"])["name"] == planted["expected_value"]
        expected.add((*firm.target_of(planted), planted["actual_value"], planted["expected_value"], "auto"))
    for planted in firm.planted("CUSTOMER_PARENT_MISMATCH"):
        entity, customer = planted["erp_id"].split(":")
        parent_erp = firm.company(planted["expected_value"])["erp_customer_id"]
        before = (firm.store.get("quickbooks", firm.realm(entity), "Customer", customer).get("ParentRef") or {}).get(
            "value"
        )
        expected.add(("quickbooks", "Customer", customer, "ParentRef", before, parent_erp.split(":")[1], "approval"))
    for planted in firm.planted("CUSTOMER_UNLINKED_MATCH"):
        company = planted["crm_id"].removeprefix("hubspot:")
        role, other = (
            ("psa_client_id", planted["psa_id"]) if planted["psa_id"] else ("erp_customer_id", planted["erp_id"])
        )
        expected.add(("hubspot", "companies", company, role, None, other, "approval"))
    return expected


def test_the_plan_reads_hubspot_companies_and_writes_to_them(hubspot_firm):
    assert {p["code"] for p in hubspot_firm.planted(*CODES)} == set(CODES)
    expected = expected_corrections(hubspot_firm)
    planned = plan_and_record(hubspot_firm, CODES)
    assert proposed(planned) == expected
    assert len(planned) == len(expected)


def test_the_writeback_patches_each_hubspot_company_once(hubspot_firm):
    planned = plan_and_record(hubspot_firm, CODES)
    to_hubspot = {c.correction_id: c for c in planned if c.target_system == "hubspot"}
    assert {c.field for c in to_hubspot.values()} == {"open_ar", "psa_client_id", "erp_customer_id"}
    approve_corrections(hubspot_firm.warehouse, list(to_hubspot), "controller@firm.example")
    start = hubspot_firm.store.last_request_n()
    report = drain(hubspot_firm.warehouse, hubspot_firm.targets.by_system(), load_ownership())
    assert report.stopped == {}
    assert report.outcomes["hubspot"]["applied"] == report.outcomes["hubspot"]["verified"] == len(to_hubspot)
    patches = [
        r for r in hubspot_firm.store.requests(since_n=start) if r.method == "PATCH" and r.path.startswith("/crm/")
    ]
    sent = sorted(((r.path, json.loads(r.body)) for r in patches), key=lambda request: request[0])
    assert sent == sorted(
        (
            (f"/crm/v3/objects/companies/{c.record_id}", {"properties": {c.field: c.value_after}})
            for c in to_hubspot.values()
        ),
        key=lambda request: request[0],
    )
    for c in to_hubspot.values():
        stored = hubspot_firm.company(f"hubspot:{c.record_id}")[c.field]
        assert stored == c.value_after, (c.field, stored)
    rows = outbox(hubspot_firm.warehouse)
    assert {rows[i]["state"] for i in to_hubspot} == {"applied"}

    again = hubspot_firm.store.last_request_n()
    second = drain(hubspot_firm.warehouse, hubspot_firm.targets.by_system(), load_ownership())
    assert second.outcomes == {} and second.stopped == {}
    assert [r for r in hubspot_firm.store.requests(since_n=again) if r.method == "PATCH"] == []  # nor to Salesforce


def test_hubspot_is_the_crm_and_owns_what_the_crm_owns():
    ownership = load_ownership()
    assert ownership.owners("customer.name") == ["salesforce", "hubspot"]
    with pytest.raises(OwnershipError, match="hubspot owns"):
        ownership.check(canonical_field("name_to_psa"), "hubspot")
    ownership.check(canonical_field("open_ar_to_crm"), "hubspot")  # the ERP owns AR: HubSpot gets a copy
