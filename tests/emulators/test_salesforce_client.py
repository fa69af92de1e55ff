"""Salesforce's own Python client, simple-salesforce, unchanged, drives the Salesforce emulator.

Each call is the client's, and the outcome is what Salesforce's REST API Developer Guide documents
(https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/): Query and QueryAll (with
query locators and the Sforce-Query-Options header), Describe Global, sObject Basic Information,
sObject Describe, sObject Rows, sObject Create, sObject Rows by External ID (get and upsert), Limits,
and the Limit Info Header (Sforce-Limit-Info); error responses as Status Codes and Error Responses.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
import requests
from requests.adapters import HTTPAdapter
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import (
    SalesforceMalformedRequest,
    SalesforceMoreThanOneRecord,
    SalesforceResourceNotFound,
)

from sandbox.emulators.salesforce import DAILY_API_REQUESTS
from sandbox.firm.ids import salesforce_id
from sandbox.store import SandboxStore
from tests.emulators.test_salesforce_emulator import (  # noqa: F401 (emulator, firm, server: the fixtures)
    TOKEN,
    account,
    emulator,
    firm,
    put,
    server,
)

VERSION = "62.0"
BATCH = {"Sforce-Query-Options": "batchSize=200"}  # the smallest batch Salesforce allows


class LoopbackHttp(HTTPAdapter):
    """Sends the client's https:// requests as plain http: simple-salesforce always builds https URLs
    from instance_url, the emulator serves http on loopback, and TLS is not what these tests test."""

    def send(self, request, *args, **kwargs):
        request.url = "http://" + request.url.removeprefix("https://")
        return super().send(request, *args, **kwargs)


@pytest.fixture
def sf(server, emulator) -> Salesforce:  # noqa: F811 (the imported fixtures)
    """The unchanged client, logged in with the org's token; only the emulator's host:port is rewritten."""
    session = requests.Session()
    session.mount(f"https://{urlsplit(server.base_url).netloc}/", LoopbackHttp())
    instance_url = server.base_url.replace("http://", "https://", 1)
    return Salesforce(instance_url=instance_url, session_id=TOKEN, session=session, version=VERSION)


@pytest.fixture
def org(emulator) -> SandboxStore:  # noqa: F811 (the imported fixture)
    """The org's saved records: what the client's writes must change."""
    return emulator.store


def ids(records) -> list[str]:
    return [r["Id"] for r in records]


def stored(org: SandboxStore, obj: str, record_id: str) -> dict:
    record = org.get("salesforce", "", obj, record_id)
    assert record is not None
    return record


# -- queries -----------------------------------------------------------------------------------
def test_query_and_query_all(sf):
    live = sf.query("SELECT Id, Name FROM Account ORDER BY Name")
    everything = sf.query_all("SELECT Id, IsDeleted FROM Account", include_deleted=True)
    assert (live["totalSize"], live["done"]) == (3, True)
    assert [(r["Id"], r["Name"]) for r in live["records"]] == [
        (salesforce_id("001", n), f"Customer {n}") for n in (1, 2, 3)
    ]
    assert [(r["Id"], r["IsDeleted"]) for r in everything["records"]] == [
        (salesforce_id("001", n), n == 4) for n in (1, 2, 3, 4)
    ]


def test_query_more_and_query_all_iter_page_through_the_locators(org, sf):
    put(org, "Account", [account(100 + n, 30) for n in range(250)])
    fresh = "SELECT Id FROM Account WHERE SystemModstamp >= 2026-11-20T10:30:00Z"
    expected = [salesforce_id("001", 100 + n) for n in range(250)]
    first = sf.query(fresh, headers=BATCH)
    by_url = sf.query_more(first["nextRecordsUrl"], identifier_is_url=True, headers=BATCH)
    locator = first["nextRecordsUrl"].rsplit("/", 1)[1]
    by_locator = sf.query_more(locator, headers=BATCH)
    assert (len(first["records"]), first["done"]) == (200, False)
    assert ids(first["records"]) + ids(by_url["records"]) == expected
    assert by_url["done"] and by_locator == by_url
    assert ids(sf.query_all_iter(fresh, headers=BATCH)) == expected
    assert ids(sf.query_all_iter(fresh, include_deleted=True, headers=BATCH)) == expected


def test_or_needs_parentheses_to_mix_with_and(sf):
    either = sf.query(
        "SELECT Id FROM Account WHERE (Name = 'Customer 1' OR Legal_Entity__c = 'UK') AND ParentId != null"
    )
    any_of = sf.query("SELECT Id FROM Account WHERE Name = 'Customer 1' OR Name = 'Customer 3' ORDER BY Id")
    assert ids(either["records"]) == [salesforce_id("001", 3)]
    assert ids(any_of["records"]) == [salesforce_id("001", 1), salesforce_id("001", 3)]
    with pytest.raises(SalesforceMalformedRequest) as refused:
        sf.query("SELECT Id FROM Account WHERE Name = 'Customer 1' AND Type = null OR Name = 'Customer 3'")
    assert refused.value.content[0]["errorCode"] == "MALFORMED_QUERY"
    assert "unexpected token: 'OR'" in refused.value.content[0]["message"]


def test_parent_relationship_fields_come_back_nested(sf):
    opportunities = sf.query("SELECT Name, Account.Name, Account.Parent.Name FROM Opportunity ORDER BY Name")
    children = sf.query("SELECT Id, Parent.Name FROM Account WHERE Parent.Name = 'customer 1'")
    account_url = f"/services/data/v{VERSION}/sobjects/Account/"
    assert [(r["Name"], r["Account"]["Name"], r["Account"]["Parent"]) for r in opportunities["records"]] == [
        ("Engagement 1", "Customer 1", None),
        (
            "Engagement 2",
            "Customer 3",
            {"attributes": {"type": "Account", "url": account_url + salesforce_id("001", 2)}, "Name": "Customer 2"},
        ),
    ]
    assert opportunities["records"][1]["Account"]["attributes"] == {
        "type": "Account",
        "url": account_url + salesforce_id("001", 3),
    }
    assert [(r["Id"], r["Parent"]["Name"]) for r in children["records"]] == [(salesforce_id("001", 2), "Customer 1")]


# -- describes ---------------------------------------------------------------------------------
def test_describe_global_basic_information_and_describe(sf):
    everything = sf.describe()
    metadata = sf.Opportunity.metadata()
    fields = {f["name"]: f for f in sf.Account.describe()["fields"]}
    assert [(s["name"], s["keyPrefix"]) for s in everything["sobjects"]] == [("Account", "001"), ("Opportunity", "006")]
    assert (metadata["objectDescribe"]["name"], metadata["objectDescribe"]["labelPlural"]) == (
        "Opportunity",
        "Opportunities",
    )
    assert fields["ParentId"] == {
        "name": "ParentId",
        "label": "Parent Id",
        "type": "reference",
        "length": 18,
        "createable": True,
        "updateable": True,
        "nillable": True,
        "externalId": False,
        "custom": False,
        "referenceTo": ["Account"],
        "relationshipName": "Parent",
    }
    assert [n for n, f in fields.items() if f["externalId"]] == ["PSA_Client_Id__c", "ERP_Customer_Id__c"]
    assert (fields["Id"]["createable"], fields["Name"]["nillable"], fields["Name"]["length"]) == (False, False, 255)


# -- records -----------------------------------------------------------------------------------
def test_get_and_get_by_custom_id(sf):
    by_id = sf.Account.get(salesforce_id("001", 3))
    by_external_id = sf.Account.get_by_custom_id("ERP_Customer_Id__c", "US:2")  # sent as US%3A2
    assert (by_id["Name"], by_id["ParentId"], by_id["Legal_Entity__c"]) == ("Customer 3", salesforce_id("001", 2), "UK")
    assert (by_external_id["Id"], by_external_id["PSA_Client_Id__c"]) == (salesforce_id("001", 2), "1002")
    with pytest.raises(SalesforceResourceNotFound):
        sf.Account.get_by_custom_id("PSA_Client_Id__c", "no-such-client")
    with pytest.raises(SalesforceResourceNotFound) as not_an_external_id:  # as sObject Rows by External ID says
        sf.Account.upsert("Name/Customer 1", {"Phone": "+1 555 0100"})
    assert not_an_external_id.value.content == [
        {"message": "The requested resource does not exist", "errorCode": "NOT_FOUND"}
    ]


def test_create_update_and_delete(org, sf):
    created = sf.Opportunity.create(
        {
            "AccountId": salesforce_id("001", 2),
            "Name": "Engagement 3",
            "StageName": "Closed Won",
            "CloseDate": "2026-11-01",
        }
    )
    updated = sf.Account.update(salesforce_id("001", 1), {"Phone": "+1 555 0100"})
    deleted = sf.Account.delete(salesforce_id("001", 3))
    saved = stored(org, "Opportunity", created["id"])
    assert created == {"id": saved["Id"], "success": True, "errors": []}
    assert (saved["AccountId"], saved["Name"], saved["IsWon"], saved["IsClosed"], saved["IsDeleted"]) == (
        salesforce_id("001", 2),
        "Engagement 3",
        True,
        True,
        False,
    )
    assert (updated, stored(org, "Account", salesforce_id("001", 1))["Phone"]) == (204, "+1 555 0100")
    assert deleted == 204
    assert salesforce_id("001", 3) not in ids(sf.query("SELECT Id FROM Account")["records"])
    assert stored(org, "Account", salesforce_id("001", 3))["IsDeleted"] is True


def test_upsert_creates_then_updates(org, sf):
    first = sf.Account.upsert("PSA_Client_Id__c/9001", {"Name": "Newco"}, raw_response=True)
    second = sf.Account.upsert("PSA_Client_Id__c/9001", {"Name": "Newco Ltd"}, raw_response=True)
    record_id = first.json()["id"]
    assert (first.status_code, first.json()) == (201, {"id": record_id, "success": True, "errors": [], "created": True})
    assert (second.status_code, second.json()) == (
        200,
        {"id": record_id, "success": True, "errors": [], "created": False},
    )
    saved = stored(org, "Account", record_id)
    assert (saved["Name"], saved["PSA_Client_Id__c"]) == ("Newco Ltd", "9001")


def test_an_external_id_several_records_share_is_a_300(org, sf):
    put(org, "Account", [account(5, 5, PSA_Client_Id__c="1001")])
    with pytest.raises(SalesforceMoreThanOneRecord) as several:
        sf.Account.upsert("PSA_Client_Id__c/1001", {"Name": "Either"})
    base = f"/services/data/v{VERSION}/sobjects/Account/"
    assert several.value.content == [base + salesforce_id("001", 1), base + salesforce_id("001", 5)]


# -- limits ------------------------------------------------------------------------------------
def test_limits_and_the_api_usage_header(sf):
    sf.query("SELECT Id FROM Account")
    sf.describe()
    assert (sf.api_usage["api-usage"].used, sf.api_usage["api-usage"].total) == (2, DAILY_API_REQUESTS)
    limits = sf.limits()
    assert limits["DailyApiRequests"] == {"Max": DAILY_API_REQUESTS, "Remaining": DAILY_API_REQUESTS - 3}
    assert sf.api_usage["api-usage"].used == 3
