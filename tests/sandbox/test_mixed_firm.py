"""A mixed firm: the UK legal entity on Xero, the others on QuickBooks. Its Xero records follow Xero's
Accounting contract and the firm's conventions, the manifest's plants in it exist and can be expressed
in Xero, and Xero's own SDK reads them from the served sandbox. Expectations come from the firm's data."""

from __future__ import annotations

import time
from collections import defaultdict
from decimal import Decimal

import pytest
import requests
from xero_python.accounting import AccountingApi
from xero_python.api_client import ApiClient
from xero_python.api_client.oauth2 import OAuth2Token
from xero_python.identity import IdentityApi

from sandbox.firm import build_sandbox
from sandbox.runtime import running_sandbox, stop_sandbox
from sandbox.store import SandboxStore
from tests.contracts.xero_openapi import validate_xero_projects_response, validate_xero_response
from tests.emulators.test_xero_client import sdk_configuration
from tests.sandbox.stored import read_records

XERO_ENTITY = "UK"
ACCOUNTING = ("Organisation", "Contacts", "Invoices", "Payments", "CreditNotes")
PROJECTS = ("Projects", "ProjectsUsers", "ProjectTasks", "ProjectTime")  # Xero Projects: its people and time
COLLECTIONS = ACCOUNTING + PROJECTS
# codes that need what Xero lacks (hierarchy, project sub-customers on invoices, a number twice)
NOT_IN_XERO = {"CUSTOMER_PARENT_MISMATCH", "INVOICE_MISSING_IN_PSA", "INVOICE_DUPLICATE"}
CENT = Decimal("0.01")


def money(value) -> Decimal:
    return Decimal(str(value)).quantize(CENT)


@pytest.fixture(scope="module")
def mixed(tmp_path_factory):
    directory = tmp_path_factory.mktemp("mixed")
    manifest = build_sandbox(directory, "small", erps={XERO_ENTITY: "xero"})
    return directory, manifest


@pytest.fixture(scope="module")
def records(mixed):
    return read_records(mixed[0])


@pytest.fixture(scope="module")
def entities(mixed):
    return {e["code"]: e for e in SandboxStore(mixed[0] / "state.db").meta("legal_entities")}


@pytest.fixture(scope="module")
def xero(records, entities):
    """The Xero entity's records by collection."""
    tenant = entities[XERO_ENTITY]["xero_tenant_id"]
    return {collection: records[("xero", tenant, collection)] for collection in COLLECTIONS}


def test_the_xero_entity_has_xero_records_and_no_quickbooks_ones(mixed, records, entities):
    uk = entities[XERO_ENTITY]
    assert uk["erp"] == "xero" and uk["realm_id"] is None and uk["xero_tenant_id"]
    others = [e for code, e in entities.items() if code != XERO_ENTITY]
    assert others and all(e["erp"] == "quickbooks" and e["realm_id"] for e in others)
    quickbooks_tenants = {tenant for system, tenant, _ in records if system == "quickbooks"}
    assert quickbooks_tenants == {e["realm_id"] for e in others}
    xero_keys = {(tenant, obj) for system, tenant, obj in records if system == "xero"}
    assert xero_keys == {(uk["xero_tenant_id"], collection) for collection in COLLECTIONS}
    assert mixed[1].legal_entities == list(entities.values())  # the manifest names the ERPs too
    for system, tenant, obj in records:
        assert mixed[1].counts[f"{system}/{tenant}/{obj}"] == len(records[(system, tenant, obj)])


def test_every_xero_record_matches_the_published_contract(xero, vendor_contracts):
    for collection in ACCOUNTING:
        key = "Organisations" if collection == "Organisation" else collection
        problems = validate_xero_response(vendor_contracts, f"/{collection}", "get", 200, {key: xero[collection]})
        assert problems == [], (collection, problems[:5])
    paths = {
        "Projects": "/Projects",
        "ProjectsUsers": "/ProjectsUsers",
        "ProjectTasks": "/Projects/{projectId}/Tasks",
        "ProjectTime": "/Projects/{projectId}/Time",
    }
    for collection, path in paths.items():
        problems = validate_xero_projects_response(vendor_contracts, path, "get", 200, {"items": xero[collection]})
        assert xero[collection] and problems == [], (collection, problems[:5])


def test_xero_projects_carry_the_firms_links(xero, records, entities):
    """Each Harvest project of the entity's customers is a Xero project for the customer's contact, named
    for it; each billable Harvest entry copied is a time entry naming it, on a task at the entry's rate, by
    a project user whose e-mail is the Harvest user's (but the planted unknown people's), INVOICED exactly
    when the Harvest entry is invoiced (but the planted status mismatches)."""
    harvest_projects = {str(p["id"]): p for p in records[("harvest", "", "projects")]}
    harvest_time = {str(t["id"]): t for t in records[("harvest", "", "time_entries")]}
    harvest_users = {str(u["id"]): u for u in records[("harvest", "", "users")]}
    contacts = {c["ContactID"] for c in xero["Contacts"]}
    projects = {p["projectId"]: p for p in xero["Projects"]}
    for project in projects.values():
        assert project["contactId"] in contacts
        name, _, tag = project["name"].rpartition(" [harvest_project:")
        assert tag.endswith("]") and harvest_projects[tag[:-1]]["name"] == name
    tasks = {t["taskId"]: t for t in xero["ProjectTasks"]}
    users = {u["userId"]: u for u in xero["ProjectsUsers"]}
    copied = [t for t in xero["ProjectTime"] if t["description"].startswith("harvest_time_entry:")]
    assert copied
    status_mismatches = 0
    for entry in copied:
        psa = harvest_time[entry["description"].split(":", 1)[1]]
        task = tasks[entry["taskId"]]
        assert projects[entry["projectId"]]["name"].endswith(f"[harvest_project:{psa['project']['id']}]")
        assert (task["projectId"], task["chargeType"]) == (entry["projectId"], "TIME")
        assert money(task["rate"]["value"]) == money(psa["billable_rate"])
        assert entry["duration"] == int(Decimal(str(psa["hours"])) * 60) and entry["dateUtc"][:10] == psa["spent_date"]
        assert entry["userId"] in users
        status_mismatches += (entry["status"] == "INVOICED") != psa["is_billed"]
    emails = {u["email"] for u in users.values()}
    matched = {u["email"] for u in harvest_users.values()} & emails
    assert matched, "the entity's people are project users under their Harvest e-mail"
    assert status_mismatches > 0  # TIME_BILLED_STATUS_MISMATCH planted here


def test_xero_documents_add_up(xero):
    paid, credited = defaultdict(Decimal), defaultdict(Decimal)
    for payment in xero["Payments"]:
        assert (payment["Status"], payment["PaymentType"]) == ("AUTHORISED", "ACCRECPAYMENT")
        paid[payment["Invoice"]["InvoiceID"]] += money(payment["Amount"])
    for note in xero["CreditNotes"]:
        assert note["Type"] == "ACCRECCREDIT"
        allocated = sum((money(a["Amount"]) for a in note["Allocations"]), Decimal("0"))
        assert money(note["Total"]) == allocated + money(note["RemainingCredit"])
        for allocation in note["Allocations"]:
            credited[allocation["Invoice"]["InvoiceID"]] += money(allocation["Amount"])
    for document in xero["Invoices"] + xero["CreditNotes"]:
        lines = document["LineItems"]
        assert money(document["SubTotal"]) == sum((money(line["LineAmount"]) for line in lines), Decimal("0"))
        assert money(document["TotalTax"]) == sum((money(line["TaxAmount"]) for line in lines), Decimal("0"))
        assert money(document["Total"]) == money(document["SubTotal"]) + money(document["TotalTax"])
    statuses = set()
    for invoice in xero["Invoices"]:
        id, status = invoice["InvoiceID"], invoice["Status"]
        statuses.add(status)
        assert invoice["Type"] == "ACCREC"
        assert money(invoice["AmountPaid"]) == paid[id] and money(invoice["AmountCredited"]) == credited[id]
        left = money(invoice["Total"]) - money(invoice["AmountPaid"]) - money(invoice["AmountCredited"])
        assert money(invoice["AmountDue"]) == (Decimal("0") if status == "VOIDED" else left)
        assert status in ("AUTHORISED", "PAID", "VOIDED")
        assert (status == "PAID") == (status != "VOIDED" and left == 0)
        assert ("FullyPaidOnDate" in invoice) == (status == "PAID")
    assert {"AUTHORISED", "PAID"} <= statuses


def test_xero_records_carry_the_firms_links(xero, records):
    clients = {str(c["id"]) for c in records[("harvest", "", "clients")]}
    harvest_invoices = {str(i["id"]): i["number"] for i in records[("harvest", "", "invoices")]}
    contacts = {c["ContactID"]: c for c in xero["Contacts"]}
    assert all(c["IsCustomer"] and c["ContactStatus"] in ("ACTIVE", "ARCHIVED") for c in contacts.values())
    linked = [c["ContactNumber"] for c in contacts.values() if "ContactNumber" in c]
    assert linked and all(n.startswith("harvest_client:") and n.split(":", 1)[1] in clients for n in linked)
    invoices = {i["InvoiceID"]: i for i in xero["Invoices"]}
    referenced = [i for i in invoices.values() if "Reference" in i]
    assert referenced
    for invoice in invoices.values():
        assert invoice["Contact"]["ContactID"] in contacts
        assert invoice["Contact"]["Name"] == contacts[invoice["Contact"]["ContactID"]]["Name"]
    for invoice in referenced:
        tag, _, harvest_id = invoice["Reference"].partition(":")
        assert tag == "harvest_invoice" and harvest_id in harvest_invoices
        number = harvest_invoices[harvest_id]
        assert invoice["InvoiceNumber"] == number or invoice["InvoiceNumber"].rsplit("-", 1)[0] == number
    assert len({i["InvoiceNumber"] for i in invoices.values()}) == len(invoices)  # Xero numbers are unique
    for payment in xero["Payments"]:
        assert invoices[payment["Invoice"]["InvoiceID"]]["InvoiceNumber"] == payment["Invoice"]["InvoiceNumber"]
    for note in xero["CreditNotes"]:
        assert all(a["Invoice"]["InvoiceID"] in invoices for a in note["Allocations"])


def test_the_crm_names_xero_customers_and_their_open_receivable(mixed, xero, records):
    contacts = {c["ContactID"] for c in xero["Contacts"]}
    open_ar = defaultdict(Decimal)
    for invoice in xero["Invoices"]:
        if invoice["Status"] == "AUTHORISED":
            open_ar[invoice["Contact"]["ContactID"]] += money(invoice["AmountDue"])
    stale = {f["crm_id"] for f in mixed[1].findings if f["code"] == "AR_BALANCE_MISMATCH"}
    accounts = [
        a
        for a in records[("salesforce", "", "Account")]
        if (a["ERP_Customer_Id__c"] or "").startswith(f"{XERO_ENTITY}:")
    ]
    assert accounts
    for account in accounts:
        contact = account["ERP_Customer_Id__c"].split(":", 1)[1]
        assert contact in contacts
        if account["Open_AR__c"] is not None and account["Id"] not in stale:
            assert money(account["Open_AR__c"]) == open_ar[contact], account["Name"]


def test_the_manifests_plants_in_the_xero_entity_exist_and_can_be_expressed_there(
    mixed, xero, records, code_categories
):
    findings = [f for f in mixed[1].findings if f["legal_entity"] == XERO_ENTITY]
    codes = {f["code"] for f in findings}
    assert not codes & NOT_IN_XERO
    assert all(f["erp_id"] is None for f in findings if f["code"] == "HIERARCHY_ORPHAN")  # the CRM's parent only
    xero_ids = {
        r[id_key]
        for collection, id_key in (
            ("Contacts", "ContactID"),
            ("Invoices", "InvoiceID"),
            ("CreditNotes", "CreditNoteID"),
            ("Projects", "projectId"),
            ("ProjectTime", "timeEntryId"),
        )
        for r in xero[collection]
    }
    in_erp = [f for f in findings if f["erp_id"]]
    for f in in_erp:
        code, _, id = f["erp_id"].partition(":")
        assert code == XERO_ENTITY and id in xero_ids, f
    accounts = {a["Id"] for a in records[("salesforce", "", "Account")]}
    opportunities = {o["Id"] for o in records[("salesforce", "", "Opportunity")]}
    assert all(
        f["crm_id"] in accounts | opportunities
        for f in findings
        if f["crm_id"] and f["code"] != "CUSTOMER_MISSING_IN_CRM"
    )
    # the mix is tested on every side: customers, time and WIP, invoices and cash
    assert {code_categories[f["code"]] for f in in_erp} >= {"customer", "time_wip", "invoice_cash"}
    # no plant needing what Xero lacks landed elsewhere than in QuickBooks entities
    assert all(f["legal_entity"] != XERO_ENTITY for f in mixed[1].findings if f["code"] in NOT_IN_XERO)


def test_a_clean_mixed_firm_plants_nothing(tmp_path):
    manifest = build_sandbox(tmp_path, "small", clean=True, erps={XERO_ENTITY: "xero"})
    assert manifest.clean and manifest.findings == []
    tenant = next(e["xero_tenant_id"] for e in manifest.legal_entities if e["code"] == XERO_ENTITY)
    assert manifest.counts[f"xero/{tenant}/Invoices"] > 0


def test_an_unknown_entity_or_erp_is_refused(tmp_path):
    for erps in ({"FR": "xero"}, {XERO_ENTITY: "sage"}):
        with pytest.raises(ValueError):
            build_sandbox(tmp_path, "small", erps=erps)


def test_xeros_sdk_reads_the_xero_entity_from_the_served_sandbox(mixed, xero, entities):
    directory = mixed[0]
    runtime = running_sandbox(directory)
    try:
        base_url, app = runtime.base_url("xero"), runtime.credentials("xero")
        assert app["token_url"] == f"{base_url}/connect/token"
        refreshed = requests.post(
            app["token_url"],
            data={
                "grant_type": "refresh_token",
                "refresh_token": app["refresh_token"],
                "client_id": app["client_id"],
                "client_secret": app["client_secret"],
            },
            timeout=30,
        )
        assert refreshed.status_code == 200, refreshed.text
        token = {**refreshed.json(), "expires_at": time.time() + refreshed.json()["expires_in"]}
        token["scope"] = token["scope"].split()
        client = ApiClient(
            sdk_configuration(OAuth2Token(client_id=app["client_id"], client_secret=app["client_secret"])),
            pool_threads=1,
            oauth2_token_getter=lambda: token,
            oauth2_token_saver=lambda new: token.update(new),
        )
        tenant = entities[XERO_ENTITY]["xero_tenant_id"]
        connections = IdentityApi(client, base_url=base_url).get_connections()
        assert [(str(c.tenant_id), c.tenant_name) for c in connections] == [(tenant, xero["Organisation"][0]["Name"])]
        accounting = AccountingApi(client, base_url=f"{base_url}/api.xro/2.0")
        contacts = accounting.get_contacts(tenant, include_archived=True).contacts
        assert sorted(str(c.contact_id) for c in contacts) == sorted(c["ContactID"] for c in xero["Contacts"])
        invoices, page = [], 1
        while batch := accounting.get_invoices(tenant, page=page).invoices:
            invoices += batch
            page += 1
        assert [(str(i.invoice_id), i.invoice_number, money(i.total)) for i in invoices] == [
            (i["InvoiceID"], i["InvoiceNumber"], money(i["Total"])) for i in xero["Invoices"]
        ]
    finally:
        stop_sandbox(directory)
