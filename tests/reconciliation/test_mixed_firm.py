"""Firms whose systems of record are mixed (issue 15). The mixed firm keeps its UK books in Xero and
moves DE's from QuickBooks to Xero mid-year (a cutover), US staying on QuickBooks; its DE business unit
keeps accounts and deals in HubSpot, the rest in Salesforce. The second mix keeps DE's books in the
on-premises ledger, read from its database or from the files it exports. A whole night over every
source finds exactly what was planted, and nothing in the clean variants; the tie-out spans every ERP
with nothing unexplained."""

from __future__ import annotations

import json

import pytest

from sandbox.firm import build_sandbox
from sandbox.firm.score import findings_vs_manifest
from sandbox.store import SandboxStore
from tests.conftest import AS_OF
from tests.reconciliation.conftest import ReconciledFirm, reconcile

ON_XERO = {"UK": "xero"}
ON_HUBSPOT = {"DE": "hubspot"}
MOVING_TO_XERO = {"DE": "xero"}  # mid-cutover: QuickBooks until the cutover date, Xero from it on


def night_of(tmp_path_factory, name: str, clean: bool) -> ReconciledFirm:
    firm = tmp_path_factory.mktemp(name)
    build_sandbox(firm, size="small", as_of=AS_OF, clean=clean, erps=ON_XERO, crms=ON_HUBSPOT, cutovers=MOVING_TO_XERO)
    return reconcile(firm, tmp_path_factory.mktemp(f"{name}-night"))


@pytest.fixture(scope="module")
def mixed_night(tmp_path_factory) -> ReconciledFirm:
    return night_of(tmp_path_factory, "mixed-firm", clean=False)


def xero_entities(night: ReconciledFirm) -> set[str]:
    entities = SandboxStore(night.sandbox / "state.db").meta("legal_entities")
    return {e["code"] for e in entities if e["erp"] == "xero"}


def not_exact(night: ReconciledFirm) -> dict:
    findings = night.findings()
    codes = {f["code"] for f in night.manifest["findings"]} | set(findings["code"])
    return {
        code: r
        for code, r in findings_vs_manifest(findings, night.manifest, sorted(codes)).items()
        if r["missing"] or r["extra"]
    }


def test_the_mixed_firm_is_found_exactly_as_planted(mixed_night):
    assert mixed_night.result.success
    assert xero_entities(mixed_night) == set(ON_XERO) | set(MOVING_TO_XERO)
    assert not_exact(mixed_night) == {}
    planted = {f["code"] for f in mixed_night.manifest["findings"]}
    assert {"INVOICE_POSTED_IN_BOTH_ERPS", "OPEN_ITEM_NOT_MIGRATED"} <= planted
    in_xero = {f["code"] for f in mixed_night.manifest["findings"] if f["legal_entity"] in ON_XERO}
    assert in_xero, "the mixed firm plants findings in its Xero entity"
    # its people and time are in Xero Projects: the codes comparing the ERP's people and time land there too
    assert {"TIME_BY_UNKNOWN_RESOURCE", "TIME_BILLED_STATUS_MISMATCH", "WIP_VARIANCE"} <= in_xero
    in_hubspot = {
        f["code"]
        for f in mixed_night.manifest["findings"]
        if (f["crm_id"] or "").startswith("hubspot:") or any(p.startswith("hubspot:") for p in f.get("pair") or [])
    }
    assert in_hubspot, "the mixed firm plants findings on its HubSpot records"
    assert mixed_night.query("SELECT count(*) FROM recon.tieout WHERE abs(unexplained) > 0.01") == [(0,)]


def test_the_xero_entity_is_modelled_from_xero(mixed_night):
    """Its company says Xero and what it can tell (no hierarchy; time, in Xero Projects, which DE, moved from
    QuickBooks, does not use); every contact, posted sales invoice, payment and credit note, project,
    project user and time entry the firm's Xero tenant holds is in the canonical model under the entity
    (ids are the entity and Xero's UUIDs), and the tie-out has its cells."""
    store = SandboxStore(mixed_night.sandbox / "state.db")
    tenant = next(e["xero_tenant_id"] for e in store.meta("legal_entities") if e["code"] == "UK")
    assert mixed_night.query(
        "SELECT legal_entity, erp_vendor, erp_keeps_hierarchy, erp_keeps_time FROM canonical.legal_entity "
        "WHERE snapshot_date = ? ORDER BY 1",
        [mixed_night.snapshot_date],
    ) == [("DE", "xero", False, False), ("UK", "xero", False, True), ("US", "quickbooks", True, True)]
    in_xero = {
        "customer": store.list("xero", tenant, "Contacts"),
        "invoice": [
            i
            for i in store.list("xero", tenant, "Invoices")
            if i["Type"] == "ACCREC" and i["Status"] in ("AUTHORISED", "PAID", "VOIDED")
        ],
        "payment": store.list("xero", tenant, "Payments"),
        "credit_memo": store.list("xero", tenant, "CreditNotes"),
        "engagement": store.list("xero", tenant, "Projects"),
        "resource": store.list("xero", tenant, "ProjectsUsers"),
        "time_entry": store.list("xero", tenant, "ProjectTime"),
    }
    id_keys = {
        "customer": "ContactID",
        "invoice": "InvoiceID",
        "payment": "PaymentID",
        "credit_memo": "CreditNoteID",
        "engagement": "projectId",
        "resource": "userId",
        "time_entry": "timeEntryId",
    }
    for table, records in in_xero.items():
        modelled = mixed_night.query(
            f"SELECT source_id FROM canonical.{table} WHERE snapshot_date = ? AND system = 'erp' AND legal_entity = 'UK'",
            [mixed_night.snapshot_date],
        )
        assert records and sorted(row[0] for row in modelled) == sorted(f"UK:{r[id_keys[table]]}" for r in records)
    assert (
        mixed_night.query(
            "SELECT count(*) FROM recon.tieout WHERE snapshot_date = ? AND legal_entity = 'UK' AND erp_invoiced <> 0",
            [mixed_night.snapshot_date],
        )[0][0]
        > 0
    )


def test_the_clean_mixed_firm_has_no_finding(tmp_path_factory):
    night = night_of(tmp_path_factory, "clean-mixed-firm", clean=True)
    assert night.result.success and night.manifest["findings"] == []
    assert night.query("SELECT code, legal_entity, subject_key FROM recon.findings") == []
    assert night.query("SELECT count(*) FROM recon.tieout WHERE abs(unexplained) > 0.01") == [(0,)]
    assert json.loads((night.sandbox / "manifest.json").read_text())["clean"] is True


def test_the_hubspot_unit_is_modelled_from_hubspot(mixed_night):
    """Every company and deal the firm's HubSpot portal holds is a CRM account or opportunity of the
    canonical model, named hubspot:<id>, and none of the unit's remains in Salesforce."""
    store = SandboxStore(mixed_night.sandbox / "state.db")
    portal = store.meta("credentials")["hubspot"]["portal_id"]
    for table, object_name in (("customer", "companies"), ("engagement", "deals")):
        held = store.list("hubspot", str(portal), object_name)
        modelled = mixed_night.query(
            f"SELECT source_id FROM canonical.{table} WHERE snapshot_date = ? AND system = 'crm' "
            "AND source_id LIKE 'hubspot:%'",
            [mixed_night.snapshot_date],
        )
        assert held and sorted(r[0] for r in modelled) == sorted(f"hubspot:{r['id']}" for r in held)
    linked = mixed_night.query(
        "SELECT count(*) FROM canonical.engagement WHERE snapshot_date = ? AND system = 'crm' "
        "AND source_id LIKE 'hubspot:%' AND link IN ('psa.project.code', 'crm.hubspot.psa_project_id')",
        [mixed_night.snapshot_date],
    )[0][0]
    assert linked > 0, "Harvest projects point at HubSpot deals through their code"


def test_the_entity_mid_cutover_is_read_from_both_erps(mixed_night):
    """DE moved from QuickBooks to Xero: its legal entity is Xero's, with the cutover; its customers are
    Xero's contacts only (QuickBooks' are the former books); its invoices come from both ERPs, and every
    opening item Xero holds carries on the QuickBooks invoice it names, under that invoice's global id."""
    store = SandboxStore(mixed_night.sandbox / "state.db")
    de = next(e for e in store.meta("legal_entities") if e["code"] == "DE")
    night = [mixed_night.snapshot_date]
    assert mixed_night.query(
        "SELECT erp_vendor, erp_cutover_from, erp_cutover_to, erp_cutover_date::VARCHAR FROM canonical.legal_entity "
        "WHERE snapshot_date = ? AND legal_entity = 'DE'",
        night,
    ) == [("xero", "quickbooks", "xero", de["cutover_date"])]
    contacts = store.list("xero", de["xero_tenant_id"], "Contacts")
    customers = mixed_night.query(
        "SELECT source_id FROM canonical.customer WHERE snapshot_date = ? AND system = 'erp' AND legal_entity = 'DE'",
        night,
    )
    assert contacts and sorted(r[0] for r in customers) == sorted(f"DE:{c['ContactID']}" for c in contacts)
    openings = [
        i
        for i in store.list("xero", de["xero_tenant_id"], "Invoices")
        if i.get("Reference", "").startswith("migrated:")
    ]
    carried = mixed_night.query(
        "SELECT o.source_id, o.migrated_from, o.global_id = old.global_id, old.erp_vendor "
        "FROM canonical.invoice AS o JOIN canonical.invoice AS old "
        "  ON old.snapshot_date = o.snapshot_date AND old.system = 'erp' AND old.source_id = o.migrated_from "
        "WHERE o.snapshot_date = ? AND o.link = 'erp.migrated'",
        night,
    )
    assert openings and sorted(carried) == sorted(
        (f"DE:{i['InvoiceID']}", f"DE:{i['Reference'].rsplit(':', 1)[1]}", True, "quickbooks") for i in openings
    )
    vendors = mixed_night.query(
        "SELECT DISTINCT erp_vendor FROM canonical.invoice WHERE snapshot_date = ? AND system = 'erp' "
        "AND legal_entity = 'DE' ORDER BY 1",
        night,
    )
    assert vendors == [("quickbooks",), ("xero",)]


# The second mix: DE's books in the on-premises ledger (docs/ledger.md), read from its database on the
# planted night and from the files it exports to a drop folder on the clean one.
IN_THE_LEDGER = {"UK": "xero", "DE": "ledger"}


def ledger_night(tmp_path_factory, name: str, clean: bool, from_files: bool) -> ReconciledFirm:
    firm = tmp_path_factory.mktemp(name)
    build_sandbox(firm, size="small", as_of=AS_OF, clean=clean, erps=IN_THE_LEDGER, crms=ON_HUBSPOT)
    with pytest.MonkeyPatch.context() as env:
        if from_files:
            env.setenv("TIEOUT_LEDGER_DROP_DIR", str(firm / "ledger-drop"))
        return reconcile(firm, tmp_path_factory.mktemp(f"{name}-night"))


def test_the_ledger_mix_read_from_its_database_is_found_exactly_as_planted(tmp_path_factory):
    night = ledger_night(tmp_path_factory, "ledger-firm", clean=False, from_files=False)
    assert night.result.success
    assert not_exact(night) == {}
    assert {f["code"] for f in night.manifest["findings"] if f["legal_entity"] == "DE"}
    assert night.query(
        "SELECT erp_vendor, erp_keeps_hierarchy FROM canonical.legal_entity WHERE snapshot_date = ? AND legal_entity = 'DE'",
        [night.snapshot_date],
    ) == [("ledger", True)]
    assert night.query("SELECT count(*) FROM recon.tieout WHERE abs(unexplained) > 0.01") == [(0,)]


def test_the_clean_ledger_mix_read_from_dropped_files_has_no_finding(tmp_path_factory):
    night = ledger_night(tmp_path_factory, "clean-ledger-firm", clean=True, from_files=True)
    assert night.result.success and night.manifest["findings"] == []
    assert night.query("SELECT code, legal_entity, subject_key FROM recon.findings") == []
    loaded = night.query("SELECT count(*), count(*) FILTER (WHERE status = 'loaded') FROM raw.ledger_files")
    assert loaded[0][0] == len(list((night.sandbox / "ledger-drop").iterdir())) == loaded[0][1]
    assert night.query(
        "SELECT count(*) FROM canonical.invoice WHERE snapshot_date = ? AND erp_vendor = 'ledger'",
        [night.snapshot_date],
    ) != [(0,)]
