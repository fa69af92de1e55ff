"""Xero's own Python SDK (`xero-python`), unchanged, against the Xero emulator.

The SDK lists its connections, reads contacts, invoices (with `where`, `page` and `If-Modified-Since`),
payments, credit notes and the organisation, creates and updates invoices, voids one, pays one, and
refreshes its token through its own token getter and saver, as it does against api.xero.com and
identity.xero.com. The API's address is the SDK's own setting (`base_url` of AccountingApi and
IdentityApi). The token endpoint is not a setting: `TokenApi.refresh_token_url` is hard-coded to
https://identity.xero.com/connect/token, so the ApiClient's urllib3 pool manager sends that one
origin to the emulator instead (the SDK builds no other URL itself). Expected values come from the
records the tests store or create.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest
import urllib3
from xero_python.accounting import (
    Account,
    AccountingApi,
    Contact,
    Invoice,
    Invoices,
    LineItem,
    Payment,
)
from xero_python.api_client import ApiClient, Configuration
from xero_python.api_client.oauth2 import OAuth2Token, TokenApi
from xero_python.exceptions import HTTPStatusException, NotFoundException
from xero_python.identity import IdentityApi
from xero_python.project import ProjectApi

from sandbox.emulators.base import SlidingWindowLimiter
from sandbox.emulators.xero import XeroEmulator
from sandbox.emulators.xero_documents import ms_date, put_records
from sandbox.emulators.xero_projects import put_project_records
from sandbox.store import SandboxStore
from tests.emulators.serving import served
from tests.emulators.test_xero_emulator import APP, LONG_AGO, OTHER_TENANT, TENANT, organisations, uid

XERO_IDENTITY = "https://identity.xero.com"
SCOPES = ["offline_access", "accounting.transactions", "accounting.contacts", "accounting.settings.read"]


class ToEmulator(urllib3.PoolManager):
    """The SDK's pool manager, sending requests for Xero's identity origin to the emulator: the token
    URL is a class constant of the SDK's TokenApi, not a setting."""

    def __init__(self, emulator_url: str, **options):
        super().__init__(**options)
        self.emulator_url = emulator_url

    def request(self, method, url, *args, **kwargs):
        if url.startswith(XERO_IDENTITY + "/"):
            url = self.emulator_url + url[len(XERO_IDENTITY) :]
        return super().request(method, url, *args, **kwargs)


def sdk_configuration(token: OAuth2Token) -> Configuration:
    """The SDK's configuration holding the app's token. `Configuration(...)` returns a copy of the first one
    the process made (its metaclass keeps that as a default and ignores later arguments), so the token is
    set on the copy: built from the arguments, another test's app would answer for this one."""
    configuration = Configuration()
    configuration.oauth2_token = token
    return configuration


@dataclass
class Sdk:
    """The SDK's clients as a Xero app builds them, its token kept by the app's getter and saver."""

    store: SandboxStore
    emulator: XeroEmulator
    base_url: str
    token: dict  # what the app's token saver last saved

    def __post_init__(self):
        oauth2_token = OAuth2Token(client_id=APP["client_id"], client_secret=APP["client_secret"])
        self.api_client = ApiClient(
            sdk_configuration(oauth2_token),
            pool_threads=1,
            oauth2_token_getter=lambda: self.token,
            oauth2_token_saver=lambda token: setattr(self, "token", token),
        )
        assert TokenApi.refresh_token_url.startswith(XERO_IDENTITY + "/")
        self.api_client.rest_client.pool_manager = ToEmulator(self.base_url, num_pools=4, maxsize=4)
        self.accounting = AccountingApi(self.api_client, base_url=f"{self.base_url}/api.xro/2.0")
        self.identity = IdentityApi(self.api_client, base_url=self.base_url)
        self.projects = ProjectApi(self.api_client, base_url=f"{self.base_url}/projects.xro/2.0")


def connect(store: SandboxStore, emulator: XeroEmulator, base_url: str) -> Sdk:
    """An SDK client holding the app's stored refresh token and a live access token."""
    app = store.meta("credentials")["xero"]
    token = {
        "access_token": app["access_token"],
        "refresh_token": app["refresh_token"],
        "scope": app["scope"].split(),
        "expires_in": 1800,
        "expires_at": time.time() + 1800,
        "token_type": "Bearer",
    }
    return Sdk(store, emulator, base_url, token)


@pytest.fixture
def firm(store: SandboxStore) -> SandboxStore:
    """The emulator tests' two organisations, the app granted SCOPES."""
    return organisations(store, {**APP, "scope": " ".join(SCOPES)})


@pytest.fixture
def sdk(firm: SandboxStore) -> Iterator[Sdk]:
    with served(XeroEmulator(firm)) as (emulator, base_url):
        yield connect(firm, emulator, base_url)


def stored(sdk: Sdk, collection: str, id: str) -> dict:
    return sdk.store.get("xero", TENANT, collection, id)


# -- connections, tokens ----------------------------------------------------------------------------------
def test_connections_name_each_tenant(sdk):
    connections = sdk.identity.get_connections()
    assert [(str(c.tenant_id), c.tenant_type, c.tenant_name) for c in connections] == [
        (TENANT, "ORGANISATION", "Sandbox US"),
        (OTHER_TENANT, "ORGANISATION", "Sandbox UK"),
    ]


def test_refresh_through_the_sdk_rotates_the_refresh_token_and_saves_the_new_one(sdk):
    first = sdk.token["refresh_token"]
    refreshed = sdk.api_client.refresh_oauth2_token()
    assert refreshed is sdk.token and refreshed["expires_in"] == 1800
    assert refreshed["refresh_token"] != first
    assert sdk.store.meta("credentials")["xero"]["refresh_token"] == refreshed["refresh_token"]
    assert refreshed["scope"] == SCOPES  # the scope the app was granted
    assert sdk.emulator.identity.accepts(refreshed["access_token"])
    assert sdk.accounting.get_organisations(TENANT).organisations[0].name == "Sandbox US"


def test_an_expired_token_is_refreshed_by_the_sdk_before_the_call(sdk):
    sdk.token = {**sdk.token, "expires_at": time.time() - 1}
    assert [c.name for c in sdk.accounting.get_contacts(TENANT).contacts] == ["Acme Corp", "Globex Ltd"]
    assert sdk.token["access_token"] != APP["access_token"]
    assert sdk.token["refresh_token"] == sdk.store.meta("credentials")["xero"]["refresh_token"]


def test_a_spent_refresh_token_is_refused(sdk):
    spent = sdk.token["refresh_token"]
    sdk.api_client.refresh_oauth2_token()
    sdk.token = {**sdk.token, "refresh_token": spent}
    with pytest.raises(HTTPStatusException) as refused:
        sdk.api_client.refresh_oauth2_token()
    assert (refused.value.status, json.loads(refused.value.body)["error"]) == (400, "invalid_grant")


# -- reads ------------------------------------------------------------------------------------------------
def test_contacts_by_where_page_and_id(sdk):
    customers = sdk.accounting.get_contacts(TENANT, where="IsCustomer==true").contacts
    assert [(str(c.contact_id), c.contact_number) for c in customers] == [(uid(11), "harvest_client:11")]
    paged = sdk.accounting.get_contacts(TENANT, page=1)
    assert (paged.pagination.page, paged.pagination.item_count, len(paged.contacts)) == (1, 2, 2)
    globex = sdk.accounting.get_contact(TENANT, uid(12)).contacts[0]
    assert (globex.name, globex.tax_number, globex.is_customer) == ("Globex Ltd", "TX-12", False)
    assert globex.updated_date_utc == LONG_AGO


def test_invoices_by_where_page_and_if_modified_since(sdk):
    sales = sdk.accounting.get_invoices(TENANT, where='Type=="ACCREC"', page=1)
    assert [str(i.invoice_id) for i in sales.invoices] == [uid(41), uid(42)]
    expected = stored(sdk, "Invoices", uid(41))
    first = sales.invoices[0]
    assert (first.invoice_number, first.reference, first.total, first.amount_due, first.status) == (
        expected["InvoiceNumber"],
        expected["Reference"],
        expected["Total"],
        expected["AmountDue"],
        expected["Status"],
    )
    assert first.date == date(2026, 2, 1) and first.line_items[0].line_amount == expected["LineItems"][0]["LineAmount"]
    listed = sdk.accounting.get_invoices(TENANT, i_ds=[uid(41), uid(42)], statuses=["DRAFT"]).invoices
    assert [str(i.invoice_id) for i in listed] == [uid(42)]
    recent = datetime(2026, 3, 1, tzinfo=UTC)
    put_records(sdk.store, TENANT, "Invoices", [{**expected, "UpdatedDateUTC": ms_date(recent)}])
    changed = sdk.accounting.get_invoices(TENANT, if_modified_since=recent, page=1).invoices
    assert [str(i.invoice_id) for i in changed] == [uid(41)]


def test_payments_credit_notes_and_the_organisation(sdk):
    assert sdk.accounting.get_payments(TENANT).payments == []
    note = sdk.accounting.get_credit_notes(TENANT).credit_notes[0]
    assert (note.credit_note_number, note.type, note.total, str(note.contact.contact_id)) == (
        "CN-71",
        "ACCRECCREDIT",
        100.0,
        uid(11),
    )
    organisation = sdk.accounting.get_organisations(TENANT).organisations[0]
    assert (str(organisation.organisation_id), organisation.base_currency.value) == (TENANT, "USD")


def test_projects_their_tasks_and_time_and_the_project_users(sdk):
    from tests.emulators.test_xero_projects_emulator import entry, project, task, user

    put_project_records(sdk.store, TENANT, "Projects", [project(1, 11), project(2, 11, "CLOSED")])
    put_project_records(sdk.store, TENANT, "ProjectsUsers", [user(1), user(2)])
    put_project_records(sdk.store, TENANT, "ProjectTasks", [task(1, 175.0)])
    put_project_records(
        sdk.store,
        TENANT,
        "ProjectTime",
        [entry(n, 1, 1 + n % 2, n, "INVOICED" if n == 3 else "ACTIVE") for n in (1, 2, 3)],
    )
    listed = sdk.projects.get_projects(TENANT, page=1, page_size=1)
    assert (listed.pagination.page_count, listed.pagination.item_count) == (2, 2)
    first = listed.items[0]
    assert (str(first.project_id), str(first.contact_id), first.name, first.status.value) == (
        uid(3001),
        uid(11),
        "Project 1 [harvest_project:1]",
        "INPROGRESS",
    )
    closed = sdk.projects.get_projects(TENANT, states="CLOSED").items
    assert [str(p.project_id) for p in closed] == [uid(3002)]
    time_entries = sdk.projects.get_time_entries(TENANT, uid(3001), page_size=500).items
    expected = sdk.store.list_where("xero", TENANT, "ProjectTime", "$.projectId", [uid(3001)])
    assert [(str(t.time_entry_id), t.duration, t.description, t.status) for t in time_entries] == [
        (e["timeEntryId"], e["duration"], e["description"], e["status"]) for e in expected
    ]
    assert time_entries[0].date_utc == datetime(2026, 10, 1, tzinfo=UTC)
    (consulting,) = sdk.projects.get_tasks(TENANT, uid(3001)).items
    assert (str(consulting.task_id), consulting.charge_type.value, consulting.rate.value) == (uid(9001), "TIME", 175.0)
    invoiced = sdk.projects.get_time_entries(TENANT, uid(3001), states=["INVOICED"]).items
    assert [t.description for t in invoiced] == ["harvest_time_entry:3"]
    users = sdk.projects.get_project_users(TENANT).items
    assert [(str(u.user_id), u.email) for u in users] == [
        (uid(5001), "consultant1@example.com"),
        (uid(5002), "consultant2@example.com"),
    ]


def test_an_unknown_invoice_is_not_found(sdk):
    with pytest.raises(NotFoundException):
        sdk.accounting.get_invoice(TENANT, uid(404))


# -- writes -----------------------------------------------------------------------------------------------
def sales_invoice(number: str, amount: float) -> Invoice:
    return Invoice(
        type="ACCREC",
        contact=Contact(contact_id=uid(12)),
        line_items=[LineItem(description="Consulting", quantity=2.0, unit_amount=amount / 2, account_code="200")],
        date=date(2026, 4, 1),
        due_date=date(2026, 5, 1),
        invoice_number=number,
        reference=f"harvest_invoice:{number}",
        status="AUTHORISED",
    )


def test_create_update_void_and_pay_invoices(sdk):
    created = sdk.accounting.create_invoices(TENANT, Invoices(invoices=[sales_invoice("1077", 500.0)])).invoices[0]
    saved = stored(sdk, "Invoices", str(created.invoice_id))
    assert (created.total, created.amount_due, created.status) == (saved["Total"], saved["AmountDue"], "AUTHORISED")
    assert (saved["Total"], saved["Reference"], saved["InvoiceNumber"]) == (500.0, "harvest_invoice:1077", "1077")
    assert stored(sdk, "Contacts", uid(12))["IsCustomer"] is True  # a sales invoice makes its contact a customer

    updated = sdk.accounting.update_invoice(
        TENANT, created.invoice_id, Invoices(invoices=[Invoice(reference="harvest_invoice:1077-1")])
    ).invoices[0]
    assert (updated.reference, updated.total) == ("harvest_invoice:1077-1", 500.0)

    voided = sdk.accounting.update_invoice(TENANT, created.invoice_id, Invoices(invoices=[Invoice(status="VOIDED")]))
    assert (voided.invoices[0].status, voided.invoices[0].amount_due) == ("VOIDED", 0.0)
    assert stored(sdk, "Invoices", str(created.invoice_id))["Status"] == "VOIDED"

    payment = Payment(
        invoice=Invoice(invoice_id=uid(41)), account=Account(code="090"), amount=1000.0, date=date(2026, 2, 10)
    )
    paid = sdk.accounting.create_payment(TENANT, payment).payments[0]
    assert (str(paid.invoice.invoice_id), paid.amount, paid.status) == (uid(41), 1000.0, "AUTHORISED")
    assert [str(p.payment_id) for p in sdk.accounting.get_payments(TENANT).payments] == [str(paid.payment_id)]
    settled = sdk.accounting.get_invoice(TENANT, uid(41)).invoices[0]
    assert (settled.status, settled.amount_due, settled.fully_paid_on_date) == ("PAID", 0.0, date(2026, 2, 10))


def test_a_refused_write_is_the_sdks_bad_request_with_xeros_message(sdk):
    with pytest.raises(HTTPStatusException) as refused:
        sdk.accounting.create_invoices(
            TENANT, Invoices(invoices=[sales_invoice(stored(sdk, "Invoices", uid(41))["InvoiceNumber"], 10.0)])
        )
    assert refused.value.status == 400
    assert refused.value.error_data["Elements"][0]["ValidationErrors"][0]["Message"] == "Invoice # must be unique."
    with pytest.raises(HTTPStatusException) as draft:
        sdk.accounting.update_invoice(TENANT, uid(42), Invoices(invoices=[Invoice(status="VOIDED")]))
    assert draft.value.error_data["Elements"][0]["ValidationErrors"][0]["Message"] == (
        "Invoice not of valid status for modification"
    )


# -- limits -----------------------------------------------------------------------------------------------
def test_over_the_minute_limit_the_sdk_waits_out_retry_after_and_retries(firm):
    """The SDK's urllib3 retries a 429 after its Retry-After (a window of one second keeps this short);
    only once those retries are spent would the caller see a RateLimitException."""
    with served(XeroEmulator(firm, minute=SlidingWindowLimiter(1, 1.0))) as (emulator, base_url):
        sdk = connect(firm, emulator, base_url)
        first = firm.last_request_n()
        started = time.monotonic()
        assert len(sdk.accounting.get_contacts(TENANT).contacts) == 2
        assert len(sdk.accounting.get_contacts(TENANT).contacts) == 2
        waited = time.monotonic() - started
    assert [r.status for r in firm.requests("xero", since_n=first)] == [200, 429, 200]
    assert waited >= 0.5
