"""HubSpot's own Python client (`hubspot-api-client`), unchanged, against the HubSpot emulator.

The client lists companies and deals with their associations (its own `get_all`, 100 a page),
reads one by id, searches by last-modified date with sort and paging (an incremental read), reads a
batch, reads v4 associations (a child company's parent, a deal's company), updates a property and
reads it back, and meets HubSpot's errors (not found, a wrong token, a rate limit) as its
`ApiException`s. The API's address is the client's own `host` setting. Expected values come from the
records the tests store.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from hubspot import HubSpot
from hubspot.crm.companies import ApiException as CompaniesApiException
from hubspot.crm.companies import Filter, FilterGroup, PublicObjectSearchRequest, SimplePublicObjectInput
from hubspot.crm.deals import BatchReadInputSimplePublicObjectId, SimplePublicObjectId

from sandbox.emulators.base import SlidingWindowLimiter
from sandbox.emulators.hubspot import HubSpotEmulator
from sandbox.emulators.hubspot_records import associate, put_records, record
from sandbox.store import SandboxStore
from tests.emulators.serving import served

PORTAL, TOKEN = "24681357", "pat-eu1-sandbox-token"
BASE = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
COMPANY_PROPERTIES = ["name", "domain", "psa_client_id", "erp_customer_id", "legal_entity", "open_ar", "tax_id"]
DEAL_PROPERTIES = [
    "dealname",
    "amount",
    "deal_currency_code",
    "dealstage",
    "closedate",
    "billing_model",
    "psa_project_id",
]
COMPANIES, DEALS = 230, 40  # more companies than two of the client's pages


@dataclass
class Firm:
    store: SandboxStore
    emulator: HubSpotEmulator
    url: str
    parents: dict[str, str]  # child company id -> parent company id
    deal_company: dict[str, str]  # deal id -> company id

    def client(self, token: str = TOKEN) -> HubSpot:
        return HubSpot(access_token=token, host=self.url)

    def company(self, id: str) -> dict:
        stored = self.store.get("hubspot", PORTAL, "companies", id)
        assert stored is not None
        return stored


@pytest.fixture
def firm(tmp_path) -> Iterator[Firm]:
    """A business unit's CRM: companies (every tenth a parent of the next nine), each modified a
    minute after the one before, and closed-won deals on some of them."""
    store = SandboxStore(tmp_path / "hubspot.db")
    companies = [
        record(
            "companies",
            str(1000 + n),
            {
                "name": f"Company {n}",
                "domain": f"company{n}.example",
                "psa_client_id": str(5000 + n),
                "erp_customer_id": f"US:{700 + n}",
                "legal_entity": "US",
                "open_ar": f"{n * 10}.50",
                "tax_id": f"TX-{n}",
            },
            created=BASE,
            updated=BASE + timedelta(minutes=n),
        )
        for n in range(COMPANIES)
    ]
    deals = [
        record(
            "deals",
            str(9000 + n),
            {
                "dealname": f"Engagement {n}",
                "amount": str(10_000 + n),
                "deal_currency_code": "USD",
                "dealstage": "closedwon",
                "pipeline": "default",
                "closedate": (BASE + timedelta(days=n)).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
                "billing_model": "time_and_materials",
                "psa_project_id": str(8000 + n),
            },
            created=BASE,
            updated=BASE,
        )
        for n in range(DEALS)
    ]
    put_records(store, PORTAL, "companies", companies)
    put_records(store, PORTAL, "deals", deals)
    parents = {c["id"]: companies[n - n % 10]["id"] for n, c in enumerate(companies) if n % 10}
    for child, parent in parents.items():
        associate(store, PORTAL, "companies", parent, "companies", child, "parent")
    deal_company = {d["id"]: companies[3 * n]["id"] for n, d in enumerate(deals)}
    for deal, company in deal_company.items():
        associate(store, PORTAL, "deals", deal, "companies", company, "primary")
    with served(HubSpotEmulator(store, PORTAL, TOKEN)) as (emulator, url):
        yield Firm(store, emulator, url, parents, deal_company)


def test_the_client_lists_every_company_with_its_parent(firm):
    listed = firm.client().crm.companies.get_all(properties=COMPANY_PROPERTIES, associations=["companies"])

    assert len(listed) == COMPANIES
    assert {c.id for c in listed} == {str(1000 + n) for n in range(COMPANIES)}
    stored = firm.company(listed[7].id)["properties"]
    assert listed[7].properties == {name: stored[name] for name in COMPANY_PROPERTIES}
    parent_of = {
        c.id: [a.id for a in c.associations["companies"].results if a.type == "child_to_parent_company"]
        for c in listed
        if c.associations
    }
    assert {child: ids for child, ids in parent_of.items() if ids} == {c: [p] for c, p in firm.parents.items()}
    pages = [r for r in firm.store.requests("hubspot") if r.path == "/crm/v3/objects/companies"]
    assert len(pages) == 3  # 100 + 100 + 30


def test_the_client_lists_deals_with_their_company(firm):
    deals = firm.client().crm.deals.get_all(properties=DEAL_PROPERTIES, associations=["companies"])

    assert len(deals) == DEALS
    for deal in deals:
        assert deal.properties["dealstage"] == "closedwon"
        companies = {a.id for a in deal.associations["companies"].results}
        assert companies == {firm.deal_company[deal.id]}


def test_the_client_reads_one_company_and_a_batch_of_deals(firm):
    client = firm.client()
    some = sorted(firm.deal_company)[:5]

    one = client.crm.companies.basic_api.get_by_id("1003", properties=["name", "open_ar"])
    batch = client.crm.deals.batch_api.read(
        BatchReadInputSimplePublicObjectId(
            inputs=[SimplePublicObjectId(id=i) for i in some], properties=["amount"], properties_with_history=[]
        )
    )

    assert one.properties == {"name": "Company 3", "open_ar": "30.50"}
    assert batch.status == "COMPLETE"
    assert sorted((d.id, d.properties["amount"]) for d in batch.results) == [
        (i, firm.store.get("hubspot", PORTAL, "deals", i)["properties"]["amount"]) for i in some
    ]


def test_an_incremental_search_pages_through_what_changed_since_a_moment(firm):
    """Companies modified at or after a moment, oldest first, 200 a page: the incremental read."""
    client = firm.client()
    since = BASE + timedelta(minutes=25)
    query = {
        "filter_groups": [
            FilterGroup(
                filters=[
                    Filter(
                        property_name="hs_lastmodifieddate", operator="GTE", value=str(int(since.timestamp() * 1000))
                    )
                ]
            )
        ],
        "sorts": ["hs_lastmodifieddate"],
        "properties": ["name", "hs_lastmodifieddate"],
        "limit": 200,
    }
    seen, after, totals = [], None, set()
    while True:
        page = client.crm.companies.search_api.do_search(PublicObjectSearchRequest(after=after, **query))
        totals.add(page.total)
        seen += page.results
        if page.paging is None:
            break
        after = page.paging.next.after

    assert totals == {COMPANIES - 25}
    assert [c.id for c in seen] == [str(1000 + n) for n in range(25, COMPANIES)]
    modified = [c.properties["hs_lastmodifieddate"] for c in seen]
    assert modified == sorted(modified)


def test_v4_associations_name_a_child_companys_parent(firm):
    child, parent = sorted(firm.parents.items())[0]

    answer = firm.client().crm.associations.v4.basic_api.get_page("companies", child, "companies")

    assert [(str(a.to_object_id), [(t.category, t.type_id) for t in a.association_types]) for a in answer.results] == [
        (parent, [("HUBSPOT_DEFINED", 14)])
    ]


def test_an_update_is_read_back_and_moves_the_modified_date(firm):
    client, later = firm.client(), BASE + timedelta(days=1, milliseconds=250)
    firm.emulator.clock = lambda: later

    client.crm.companies.basic_api.update("1004", SimplePublicObjectInput(properties={"erp_customer_id": "US:9999"}))
    again = client.crm.companies.basic_api.get_by_id("1004", properties=["erp_customer_id", "hs_lastmodifieddate"])

    assert again.properties == {"erp_customer_id": "US:9999", "hs_lastmodifieddate": "2026-03-03T09:00:00.250Z"}
    assert again.updated_at == later


def test_hubspots_errors_reach_the_client_as_its_exceptions(firm, tmp_path):
    with pytest.raises(CompaniesApiException) as missing:
        firm.client().crm.companies.basic_api.get_by_id("424242")
    with pytest.raises(CompaniesApiException) as wrong_token:
        firm.client("pat-eu1-wrong").crm.companies.basic_api.get_by_id("1001")
    with pytest.raises(CompaniesApiException) as unknown_property:
        firm.client().crm.companies.basic_api.update("1001", SimplePublicObjectInput(properties={"no_such": "x"}))

    assert (missing.value.status, '"category": "OBJECT_NOT_FOUND"' in missing.value.body) == (404, True)
    assert (wrong_token.value.status, '"category": "INVALID_AUTHENTICATION"' in wrong_token.value.body) == (401, True)
    assert (unknown_property.value.status, "PROPERTY_DOESNT_EXIST" in unknown_property.value.body) == (400, True)
    assert firm.company("1001")["properties"].get("no_such") is None


def test_the_ten_second_limit_answers_429_with_the_policy_and_usage_headers(tmp_path):
    store = SandboxStore(tmp_path / "limits.db")
    put_records(store, PORTAL, "companies", [record("companies", "1", {"name": "Only"}, created=BASE, updated=BASE)])
    with served(HubSpotEmulator(store, PORTAL, TOKEN, burst=SlidingWindowLimiter(3, 10.0))) as (_, url):
        client = HubSpot(access_token=TOKEN, host=url)
        remaining = []
        for _ in range(3):
            _, _, headers = client.crm.companies.basic_api.get_by_id_with_http_info("1")
            remaining.append(headers["X-HubSpot-RateLimit-Remaining"])
        with pytest.raises(CompaniesApiException) as limited:
            client.crm.companies.basic_api.get_by_id("1")

    assert remaining == ["2", "1", "0"]
    assert limited.value.status == 429
    assert '"policyName": "TEN_SECONDLY_ROLLING"' in limited.value.body
    assert '"errorType": "RATE_LIMIT"' in limited.value.body


def test_a_search_goes_no_further_than_ten_thousand_results_and_takes_five_groups(firm):
    """Past 10,000 results a query must be narrowed (by a later modified date), not paged on."""
    client = firm.client()
    any_name = Filter(property_name="name", operator="HAS_PROPERTY")

    with pytest.raises(CompaniesApiException) as too_far:
        client.crm.companies.search_api.do_search(PublicObjectSearchRequest(after="9900", limit=200))
    with pytest.raises(CompaniesApiException) as too_many_groups:
        client.crm.companies.search_api.do_search(
            PublicObjectSearchRequest(filter_groups=[FilterGroup(filters=[any_name])] * 6, limit=1)
        )
    five_groups = client.crm.companies.search_api.do_search(
        PublicObjectSearchRequest(filter_groups=[FilterGroup(filters=[any_name])] * 5, limit=1)
    )

    assert (too_far.value.status, '"category": "VALIDATION_ERROR"' in too_far.value.body) == (400, True)
    assert too_many_groups.value.status == 400
    assert five_groups.total == COMPANIES
