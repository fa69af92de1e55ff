"""Intuit's own Python clients, unchanged, against the QuickBooks emulator on the small sandbox firm.

`intuit-oauth` reads the OpenID discovery document and refreshes tokens at the token server, and
`python-quickbooks` queries, reads, writes, voids, deletes, batches and asks for changes, as each does
against developer.intuit.com's Accounting API v3 and OAuth 2.0 server. Two things are pointed at the
emulator, through the clients' own settings: the discovery document's address (AuthClient's
`environment` takes a URL) and the API's base address (`api_url_v3`). Expected values are read from
the firm's store, never copied from a generated firm.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from intuitlib.client import AuthClient
from intuitlib.exceptions import AuthClientError
from quickbooks import QuickBooks
from quickbooks.batch import batch_update
from quickbooks.cdc import change_data_capture
from quickbooks.exceptions import AuthorizationException, ObjectNotFoundException, QuickbooksException
from quickbooks.objects.company_info import CompanyInfo
from quickbooks.objects.customer import Customer
from quickbooks.objects.invoice import Invoice
from quickbooks.objects.item import Item
from quickbooks.objects.preferences import Preferences

from sandbox.emulators.quickbooks import QuickBooksEmulator
from sandbox.store import SandboxStore
from tests.emulators.serving import served

SYSTEM = "quickbooks"
MINOR_VERSION = 75  # the lowest Intuit still serves; python-quickbooks warns without one


@dataclass
class Company:
    store: SandboxStore
    emulator: QuickBooksEmulator
    base_url: str
    realm: str

    @property
    def app(self) -> dict:
        return self.store.meta("credentials")[SYSTEM]

    def records(self, entity: str) -> list[dict]:
        return self.store.list(SYSTEM, self.realm, entity)

    def auth_client(self, refresh_token: str | None = None) -> AuthClient:
        return AuthClient(
            self.app["client_id"],
            self.app["client_secret"],
            "http://localhost/callback",
            f"{self.base_url}/.well-known/openid_configuration/",
            refresh_token=refresh_token or self.app["refresh_token"],
        )

    def connect(self, auth: AuthClient | None = None) -> QuickBooks:
        """A python-quickbooks client; making one refreshes the access token, as in production."""
        auth = auth or self.auth_client()
        client = QuickBooks(
            auth_client=auth, refresh_token=auth.refresh_token, company_id=self.realm, minorversion=MINOR_VERSION
        )
        client.api_url_v3 = f"{self.base_url}/v3"
        return client


@pytest.fixture
def company(small_firm: Path, monkeypatch) -> Iterator[Company]:
    # requests-oauthlib sends tokens over https only; the emulator listens on loopback http, and TLS is
    # not what these tests are about (oauthlib's documented switch for local testing)
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")
    store = SandboxStore(small_firm / "state.db")
    with served(QuickBooksEmulator(store)) as (emulator, base_url):
        yield Company(store, emulator, base_url, store.meta("legal_entities")[0]["realm_id"])


# -- OAuth 2.0 -----------------------------------------------------------------------------------------
def test_connecting_refreshes_and_the_refresh_token_rotates(company):
    first = company.app["refresh_token"]
    auth = company.auth_client()
    company.connect(auth)
    assert auth.access_token and auth.expires_in == 3600
    assert auth.refresh_token != first and company.app["refresh_token"] == auth.refresh_token
    with pytest.raises(AuthClientError) as refused:  # the old refresh token is spent
        company.auth_client(first).refresh()
    assert (refused.value.status_code, refused.value.response.json()["error"]) == (400, "invalid_grant")


def test_a_wrong_client_secret_is_an_invalid_client(company):
    auth = company.auth_client()
    auth.client_secret = "not-the-secret"
    with pytest.raises(AuthClientError) as refused:
        auth.refresh()
    assert (refused.value.status_code, refused.value.response.json()["error"]) == (401, "invalid_client")


def test_an_access_token_lasts_an_hour_then_a_refresh_brings_a_new_one(company):
    auth = company.auth_client()
    client = company.connect(auth)
    assert Customer.count(qb=client) > 0
    issued = datetime.now(UTC)
    company.emulator.clock = lambda: issued + timedelta(hours=1, seconds=1)
    with pytest.raises(AuthorizationException):
        Customer.count(qb=client)
    assert Customer.count(qb=company.connect(company.auth_client(auth.refresh_token))) > 0


def test_a_revoked_app_must_be_connected_again(company):
    auth = company.auth_client()
    client = company.connect(auth)
    assert auth.revoke() is True
    with pytest.raises(AuthorizationException):
        Customer.count(qb=client)
    with pytest.raises(AuthClientError):
        company.auth_client(auth.refresh_token).refresh()


# -- the Accounting API --------------------------------------------------------------------------------
def test_queries_count_filter_and_page_as_the_store_holds(company):
    client = company.connect()
    active = sorted(c["Id"] for c in company.records("Customer") if c.get("Active", True))
    assert sorted(c.Id for c in Customer.all(max_results=1000, qb=client)) == active
    assert Customer.count(qb=client) == len(active)
    assert sorted(c.Id for c in Customer.filter(Active=True, qb=client)) == active
    named = [c for c in company.records("Customer") if c.get("Active", True)]
    prefix = named[0]["DisplayName"][:3]
    expected = sorted(c["Id"] for c in named if c["DisplayName"].lower().startswith(prefix.lower()))
    assert sorted(c.Id for c in Customer.where(f"DisplayName LIKE '{prefix}%'", qb=client)) == expected
    assert sorted(i.Id for i in Item.all(qb=client)) == sorted(
        i["Id"] for i in company.records("Item") if i.get("Active", True)
    )
    # pages in the store's order: invoices 1-5, then 6-10
    stored = [i["Id"] for i in company.records("Invoice")][:10]
    first, second = (Invoice.all(start_position=start, max_results=5, qb=client) for start in (1, 6))
    assert [i.Id for i in first] + [i.Id for i in second] == stored


def test_reads_return_the_stored_entities(company):
    client = company.connect()
    stored = company.records("Customer")[0]
    assert Customer.get(stored["Id"], qb=client).DisplayName == stored["DisplayName"]
    entity = company.store.meta("legal_entities")[0]
    assert CompanyInfo.get(1, qb=client).CompanyName == company.records("CompanyInfo")[0]["CompanyName"]
    assert Preferences.get(qb=client).CurrencyPrefs.HomeCurrency.value == entity["currency"]
    with pytest.raises(ObjectNotFoundException):
        Invoice.get("999999999", qb=client)


def test_create_update_and_a_stale_update(company):
    client = company.connect()
    created = Customer()
    created.DisplayName = "Client Library Test Co"
    created.save(qb=client)
    assert Customer.get(created.Id, qb=client).DisplayName == "Client Library Test Co"
    current, stale = Customer.get(created.Id, qb=client), Customer.get(created.Id, qb=client)
    current.Notes = "updated by python-quickbooks"
    current.save(qb=client)
    assert Customer.get(created.Id, qb=client).SyncToken == "1"
    stale.Notes = "lost update"
    with pytest.raises(QuickbooksException) as refused:  # the client maps no class to 5010
        stale.save(qb=client)
    assert refused.value.error_code == 5010


def test_batch_update_and_change_data_capture_see_the_writes(company):
    client = company.connect()
    before = datetime.now(UTC) - timedelta(minutes=1)
    customers = Customer.all(max_results=2, qb=client)
    for customer in customers:
        customer.Notes = "batched"
    result = batch_update(customers, qb=client)
    assert (len(result.successes), len(result.faults)) == (2, 0)
    changes = change_data_capture([Customer], before, qb=client)
    assert {c.Id for c in changes.Customer} == {c.Id for c in customers}


def test_void_keeps_the_invoice_at_zero_and_delete_removes_it(company):
    client = company.connect()
    voided, deleted = (i for i in Invoice.all(max_results=2, qb=client))
    voided.void(qb=client)
    after = Invoice.get(voided.Id, qb=client)
    assert (after.TotalAmt, after.Balance, after.PrivateNote) == (0, 0, "Voided")
    assert all(line.Amount == 0 for line in after.Line)
    deleted.delete(qb=client)
    with pytest.raises(ObjectNotFoundException):
        Invoice.get(deleted.Id, qb=client)
