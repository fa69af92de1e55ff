"""The HubSpot connector against the HubSpot emulator over real HTTP: a full sweep lists every company
and deal once with its associations, an incremental night searches from the watermark and reads the
changed records' associations by v4, a 429 is waited out, the token stays out of logs and errors, a
firm without a HubSpot unit asks nothing; then HubSpot records through the extraction and validation
assets, the bad ones quarantined with their rule."""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from dagster import materialize

from assets.extraction import extraction_assets
from assets.validation import validation_assets
from resources.http import SourceSystemError
from resources.hubspot import HubSpotResource
from resources.sandbox import SandboxResource
from resources.warehouse import WarehouseResource
from sandbox.emulators.base import SlidingWindowLimiter
from sandbox.emulators.hubspot import HubSpotEmulator
from sandbox.emulators.hubspot_records import associate, iso, put_records, record
from sandbox.store import SandboxStore
from tests.conftest import SNAPSHOT_DATE
from tests.emulators.serving import served
from tests.validation.night import quarantined, record_ids

PORTAL, TOKEN = "24681357", "pat-eu1-hubspot-token-that-must-not-leak"
BASE = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
COMPANIES, DEALS = 230, 40  # three list pages of companies, one of deals


def company(n: int, *, updated: datetime = BASE, **properties) -> dict:
    values = {
        "name": f"Company {n}",
        "domain": f"company{n}.example",
        "psa_client_id": str(5000 + n),
        "erp_customer_id": f"US:{700 + n}",
        "legal_entity": "US",
        "open_ar": f"{n * 10}.50",
        "tax_id": f"TX-{n}",
    }
    return record("companies", str(1000 + n), values | properties, created=BASE, updated=updated)


def deal(n: int, **properties) -> dict:
    values = {
        "dealname": f"Engagement {n}",
        "amount": str(10_000 + n),
        "deal_currency_code": "USD",
        "dealstage": "closedwon",
        "pipeline": "default",
        "closedate": iso(BASE + timedelta(days=n)),
        "billing_model": "Time and Materials",
        "psa_project_id": str(8000 + n),
    }
    return record("deals", str(9000 + n), values | properties, created=BASE, updated=BASE)


def parent(store: SandboxStore, parent_id: str, child_id: str) -> None:
    associate(store, PORTAL, "companies", parent_id, "companies", child_id, "parent")


def deal_of(store: SandboxStore, deal_id: str, company_id: str) -> None:
    associate(store, PORTAL, "deals", deal_id, "companies", company_id, "primary")


@pytest.fixture
def firm(store: SandboxStore) -> SandboxStore:
    """230 companies (every tenth the parent of the next nine), 40 deals, each on every third company."""
    put_records(store, PORTAL, "companies", [company(n) for n in range(COMPANIES)])
    put_records(store, PORTAL, "deals", [deal(n) for n in range(DEALS)])
    for n in range(COMPANIES):
        if n % 10:
            parent(store, str(1000 + n - n % 10), str(1000 + n))
    for n in range(DEALS):
        deal_of(store, str(9000 + n), str(1000 + 3 * n))
    return store


@pytest.fixture
def hubspot(firm: SandboxStore) -> Iterator[tuple[HubSpotEmulator, str]]:
    with served(HubSpotEmulator(firm, PORTAL, TOKEN)) as emulator_and_url:
        yield emulator_and_url


def connector(url: str, tmp_path: Path, **settings) -> HubSpotResource:
    """Configured as a deployment would be: the URL and the private app's token; no sandbox involved."""
    return HubSpotResource(
        base_url=url,
        sandbox=SandboxResource(directory=str(tmp_path / "no-sandbox")),
        **{"access_token": TOKEN, **settings},
    )


def parents(extraction) -> dict[str, list[str]]:
    out = {}
    for r in extraction.records:
        results = json.loads(r.payload).get("associations", {}).get("companies", {}).get("results", [])
        ids = [a["id"] for a in results if a["type"] == "child_to_parent_company"]
        if ids:
            out[r.record_id] = ids
    return out


def test_a_full_sweep_lists_every_record_once_with_its_associations(firm, hubspot, tmp_path):
    _, url = hubspot
    resource = connector(url, tmp_path)

    companies = resource.extract("companies", None)

    ids = [r.record_id for r in companies.records]
    assert len(ids) == len(set(ids)) == COMPANIES
    assert set(ids) == {str(1000 + n) for n in range(COMPANIES)}
    assert parents(companies) == {str(1000 + n): [str(1000 + n - n % 10)] for n in range(COMPANIES) if n % 10}
    assert (companies.mode, companies.entities, companies.stats.pages, companies.stats.requests) == (
        "full",
        [""],
        3,
        3,
    )
    first = json.loads(list(companies.records)[7].payload)
    assert set(first) == {"id", "properties", "associations", "createdAt", "updatedAt", "archived"}
    assert first["properties"]["open_ar"] == "70.50"
    assert {r.entity for r in companies.records} == {""}
    assert list(companies.records)[7].updated_at == iso(BASE)

    deals = resource.extract("deals", None)
    assert (len(deals.records), deals.stats.requests) == (DEALS, 1)
    for r in deals.records:
        results = json.loads(r.payload)["associations"]["companies"]["results"]
        assert {a["id"] for a in results} == {str(1000 + 3 * (int(r.record_id) - 9000))}
    listed = [q for q in firm.requests("hubspot") if q.path.startswith("/crm/v3/objects/")]
    assert [(q.method, q.path) for q in listed] == [("GET", "/crm/v3/objects/companies")] * 3 + [
        ("GET", "/crm/v3/objects/deals")
    ]
    assert "associations=companies" in listed[0].query and "limit=100" in listed[0].query


def test_an_incremental_night_searches_from_the_watermark_and_reads_the_changed_associations(firm, hubspot, tmp_path):
    _, url = hubspot
    later = BASE + timedelta(days=3)
    changed = [company(n, updated=later, name=f"Company {n} (renamed)") for n in (11, 12, 40)]
    put_records(firm, PORTAL, "companies", changed)
    since = (BASE + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")  # the form LoadPlan.since_iso has
    before = firm.last_request_n()

    extraction = connector(url, tmp_path).extract("companies", since)

    assert sorted(r.record_id for r in extraction.records) == ["1011", "1012", "1040"]
    assert (extraction.mode, extraction.entities) == ("incremental", [])
    assert {r.updated_at for r in extraction.records} == {iso(later)}
    # each changed company with its parent, as a full sweep stores it (1040 is a parent: none)
    assert parents(extraction) == {"1011": ["1010"], "1012": ["1010"]}
    renamed = json.loads(list(extraction.records)[0].payload)
    assert set(renamed) >= {"id", "properties", "createdAt", "updatedAt", "archived"}
    asked = firm.requests("hubspot", since_n=before)
    assert [(q.method, q.path) for q in asked] == [("POST", "/crm/v3/objects/companies/search")] + [
        ("GET", f"/crm/v4/objects/companies/{n}/associations/companies") for n in ("1011", "1012", "1040")
    ]
    search = json.loads(asked[0].body or "{}")
    (condition,) = search["filterGroups"][0]["filters"]
    assert condition == {
        "propertyName": "hs_lastmodifieddate",
        "operator": "GTE",
        "value": str(int((BASE + timedelta(days=1)).timestamp() * 1000)),
    }
    assert search["sorts"] == [{"propertyName": "hs_lastmodifieddate", "direction": "ASCENDING"}]
    assert (search["limit"], extraction.stats.requests) == (200, 4)


def test_more_changes_than_worth_reading_one_by_one_are_swept_in_full(firm, hubspot, tmp_path, caplog):
    _, url = hubspot
    put_records(firm, PORTAL, "companies", [company(n, updated=BASE + timedelta(days=3)) for n in range(5)])
    since = (BASE + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")

    extraction = connector(url, tmp_path, incremental_limit=4).extract("companies", since)

    assert (len(extraction.records), extraction.entities, extraction.stats.requests) == (COMPANIES, [""], 1 + 3)
    assert "sweeping in full" in caplog.text


def test_hubspots_429_is_waited_out_for_its_policy_window(firm, tmp_path):
    # an emulator whose rolling limit is two calls a second, and a client that does not keep to it
    with served(HubSpotEmulator(firm, PORTAL, TOKEN, burst=SlidingWindowLimiter(2, 1.0))) as (_, url):
        hasty = connector(url, tmp_path, window_seconds=1.0)
        extraction = hasty.extract("companies", None)
    assert len(extraction.records) == COMPANIES
    assert extraction.stats.retries >= 1  # the third call in a second was turned away, and waited
    assert extraction.stats.waited_seconds >= 1.0  # the policy's window: no Retry-After from HubSpot


def test_the_daily_limit_is_not_retried(firm, tmp_path):
    with served(HubSpotEmulator(firm, PORTAL, TOKEN, daily=SlidingWindowLimiter(1, 86_400.0))) as (_, url):
        with pytest.raises(SourceSystemError) as failure:
            connector(url, tmp_path).extract("companies", None)
    assert failure.value.status == 429 and "not retried" in str(failure.value)
    assert "daily" in str(failure.value)


def test_the_token_never_reaches_logs_or_errors(firm, hubspot, tmp_path, caplog):
    _, url = hubspot
    caplog.set_level(logging.DEBUG)
    wrong = "pat-na1-wrong-token-that-must-not-leak"
    with pytest.raises(SourceSystemError) as failure:
        connector(url, tmp_path, access_token=wrong).extract("companies", None)
    assert str(failure.value).startswith("hubspot: HTTP 401 on companies page 1")
    connector(url, tmp_path).extract("deals", None)
    shown = caplog.text + str(failure.value)
    assert wrong not in shown and TOKEN not in shown


# -- the sandbox: HubSpot only for a firm with a HubSpot unit ---------------------------------------------
class FirmWithHubSpot:
    url = ""

    def __init__(self, directory: str, size: str):
        pass

    def legal_entities(self) -> list[dict]:
        return [{"code": "US", "realm_id": "9130"}]

    def base_url(self, system: str) -> str:
        return self.url

    def credentials(self, system: str) -> dict:
        return {"access_token": TOKEN, "portal_id": PORTAL}


class FirmWithoutHubSpot(FirmWithHubSpot):
    """Today's sandbox firm: no HubSpot unit, and no HubSpot emulator to ask for."""

    def base_url(self, system: str) -> str:
        raise KeyError(system)


def test_in_the_sandbox_a_firm_with_a_hubspot_unit_is_read(hubspot, monkeypatch):
    _, url = hubspot
    monkeypatch.setattr(FirmWithHubSpot, "url", url)
    sandbox = SandboxResource(embedded_sources=f"{__name__}:FirmWithHubSpot")
    assert len(HubSpotResource(sandbox=sandbox).extract("deals", None).records) == DEALS
    assert HubSpotResource(sandbox=sandbox, sandboxed=False).extract("deals", None).stats.requests == 0


def test_a_firm_without_a_hubspot_unit_extracts_nothing_and_asks_for_no_emulator():
    sandbox = SandboxResource(embedded_sources=f"{__name__}:FirmWithoutHubSpot")
    extraction = HubSpotResource(sandbox=sandbox).extract("companies", None)
    assert (list(extraction.records), extraction.entities, extraction.stats.requests) == ([], [""], 0)


def test_a_deployment_that_configured_salesforce_alone_reads_no_hubspot(monkeypatch, tmp_path):
    from pipelines.resources import build_resources

    monkeypatch.setenv("TIEOUT_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("TIEOUT_EMBEDDED_SOURCES", "no_such_package.runtime:running_sandbox")
    monkeypatch.setenv("TIEOUT_SALESFORCE_INSTANCE_URL", "https://example.my.salesforce.com")
    monkeypatch.setenv("TIEOUT_SALESFORCE_ACCESS_TOKEN", "sf-token")
    extraction = build_resources()["hubspot"].extract("companies", None)
    assert (list(extraction.records), extraction.stats.requests) == ([], 0)
    monkeypatch.setenv("TIEOUT_HUBSPOT_BASE_URL", "https://api.hubapi.com")
    monkeypatch.setenv("TIEOUT_HUBSPOT_ACCESS_TOKEN", TOKEN)
    configured = build_resources()["hubspot"]
    assert (configured.base_url, configured.sandboxed) == ("https://api.hubapi.com", True)


# -- through the assets: raw snapshots, the valid layer and the quarantine ----------------------------------
def hubspot_night(url: str, tmp_path: Path, warehouse: Path):
    keys = {(layer, "hubspot", o) for layer in ("raw", "valid") for o in HubSpotResource.objects}
    assets = [a for a in [*extraction_assets, *validation_assets] if tuple(a.key.path) in keys]
    assert len(assets) == 4
    return materialize(
        assets,
        partition_key=SNAPSHOT_DATE,
        resources={"warehouse": WarehouseResource(database=str(warehouse)), "hubspot": connector(url, tmp_path)},
        raise_on_error=False,
    )


def test_bad_hubspot_records_are_quarantined_with_their_rule_and_the_good_ones_flow(store, tmp_path, monkeypatch):
    monkeypatch.setenv("TIEOUT_HOME", str(tmp_path / "home"))
    put_records(
        store,
        PORTAL,
        "companies",
        [
            company(1),
            company(2),
            company(3, open_ar="about 300"),  # not a number
            company(4),
            company(5),
            company(6, open_ar=""),  # cleared: no value, which an optional property may have
            company(8),
        ],
    )
    parent(store, "1001", "1002")
    parent(store, "1004", "1005")  # 1004 -> 1005 -> 1008 -> 1004: a loop (HubSpot keeps one association a pair)
    parent(store, "1005", "1008")
    parent(store, "1008", "1004")
    put_records(
        store,
        PORTAL,
        "deals",
        [deal(1), deal(2, dealstage="won-ish"), deal(3, deal_currency_code="XXX"), deal(4), deal(5, amount="12.345")],
    )
    deal_of(store, "9001", "1001")
    deal_of(store, "9002", "1002")
    deal_of(store, "9003", "1002")
    put_records(store, PORTAL, "companies", [company(7)])
    deal_of(store, "9004", "1007")
    store.delete("hubspot", PORTAL, "companies", "1007")  # the deal's company is gone
    warehouse = tmp_path / "warehouse.duckdb"

    with served(HubSpotEmulator(store, PORTAL, TOKEN)) as (_, url):
        result = hubspot_night(url, tmp_path, warehouse)

    assert result.success
    assert quarantined(warehouse) == Counter(
        {
            ("hubspot", "", "companies", "1003", "number_unparseable", "properties.open_ar"): 1,
            ("hubspot", "", "companies", "1004", "parent_cycle", "parent_company"): 1,
            ("hubspot", "", "companies", "1005", "parent_cycle", "parent_company"): 1,
            ("hubspot", "", "companies", "1008", "parent_cycle", "parent_company"): 1,
            ("hubspot", "", "deals", "9002", "status_not_in_enum", "properties.dealstage"): 1,
            ("hubspot", "", "deals", "9003", "currency_unknown", "properties.deal_currency_code"): 1,
            ("hubspot", "", "deals", "9004", "reference_unresolved", "deal_company"): 1,
        }
    )
    assert record_ids(warehouse, "valid", "hubspot", "companies") == Counter(
        {("", "1001"): 1, ("", "1002"): 1, ("", "1006"): 1}
    )
    # 12.345 USD has more decimals than the currency: a warning, the deal kept
    assert record_ids(warehouse, "valid", "hubspot", "deals") == Counter({("", "9001"): 1, ("", "9005"): 1})
