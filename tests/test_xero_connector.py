"""The Xero connector against the Xero emulator over real HTTP, two organisations (tenants): full sweeps
page by page, If-Modified-Since increments, a failing tenant reported unavailable while the other is
read, Xero's minute limit kept and its 429 waited out, secrets kept out of logs and errors; then Xero
records through the extraction and validation assets, the bad ones quarantined with their rule."""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest
from dagster import materialize

from assets.extraction import extraction_assets
from assets.validation import validation_assets
from resources.http import SourceSystemError
from resources.quickbooks import QuickBooksResource
from resources.sandbox import SandboxResource
from resources.warehouse import WarehouseResource
from resources.xero import XeroResource
from sandbox.emulators.base import SlidingWindowLimiter
from sandbox.emulators.xero import XeroEmulator
from sandbox.emulators.xero_documents import ms_date, put_records
from sandbox.store import SandboxStore
from tests.conftest import SNAPSHOT_DATE
from tests.emulators.serving import served
from tests.emulators.test_xero_emulator import (
    APP,
    LONG_AGO,
    OTHER_TENANT,
    TENANT,
    TOKEN,
    contact,
    credit_note,
    invoice,
    organisation,
    uid,
)
from tests.validation.night import quarantined, record_ids

ENTITIES = {"US1": TENANT, "UK1": OTHER_TENANT}
LATER = LONG_AGO + timedelta(days=3)
XERO_OBJECTS = ("Organisation", "Contacts", "Invoices", "Payments", "CreditNotes")


def connected(store: SandboxStore, app: dict = APP) -> SandboxStore:
    store.set_meta("credentials", {"xero": dict(app)})
    store.set_meta("legal_entities", [{"code": code, "xero_tenant_id": tenant} for code, tenant in ENTITIES.items()])
    put_records(store, TENANT, "Organisation", [organisation(TENANT, "Sandbox US")])
    put_records(store, OTHER_TENANT, "Organisation", [organisation(OTHER_TENANT, "Sandbox UK")])
    return store


def contacts(first: int, count: int, *, updated: datetime = LONG_AGO) -> list[dict]:
    return [contact(n, f"Client {n}", updated=updated) for n in range(first, first + count)]


@pytest.fixture
def firm(store: SandboxStore) -> SandboxStore:
    """230 contacts in the first organisation (one archived), exactly 100 in the other."""
    connected(store)
    us = contacts(1000, 230)
    us[5]["ContactStatus"] = "ARCHIVED"
    put_records(store, TENANT, "Contacts", us)
    put_records(store, OTHER_TENANT, "Contacts", contacts(2000, 100))
    return store


@pytest.fixture
def xero(firm: SandboxStore) -> Iterator[tuple[XeroEmulator, str]]:
    with served(XeroEmulator(firm)) as emulator_and_url:
        yield emulator_and_url


def connector(url: str, tmp_path: Path, **settings) -> XeroResource:
    """Configured as a deployment would be: the URL, the tenants and a token; no sandbox involved."""
    return XeroResource(
        base_url=url,
        sandbox=SandboxResource(directory=str(tmp_path / "no-sandbox")),
        **{"tenants": json.dumps(ENTITIES), "access_token": TOKEN, **settings},
    )


@pytest.fixture
def no_pause(monkeypatch):
    monkeypatch.setattr("resources.http.ApiClient._pause", lambda self, attempt, retry_after: 0.0)


def test_a_full_sweep_reads_every_page_of_every_tenant_once_with_its_entity(firm, xero, tmp_path):
    _, url = xero
    extraction = connector(url, tmp_path).extract("Contacts", None)

    expected = {("US1", r["ContactID"]) for r in firm.list("xero", TENANT, "Contacts")}
    expected |= {("UK1", r["ContactID"]) for r in firm.list("xero", OTHER_TENANT, "Contacts")}
    got = [(r.entity, r.record_id) for r in extraction.records]
    assert len(got) == len(set(got)) == len(expected) == 330  # the archived contact included
    assert set(got) == expected
    # 230 = 100 + 100 + 30 in three pages; 100 needs a second, empty page to show it is the last
    assert extraction.stats.pages == 3 + 2
    assert (extraction.mode, sorted(extraction.entities), extraction.unavailable) == ("full", ["UK1", "US1"], {})
    assert extraction.companies == ENTITIES
    archived = next(r for r in extraction.records if r.record_id == uid(1005))
    assert json.loads(archived.payload)["ContactStatus"] == "ARCHIVED"
    assert archived.updated_at == ms_date(LONG_AGO)  # as sent


def test_the_organisation_is_one_unpaged_record_per_tenant_and_invoices_keep_their_lines(firm, xero, tmp_path):
    _, url = xero
    acme = firm.get("xero", TENANT, "Contacts", uid(1000))
    put_records(firm, TENANT, "Invoices", [invoice(41, acme, 1000.0)])
    resource = connector(url, tmp_path)

    organisations = resource.extract("Organisation", None)
    assert sorted((r.entity, r.record_id) for r in organisations.records) == [("UK1", OTHER_TENANT), ("US1", TENANT)]
    assert organisations.stats.requests == 2
    (sent,) = resource.extract("Invoices", None).records
    assert (sent.entity, sent.record_id) == ("US1", uid(41))
    assert json.loads(sent.payload)["LineItems"][0]["LineAmount"] == 1000.0


def test_an_incremental_night_sends_if_modified_since_and_gets_only_later_changes(firm, xero, tmp_path):
    _, url = xero
    changed_us = [{**c, "Name": c["Name"] + " (renamed)", "UpdatedDateUTC": ms_date(LATER)} for c in contacts(1000, 3)]
    put_records(firm, TENANT, "Contacts", changed_us)
    put_records(firm, OTHER_TENANT, "Contacts", contacts(2100, 1, updated=LATER))
    since = (LONG_AGO + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")  # the form LoadPlan.since_iso has

    extraction = connector(url, tmp_path).extract("Contacts", since)

    assert sorted((r.entity, r.record_id) for r in extraction.records) == sorted(
        [("US1", c["ContactID"]) for c in changed_us] + [("UK1", uid(2100))]
    )
    assert (extraction.mode, extraction.entities, extraction.stats.pages) == ("incremental", [], 2)
    assert {r.updated_at for r in extraction.records} == {ms_date(LATER)}


def test_a_failing_tenant_is_reported_unavailable_and_the_other_is_read(firm, xero, tmp_path, no_pause):
    emulator, url = xero
    emulator.faults.server_error_next = 7  # the first tenant's first page fails through every retry (6)

    extraction = connector(url, tmp_path).extract("Contacts", None)

    assert list(extraction.unavailable) == ["US1"]
    assert "HTTP 50" in extraction.unavailable["US1"] and "Contacts (US1) page 1" in extraction.unavailable["US1"]
    assert Counter(r.entity for r in extraction.records) == Counter({"UK1": 100})
    assert extraction.entities == ["UK1"]


def test_a_tenant_the_app_is_not_connected_to_is_unavailable_and_all_failing_is_an_error(firm, xero, tmp_path):
    _, url = xero
    stranger = uid(999)
    extraction = connector(url, tmp_path, tenants=json.dumps({"US1": TENANT, "DE1": stranger})).extract(
        "Invoices", None
    )
    assert list(extraction.unavailable) == ["DE1"] and "HTTP 403" in extraction.unavailable["DE1"]

    with pytest.raises(SourceSystemError) as failure:
        connector(url, tmp_path, tenants=json.dumps({"DE1": stranger})).extract("Invoices", None)
    assert failure.value.status == 403


def test_xeros_429_is_waited_out_by_its_retry_after(store, tmp_path):
    connected(store)
    put_records(store, TENANT, "Contacts", contacts(1000, 150))
    # an emulator whose limit is two calls a second, and a client that does not keep to it
    with served(XeroEmulator(store, minute=SlidingWindowLimiter(2, 1.0))) as (_, url):
        hasty = connector(url, tmp_path, tenants=json.dumps({"US1": TENANT}), requests_per_window=100)
        hasty.extract("Organisation", None)
        extraction = hasty.extract("Contacts", None)
    assert len(extraction.records) == 150
    assert extraction.stats.retries >= 1  # the third call in a second was told to wait, and waited
    assert extraction.stats.waited_seconds >= 1.0  # Xero's Retry-After: at least one second


def test_the_client_keeps_to_the_tenants_limit_rather_than_meeting_429s(store, tmp_path):
    connected(store)
    put_records(store, TENANT, "Contacts", contacts(1000, 250))
    # a little under the emulator's limit, as the real client's 60 a minute is under Xero's
    with served(XeroEmulator(store, minute=SlidingWindowLimiter(2, 1.0))) as (_, url):
        careful = connector(
            url, tmp_path, tenants=json.dumps({"US1": TENANT}), requests_per_window=2, window_seconds=1.2
        )
        extraction = careful.extract("Contacts", None)
    assert (len(extraction.records), extraction.stats.requests, extraction.stats.retries) == (250, 3, 0)


def test_secrets_never_reach_logs_or_errors(firm, xero, tmp_path, caplog):
    _, url = xero
    caplog.set_level(logging.DEBUG)
    wrong = "s3cret-xero-token-that-must-not-leak"
    with pytest.raises(SourceSystemError) as failure:
        connector(url, tmp_path, access_token=wrong).extract("Contacts", None)
    assert str(failure.value).startswith("xero: HTTP 401 on Contacts (")

    app = connector(
        url,
        tmp_path,
        access_token="",
        client_id=APP["client_id"],
        client_secret=APP["client_secret"],
        refresh_token=APP["refresh_token"],
        token_url=f"{url}/connect/token",
        token_store=str(tmp_path / "tokens.json"),
    )
    assert len(app.extract("Contacts", None).records) == 330  # refreshed through Xero's identity server
    issued = json.loads((tmp_path / "tokens.json").read_text())["xero"]
    secrets = [wrong, APP["client_secret"], APP["refresh_token"], issued["refresh_token"], issued["access_token"]]
    shown = caplog.text + str(failure.value)
    assert [s for s in secrets if s in shown] == []


# -- the sandbox: a legal entity's ERP is QuickBooks or Xero ---------------------------------------------
class FirmWithXero:
    """Embedded sources whose firm keeps one entity in QuickBooks, one in Xero, and one from before
    entities named their ERP (QuickBooks)."""

    url = ""

    def __init__(self, directory: str, size: str):
        pass

    def legal_entities(self) -> list[dict]:
        return [
            {"code": "US", "realm_id": "9130"},
            {"code": "DE", "erp": "quickbooks", "realm_id": "9131"},
            {"code": "UK1", "erp": "xero", "realm_id": None, "xero_tenant_id": OTHER_TENANT},
        ]

    def base_url(self, system: str) -> str:
        return self.url

    def credentials(self, system: str) -> dict:
        return {"access_token": TOKEN}


def test_in_the_sandbox_each_entity_is_read_from_its_own_erp(firm, xero, tmp_path, monkeypatch):
    _, url = xero
    monkeypatch.setattr(FirmWithXero, "url", url)
    sandbox = SandboxResource(embedded_sources=f"{__name__}:FirmWithXero")

    assert QuickBooksResource(sandbox=sandbox).companies() == {"US": "9130", "DE": "9131"}
    resource = XeroResource(sandbox=sandbox)
    assert resource.companies() == {"UK1": OTHER_TENANT}
    assert Counter(r.entity for r in resource.extract("Contacts", None).records) == Counter({"UK1": 100})


class FirmWithoutXero(FirmWithXero):
    """Today's sandbox firm: QuickBooks entities only, and no Xero emulator to ask for."""

    def legal_entities(self) -> list[dict]:
        return [{"code": "US", "realm_id": "9130"}]

    def base_url(self, system: str) -> str:
        raise KeyError(system)


def test_a_firm_without_xero_entities_extracts_nothing_and_asks_for_no_emulator():
    sandbox = SandboxResource(embedded_sources=f"{__name__}:FirmWithoutXero")
    extraction = XeroResource(sandbox=sandbox).extract("Contacts", None)
    assert (list(extraction.records), extraction.unavailable, extraction.stats.requests) == ([], {}, 0)


def test_a_deployment_that_configured_quickbooks_alone_reads_no_xero_and_needs_no_sandbox(monkeypatch, tmp_path):
    """With QuickBooks' URL set and no Xero settings, Xero has no entity: the sandbox (which production
    does not install) is never loaded, and the Xero assets store empty snapshots instead of failing."""
    from pipelines.resources import build_resources

    monkeypatch.setenv("TIEOUT_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("TIEOUT_EMBEDDED_SOURCES", "no_such_package.runtime:running_sandbox")
    monkeypatch.setenv("TIEOUT_QUICKBOOKS_BASE_URL", "https://quickbooks.api.intuit.com")
    monkeypatch.setenv("TIEOUT_QUICKBOOKS_ACCESS_TOKEN", "qbo-token")
    monkeypatch.setenv("TIEOUT_QUICKBOOKS_REALMS", '{"US": "9130"}')
    xero = build_resources()["xero"]
    extraction = xero.extract("Contacts", None)
    assert (list(extraction.records), extraction.unavailable, extraction.stats.requests) == ([], {}, 0)
    monkeypatch.delenv("TIEOUT_QUICKBOOKS_BASE_URL")
    with pytest.raises(ValueError, match="TIEOUT_EMBEDDED_SOURCES"):  # the embedded default serves Xero too
        build_resources()["xero"].extract("Contacts", None)


# -- through the assets: raw snapshots, the valid layer and the quarantine ----------------------------------
def xero_night(url: str, tmp_path: Path, warehouse: Path):
    keys = {("raw", "xero", o.lower()) for o in XERO_OBJECTS} | {("valid", "xero", o.lower()) for o in XERO_OBJECTS}
    assets = [a for a in [*extraction_assets, *validation_assets] if tuple(a.key.path) in keys]
    assert len(assets) == 10
    return materialize(
        assets,
        partition_key=SNAPSHOT_DATE,
        resources={
            "warehouse": WarehouseResource(database=str(warehouse)),
            "xero": connector(url, tmp_path, tenants=json.dumps(ENTITIES)),
        },
        raise_on_error=False,
    )


def test_bad_xero_records_are_quarantined_with_their_rule_and_the_good_ones_flow(store, tmp_path, monkeypatch):
    monkeypatch.setenv("TIEOUT_HOME", str(tmp_path / "home"))
    connected(store)
    acme, globex = contact(11, "Acme Corp"), contact(12, "Globex Ltd")
    odd_currency = {**contact(13, "Odd Currency Ltd"), "DefaultCurrency": "XXX"}
    put_records(store, TENANT, "Contacts", [acme, globex, odd_currency])
    put_records(store, OTHER_TENANT, "Contacts", [contact(21, "Umbrella plc")])
    taxed = invoice(42, acme, 1000.0)  # Exclusive: lines 1000 + tax 200 = 1200
    taxed.update(TotalTax=200.0, Total=1200.0, AmountDue=1200.0)
    taxed["LineItems"][0]["TaxAmount"] = 200.0
    inclusive = {**invoice(43, globex, 1200.0), "LineAmountTypes": "Inclusive", "TotalTax": 200.0, "SubTotal": 1000.0}
    unbalanced = {**invoice(44, acme, 500.0), "Total": 550.0, "AmountDue": 550.0}
    dangling = invoice(45, contact(99, "Nobody"), 300.0)  # no such contact in this organisation
    put_records(store, TENANT, "Invoices", [invoice(41, acme, 1000.0), taxed, inclusive, unbalanced, dangling])
    put_records(store, TENANT, "CreditNotes", [credit_note(71, acme, 100.0)])
    payment = {
        "PaymentID": uid(81),
        "Invoice": {"InvoiceID": uid(41)},
        "Date": ms_date(datetime(2026, 3, 1, tzinfo=UTC)),
        "Amount": 400.0,
        "Status": "AUTHORISED",
        "UpdatedDateUTC": ms_date(LONG_AGO),
    }
    # a refund of a credit note names the credit note where a payment names its invoice; an overpayment
    # names none: neither is an invoice payment, and both are valid
    refund = {**payment, "PaymentID": uid(83), "PaymentType": "ARCREDITPAYMENT", "Invoice": {"InvoiceID": uid(71)}}
    overpayment = {k: v for k, v in payment.items() if k != "Invoice"} | {"PaymentID": uid(84)}
    overpayment |= {"PaymentType": "AROVERPAYMENTPAYMENT", "Overpayment": {"OverpaymentID": uid(85)}}
    put_records(
        store,
        TENANT,
        "Payments",
        [payment, {**payment, "PaymentID": uid(82), "Invoice": {"InvoiceID": uid(49)}}, refund, overpayment],
    )
    warehouse = tmp_path / "warehouse.duckdb"

    with served(XeroEmulator(store)) as (_, url):
        result = xero_night(url, tmp_path, warehouse)

    assert result.success
    assert quarantined(warehouse) == Counter(
        {
            ("xero", "US1", "Contacts", uid(13), "currency_unknown", "DefaultCurrency"): 1,
            ("xero", "US1", "Invoices", uid(44), "invoice_lines_do_not_sum", "Total"): 1,
            ("xero", "US1", "Invoices", uid(45), "reference_unresolved", "Contact.ContactID"): 1,
            ("xero", "US1", "Payments", uid(82), "reference_unresolved", "paid_invoice"): 1,
        }
    )
    assert record_ids(warehouse, "valid", "xero", "Invoices") == Counter(
        {("US1", uid(41)): 1, ("US1", uid(42)): 1, ("US1", uid(43)): 1}
    )
    assert record_ids(warehouse, "valid", "xero", "Payments") == Counter(
        {("US1", uid(81)): 1, ("US1", uid(83)): 1, ("US1", uid(84)): 1}
    )
    assert record_ids(warehouse, "valid", "xero", "Contacts") == Counter(
        {("US1", uid(11)): 1, ("US1", uid(12)): 1, ("UK1", uid(21)): 1}
    )
    assert record_ids(warehouse, "valid", "xero", "Organisation") == Counter(
        {("US1", TENANT): 1, ("UK1", OTHER_TENANT): 1}
    )
    with duckdb.connect(str(warehouse), read_only=True) as db:
        # the watermark of the next night: Xero's /Date()/ stamps parsed, not left NULL
        stamps = db.execute("SELECT count(*), min(updated_at) FROM raw.xero__contacts").fetchone()
        drift = db.execute("SELECT count(*) FROM quality.schema_drift WHERE system = 'xero'").fetchone()
    assert stamps == (4, LONG_AGO)
    assert drift == (0,)
