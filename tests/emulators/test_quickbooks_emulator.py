"""The QuickBooks Online emulator over real HTTP: auth, query paging and filters, CDC, reads,
SyncToken-guarded writes, requestid replay, batch, throttling, and the XSD contract of every entity."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
import requests

from sandbox.emulators.base import SlidingWindowLimiter
from sandbox.emulators.quickbooks import QuickBooksEmulator
from sandbox.store import SandboxStore
from tests.contracts.quickbooks_xsd import validate_entity

TOKEN = "qbo-test-token"
US, UK = "9130350000000001", "9130350000000002"
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
US_ACTIVE_CUSTOMERS = 5  # plus one inactive
TIME_ACTIVITIES = 5  # ids 160..164, updated 8..4 days ago


def stamp(days_ago: float) -> str:
    return (NOW - timedelta(days=days_ago)).strftime("%Y-%m-%dT%H:%M:%SZ")


def meta(days_ago: float) -> dict:
    return {"CreateTime": stamp(days_ago + 100), "LastUpdatedTime": stamp(days_ago)}


def ref(value: str, name: str | None = None) -> dict:
    return {"value": value, "name": name} if name else {"value": value}


def company_records(realm: str, currency: str, name: str) -> dict[str, list[dict]]:
    return {
        "CompanyInfo": [
            {
                "Id": "1",
                "SyncToken": "0",
                "MetaData": meta(200),
                "CompanyName": name,
                "LegalName": f"{name} Ltd",
                "Country": currency[:2],
                "domain": "QBO",
                "sparse": False,
            }
        ],
        "Preferences": [
            {
                "Id": "1",
                "SyncToken": "0",
                "MetaData": meta(200),
                "CurrencyPrefs": {"MultiCurrencyEnabled": True, "HomeCurrency": ref(currency)},
            }
        ],
        "Employee": [
            {
                "Id": "55",
                "SyncToken": "0",
                "MetaData": meta(90),
                "GivenName": "Ada",
                "FamilyName": "Byron",
                "DisplayName": "Ada Byron",
                "Active": True,
                "PrimaryEmailAddr": {"Address": f"ada@{realm}.example"},
                "BillableTime": True,
            }
        ],
        "Item": [
            {
                "Id": "1",
                "SyncToken": "0",
                "MetaData": meta(300),
                "Name": "Consulting",
                "Type": "Service",
                "Active": True,
                "UnitPrice": 150,
                "IncomeAccountRef": ref("79", "Services"),
            }
        ],
    }


def us_ledger() -> dict[str, list[dict]]:
    customers = [
        {
            "Id": str(n),
            "SyncToken": "0",
            "MetaData": meta(40 - n),
            "DisplayName": f"Client {n}",
            "CompanyName": f"Client {n} Inc",
            "Active": True,
            "CurrencyRef": ref("USD", "United States Dollar"),
            "Balance": 0,
            "BalanceWithJobs": 0,
            "Job": False,
            "WebAddr": {"URI": f"https://client{n}.example"},
        }
        for n in range(1, US_ACTIVE_CUSTOMERS + 1)
    ]
    customers.append(
        {
            "Id": "6",
            "SyncToken": "2",
            "MetaData": meta(3),
            "DisplayName": "Gone Corp",
            "Active": False,
            "CurrencyRef": ref("USD"),
            "Balance": 0,
            "Job": False,
        }
    )
    invoice = {
        "Id": "130",
        "SyncToken": "0",
        "MetaData": meta(2),
        "DocNumber": "1001",
        "TxnDate": "2026-11-18",
        "CustomerRef": ref("1", "Client 1"),
        "CurrencyRef": ref("USD"),
        "TotalAmt": 1500,
        "Balance": 500,
        "PrivateNote": "harvest_invoice:77",
        "Line": [
            {
                "Id": "1",
                "LineNum": 1,
                "Amount": 1500,
                "DetailType": "SalesItemLineDetail",
                "SalesItemLineDetail": {"ItemRef": ref("1", "Consulting"), "Qty": 10, "UnitPrice": 150},
            }
        ],
    }
    payment = {
        "Id": "140",
        "SyncToken": "0",
        "MetaData": meta(1),
        "TxnDate": "2026-11-19",
        "CustomerRef": ref("1"),
        "TotalAmt": 1000,
        "UnappliedAmt": 0,
        "Line": [{"Amount": 1000, "LinkedTxn": [{"TxnId": "130", "TxnType": "Invoice"}]}],
    }
    credit = {
        "Id": "150",
        "SyncToken": "0",
        "MetaData": meta(5),
        "DocNumber": "CM-1",
        "TxnDate": "2026-11-15",
        "CustomerRef": ref("2"),
        "TotalAmt": 100,
        "RemainingCredit": 100,
        "Line": [{"Amount": 100, "DetailType": "SalesItemLineDetail", "SalesItemLineDetail": {"ItemRef": ref("1")}}],
    }
    time = [
        {
            "Id": str(160 + n),
            "SyncToken": "0",
            "MetaData": meta(8 - n),
            "TxnDate": f"2026-11-{12 + n}",
            "NameOf": "Employee",
            "EmployeeRef": ref("55", "Ada Byron"),
            "CustomerRef": ref("1"),
            "ItemRef": ref("1"),
            "BillableStatus": "Billable",
            "HourlyRate": 150,
            "Hours": 7,
            "Minutes": 30,
            "Description": f"harvest_time_entry:{9000 + n}",
        }
        for n in range(TIME_ACTIVITIES)
    ]
    return {
        "Customer": customers,
        "Invoice": [invoice],
        "Payment": [payment],
        "CreditMemo": [credit],
        "TimeActivity": time,
    }


def build_firm(store: SandboxStore) -> None:
    """Two companies: a US one with a small ledger, a UK one with only its name lists."""
    store.set_meta("credentials", {"quickbooks": {"access_token": TOKEN}})
    store.set_meta(
        "legal_entities",
        [
            {"code": "US", "realm_id": US, "currency": "USD", "name": "Firm US"},
            {"code": "UK", "realm_id": UK, "currency": "GBP", "name": "Firm UK"},
        ],
    )
    uk = company_records(UK, "GBP", "Firm UK")
    uk["Customer"] = [
        {
            "Id": "58",
            "SyncToken": "0",
            "MetaData": meta(10),
            "DisplayName": "Brit Ltd",
            "Active": True,
            "CurrencyRef": ref("GBP"),
        }
    ]
    for realm, objects in ((US, {**company_records(US, "USD", "Firm US"), **us_ledger()}), (UK, uk)):
        for name, records in objects.items():
            store.put_many("quickbooks", realm, name, [(r["Id"], r, r["MetaData"]["LastUpdatedTime"]) for r in records])


@pytest.fixture(scope="module")
def firm_qbo(tmp_path_factory):
    """The firm as built, served once for the tests that only read (server start/stop is the slow part)."""
    store = SandboxStore(tmp_path_factory.mktemp("qbo") / "state.db")
    build_firm(store)
    emulator = QuickBooksEmulator(store)
    emulator.clock = lambda: NOW
    with emulator.serve() as running:
        yield Client(running.base_url)


@pytest.fixture
def emulator(store) -> QuickBooksEmulator:
    build_firm(store)
    emulator = QuickBooksEmulator(store)
    emulator.clock = lambda: NOW
    return emulator


@pytest.fixture
def qbo(emulator):
    with emulator.serve() as running:
        yield Client(running.base_url)


class Client:
    def __init__(self, base_url: str, token: str = TOKEN):
        self.base_url = base_url
        self.session = requests.Session()
        self.session.headers.update({"Authorization": f"Bearer {token}", "Accept": "application/json"})

    def get(self, realm: str, path: str, **params) -> requests.Response:
        return self.session.get(
            f"{self.base_url}/v3/company/{realm}/{path}", params={**params, "minorversion": 75}, timeout=10
        )

    def query(self, text: str, realm: str = US) -> requests.Response:
        return self.get(realm, "query", query=text)

    def post(self, realm: str, path: str, body, **params) -> requests.Response:
        return self.session.post(f"{self.base_url}/v3/company/{realm}/{path}", json=body, params=params, timeout=10)


def ids(response: requests.Response, entity: str) -> list[str]:
    assert response.status_code == 200, response.text
    return [record["Id"] for record in response.json()["QueryResponse"].get(entity, [])]


def fault_code(response: requests.Response) -> str:
    return response.json()["Fault"]["Error"][0]["code"]


# -- auth ---------------------------------------------------------------------------------------
def test_a_missing_or_wrong_token_gets_qbo_authentication_fault(emulator):
    with emulator.serve() as running:
        for client in (Client(running.base_url, token="stale"), Client(running.base_url, token="")):
            response = client.query("select * from Customer")
            assert response.status_code == 401
            error = response.json()["fault"]["error"][0]
            assert error["code"] == "3200"
            assert error["message"] == "message=AuthenticationFailed; errorCode=003200; statusCode=401"
            assert response.json()["fault"]["type"] == "AUTHENTICATION"


def test_an_unknown_realm_is_forbidden(firm_qbo):
    response = firm_qbo.query("select * from Customer", realm="123")
    assert response.status_code == 403
    assert fault_code(response) == "3100"


# -- query --------------------------------------------------------------------------------------
PAGED = [("Customer", ["1", "2", "3", "4", "5"]), ("TimeActivity", ["160", "161", "162", "163", "164"])]


@pytest.mark.parametrize("entity, all_ids", PAGED)
def test_paging_exactly_one_page_then_an_empty_page(firm_qbo, entity, all_ids):
    first = firm_qbo.query(f"select * from {entity} startposition 1 maxresults 5")
    assert ids(first, entity) == all_ids
    assert first.json()["QueryResponse"]["startPosition"] == 1
    assert first.json()["QueryResponse"]["maxResults"] == 5
    after = firm_qbo.query(f"select * from {entity} startposition 6 maxresults 5")
    assert after.status_code == 200
    assert after.json()["QueryResponse"] == {}
    assert "time" in after.json()


@pytest.mark.parametrize("entity, all_ids", PAGED)
def test_paging_one_page_plus_one(firm_qbo, entity, all_ids):
    first = firm_qbo.query(f"SELECT * FROM {entity} STARTPOSITION 1 MAXRESULTS 4")
    second = firm_qbo.query(f"SELECT * FROM {entity} STARTPOSITION 5 MAXRESULTS 4")
    assert ids(first, entity) == all_ids[:4]
    assert ids(second, entity) == all_ids[4:]
    assert second.json()["QueryResponse"]["startPosition"] == 5
    assert second.json()["QueryResponse"]["maxResults"] == 1


def test_default_page_is_100_and_orderby_sorts(firm_qbo):
    assert ids(firm_qbo.query("select * from TimeActivity orderby Id desc"), "TimeActivity") == [
        "164",
        "163",
        "162",
        "161",
        "160",
    ]
    assert firm_qbo.query("select * from TimeActivity").json()["QueryResponse"]["maxResults"] == 5


def test_an_entity_without_records_returns_an_empty_query_response(firm_qbo):
    response = firm_qbo.query("select * from Invoice", realm=UK)
    assert response.status_code == 200
    assert response.json()["QueryResponse"] == {}


def test_realms_are_isolated(firm_qbo):
    assert ids(firm_qbo.query("select * from Customer", realm=UK), "Customer") == ["58"]


def test_maxresults_above_1000_is_rejected(firm_qbo):
    response = firm_qbo.query("select * from Customer maxresults 1001")
    assert response.status_code == 400
    assert fault_code(response) == "4001"


@pytest.mark.parametrize("literal", ["5", "true", "'yesterday'"])
def test_a_date_time_compared_with_anything_but_iso_text_is_a_validation_error(firm_qbo, literal):
    response = firm_qbo.query(f"select * from Customer where MetaData.LastUpdatedTime >= {literal}")
    assert response.status_code == 400
    assert fault_code(response) == "4001"


def test_count_star_returns_total_count(firm_qbo):
    assert firm_qbo.query("select count(*) from Customer").json()["QueryResponse"] == {"totalCount": 5}
    all_customers = firm_qbo.query("select count(*) from Customer where Active in (true, false)")
    assert all_customers.json()["QueryResponse"] == {"totalCount": 6}
    assert firm_qbo.query("select count(*) from TimeActivity").json()["QueryResponse"] == {"totalCount": 5}
    recent = firm_qbo.query(f"select count(*) from TimeActivity where MetaData.LastUpdatedTime >= '{stamp(5)}'")
    assert recent.json()["QueryResponse"] == {"totalCount": 2}


@pytest.mark.parametrize(
    "entity, since_days, expected",
    [
        ("Customer", 36, ["4", "5"]),  # customers 1..5 were updated 39..35 days ago
        ("TimeActivity", 5, ["163", "164"]),  # time activities 160..164 were updated 8..4 days ago
    ],
)
def test_last_updated_time_filter(firm_qbo, entity, since_days, expected):
    since = stamp(since_days)
    assert (
        ids(firm_qbo.query(f"select * from {entity} where MetaData.LastUpdatedTime >= '{since}'"), entity) == expected
    )
    pacific = (NOW - timedelta(days=since_days)).astimezone(timezone(timedelta(hours=-8))).isoformat()
    assert (
        ids(firm_qbo.query(f"select * from {entity} where Metadata.LastUpdatedTime >= '{pacific}'"), entity) == expected
    )
    assert (
        ids(firm_qbo.query(f"select * from {entity} where MetaData.LastUpdatedTime > '{since}'"), entity)
        == expected[1:]
    )
    paged = firm_qbo.query(
        f"select * from {entity} where MetaData.LastUpdatedTime >= '{since}' startposition 2 maxresults 1"
    )
    assert ids(paged, entity) == expected[1:]


def test_inactive_customers_are_hidden_unless_asked_for(firm_qbo):
    assert "6" not in ids(firm_qbo.query("select * from Customer"), "Customer")
    assert ids(firm_qbo.query("select * from Customer where Active in (true,false) orderby Id"), "Customer") == [
        "1",
        "2",
        "3",
        "4",
        "5",
        "6",
    ]
    assert ids(firm_qbo.query("SELECT * FROM customer WHERE active = false"), "Customer") == ["6"]
    since = stamp(10)
    assert ids(
        firm_qbo.query(
            f"select * from Customer where MetaData.LastUpdatedTime >= '{since}' and Active in (true, false)"
        ),
        "Customer",
    ) == ["6"]


def test_named_properties_are_accepted_and_whole_entities_returned(firm_qbo):
    """QBO parses a property list (python-quickbooks sends `SELECT *, Sku FROM Item`) but does not
    project: every property comes back (developer.intuit.com, "Data queries")."""
    whole = firm_qbo.query("select * from Customer").json()["QueryResponse"]["Customer"]
    named = firm_qbo.query("select Id, DisplayName from Customer").json()["QueryResponse"]["Customer"]
    assert named == whole and set(named[0]) > {"Id", "DisplayName"}


def test_like_matches_with_percent_and_ignores_case(firm_qbo):
    found = firm_qbo.query("select * from Customer where DisplayName like 'client%'")
    assert ids(found, "Customer") == ["1", "2", "3", "4", "5"]
    assert ids(firm_qbo.query("select * from Customer where DisplayName like '%3'"), "Customer") == ["3"]


@pytest.mark.parametrize(
    "text",
    [
        "select * form Customer",
        "select * from Nonsense",
        "select Id Customer",
        "select * from Customer where Active = true or Active = false",
        "select * from Customer maxresults",
    ],
)
def test_malformed_query_gets_parse_fault(firm_qbo, text):
    response = firm_qbo.query(text)
    assert response.status_code == 400
    body = response.json()
    assert body["Fault"]["type"] == "ValidationFault"
    assert body["Fault"]["Error"][0]["Message"] == "Error parsing query"
    assert body["Fault"]["Error"][0]["code"] == "4000"


# -- cdc and reads ------------------------------------------------------------------------------
def test_cdc_returns_changes_per_entity_including_inactive(firm_qbo):
    response = firm_qbo.get(US, "cdc", entities="Customer,Invoice,Employee", changedSince=stamp(3))
    assert response.status_code == 200
    [block] = response.json()["CDCResponse"]
    customers, invoices, employees = block["QueryResponse"]
    assert [c["Id"] for c in customers["Customer"]] == ["6"]
    assert customers["totalCount"] == customers["maxResults"] == 1
    assert [i["Id"] for i in invoices["Invoice"]] == ["130"]
    assert employees == {}


def test_cdc_rejects_changed_since_older_than_30_days(firm_qbo):
    response = firm_qbo.get(US, "cdc", entities="Customer", changedSince=stamp(31))
    assert response.status_code == 400
    assert "older than fixed days" in response.json()["Fault"]["Error"][0]["Detail"]


def test_read_by_id_and_object_not_found(firm_qbo):
    response = firm_qbo.get(US, "customer/3")
    assert response.status_code == 200
    assert response.json()["Customer"]["DisplayName"] == "Client 3"
    missing = firm_qbo.get(US, "customer/999")
    assert missing.status_code == 400
    assert fault_code(missing) == "610"
    assert firm_qbo.get(UK, f"companyinfo/{UK}").json()["CompanyInfo"]["CompanyName"] == "Firm UK"
    assert firm_qbo.get(UK, "preferences").json()["Preferences"]["CurrencyPrefs"]["HomeCurrency"]["value"] == "GBP"


# -- writes -------------------------------------------------------------------------------------
def test_sparse_update_with_fresh_token_applies_and_stale_token_is_refused(qbo, store):
    fresh = qbo.post(US, "customer", {"Id": "2", "SyncToken": "0", "sparse": True, "Notes": "checked"})
    assert fresh.status_code == 200, fresh.text
    updated = fresh.json()["Customer"]
    assert updated["SyncToken"] == "1"
    assert updated["Notes"] == "checked" and updated["DisplayName"] == "Client 2"
    assert updated["MetaData"]["LastUpdatedTime"] == NOW.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert updated["MetaData"]["CreateTime"] == stamp(138)
    stale = qbo.post(US, "customer", {"Id": "2", "SyncToken": "0", "sparse": True, "Notes": "lost"})
    assert stale.status_code == 400
    assert stale.json()["Fault"]["Error"][0]["Message"] == "Stale Object Error"
    assert fault_code(stale) == "5010"
    assert store.get("quickbooks", US, "Customer", "2")["Notes"] == "checked"
    since = stamp(0)
    assert ids(qbo.query(f"select * from Customer where MetaData.LastUpdatedTime >= '{since}'"), "Customer") == ["2"]


def test_full_update_drops_omitted_fields(qbo):
    response = qbo.post(US, "customer", {"Id": "3", "SyncToken": "0", "DisplayName": "Client Three"})
    customer = response.json()["Customer"]
    assert "WebAddr" not in customer and "CompanyName" not in customer
    assert customer["FullyQualifiedName"] == "Client Three"


def test_create_assigns_the_next_id_and_derives_the_hierarchy(qbo):
    created = qbo.post(US, "customer", {"DisplayName": "Project X", "ParentRef": {"value": "1"}, "IsProject": True})
    assert created.status_code == 200, created.text
    customer = created.json()["Customer"]
    assert (customer["Id"], customer["SyncToken"], customer["Job"], customer["Level"]) == ("7", "0", True, 1)
    assert customer["FullyQualifiedName"] == "Client 1:Project X"
    duplicate = qbo.post(US, "customer", {"DisplayName": "client 1"})
    assert duplicate.status_code == 400 and fault_code(duplicate) == "6240"
    missing = qbo.post(US, "invoice", {"CustomerRef": {"value": "1"}})
    assert missing.status_code == 400 and fault_code(missing) == "2020"


def test_a_replayed_requestid_returns_the_first_response_without_applying_again(qbo, store):
    body = {"Id": "4", "SyncToken": "0", "sparse": True, "Notes": "once"}
    first = qbo.post(US, "customer", body, requestid="req-1")
    again = qbo.post(US, "customer", body, requestid="req-1")
    assert first.status_code == again.status_code == 200
    assert again.json() == first.json()
    assert store.get("quickbooks", US, "Customer", "4")["SyncToken"] == "1"
    created = [qbo.post(US, "item", {"Name": "Travel", "Type": "Service"}, requestid="req-2") for _ in range(2)]
    assert created[0].json() == created[1].json()
    assert ids(qbo.query("select * from Item"), "Item") == ["1", "2"]
    other_realm = qbo.post(
        UK, "customer", {"Id": "58", "SyncToken": "0", "sparse": True, "Notes": "uk"}, requestid="req-1"
    )
    assert other_realm.json()["Customer"]["SyncToken"] == "1"


def test_deleted_transactions_leave_a_cdc_tombstone_and_their_id_unused(qbo, vendor_contracts):
    stale = qbo.post(US, "invoice", {"Id": "130", "SyncToken": "5"}, operation="delete")
    assert stale.status_code == 400 and fault_code(stale) == "5010"
    deleted = qbo.post(US, "invoice", {"Id": "130", "SyncToken": "0"}, operation="delete")
    assert deleted.json()["Invoice"] == {"domain": "QBO", "status": "Deleted", "Id": "130"}
    assert fault_code(qbo.get(US, "invoice/130")) == "610"
    [changes] = qbo.get(US, "cdc", entities="Invoice", changedSince=stamp(1)).json()["CDCResponse"][0]["QueryResponse"]
    [tombstone] = changes["Invoice"]
    assert (tombstone["Id"], tombstone["status"]) == ("130", "Deleted")
    assert validate_entity(vendor_contracts / "quickbooks", "Invoice", tombstone) == []
    recreated = qbo.post(
        US,
        "invoice",
        {
            "CustomerRef": {"value": "1"},
            "Line": [
                {"Amount": 10, "DetailType": "SalesItemLineDetail", "SalesItemLineDetail": {"ItemRef": {"value": "1"}}}
            ],
        },
    )
    assert recreated.json()["Invoice"]["Id"] == "131"
    customer = qbo.post(US, "customer", {"Id": "1", "SyncToken": "0"}, operation="delete")
    assert customer.status_code == 400 and fault_code(customer) == "500"


def test_batch_reports_a_fault_for_the_failing_item_only(qbo, store):
    response = qbo.post(
        US,
        "batch",
        {
            "BatchItemRequest": [
                {"bId": "b1", "operation": "create", "Customer": {"DisplayName": "Batch Co"}},
                {
                    "bId": "b2",
                    "operation": "update",
                    "Customer": {"Id": "5", "SyncToken": "9", "sparse": True, "Notes": "x"},
                },
                {"bId": "b3", "Query": "select count(*) from Customer"},
                {"bId": "b4", "operation": "update", "Customer": {"SyncToken": "0", "Notes": "no id"}},
            ]
        },
    )
    assert response.status_code == 200
    items = {item["bId"]: item for item in response.json()["BatchItemResponse"]}
    assert items["b1"]["Customer"]["DisplayName"] == "Batch Co"
    assert items["b2"]["Fault"]["Error"][0]["code"] == "5010"
    assert items["b3"]["QueryResponse"] == {"totalCount": 6}
    assert items["b4"]["Fault"]["Error"][0]["code"] == "2020"
    assert store.get("quickbooks", US, "Customer", "5")["SyncToken"] == "0"


def test_batch_of_more_than_30_items_is_rejected(qbo):
    items = [{"bId": str(n), "operation": "create", "Item": {"Name": f"I{n}"}} for n in range(31)]
    response = qbo.post(US, "batch", {"BatchItemRequest": items})
    assert response.status_code == 400
    assert ids(qbo.query("select * from Item"), "Item") == ["1"]


# -- throttle -----------------------------------------------------------------------------------
def test_throttle_is_per_realm_with_qbo_fault(store):
    build_firm(store)
    emulator = QuickBooksEmulator(store, limiter=SlidingWindowLimiter(2, 60.0))
    with emulator.serve() as running:
        qbo = Client(running.base_url)
        assert [qbo.query("select * from Item").status_code for _ in range(2)] == [200, 200]
        throttled = qbo.query("select * from Item")
        assert throttled.status_code == 429
        assert throttled.json()["Fault"]["Error"][0]["code"] == "3001"
        assert "ThrottleExceeded" in throttled.json()["Fault"]["Error"][0]["Message"]
        assert int(throttled.headers["Retry-After"]) >= 1
        assert qbo.query("select * from Item", realm=UK).status_code == 200


def test_default_limiter_is_qbo_500_per_minute(store):
    limiter = QuickBooksEmulator(store).limiter
    assert (limiter.limit, limiter.window) == (500, 60.0)


# -- contract -----------------------------------------------------------------------------------
ALL_ENTITIES = (
    "CompanyInfo",
    "Preferences",
    "Customer",
    "Employee",
    "Item",
    "Invoice",
    "Payment",
    "CreditMemo",
    "TimeActivity",
)


def test_every_served_entity_matches_the_xsd(qbo, vendor_contracts):
    contracts = vendor_contracts / "quickbooks"
    served: list[tuple[str, dict]] = []
    for realm in (US, UK):
        for entity in ALL_ENTITIES:
            body = qbo.query(
                f"select * from {entity} where Active in (true, false)"
                if entity in ("Customer", "Employee", "Item")
                else f"select * from {entity}",
                realm=realm,
            ).json()
            served += [(entity, record) for record in body["QueryResponse"].get(entity, [])]
    served.append(
        (
            "Customer",
            qbo.post(US, "customer", {"DisplayName": "New Co", "ParentRef": {"value": "1"}}).json()["Customer"],
        )
    )
    served.append(
        (
            "Invoice",
            qbo.post(
                US,
                "invoice",
                {
                    "CustomerRef": {"value": "2"},
                    "Line": [
                        {
                            "Amount": 300,
                            "DetailType": "SalesItemLineDetail",
                            "SalesItemLineDetail": {"ItemRef": {"value": "1"}},
                        }
                    ],
                },
            ).json()["Invoice"],
        )
    )
    cdc = qbo.get(US, "cdc", entities="Customer,Invoice,Payment", changedSince=stamp(30)).json()
    served += [
        (entity, record)
        for block in cdc["CDCResponse"][0]["QueryResponse"]
        for entity, records in block.items()
        if entity in ALL_ENTITIES
        for record in records
    ]
    assert {entity for entity, _ in served} == set(ALL_ENTITIES)
    problems = {f"{entity} {record['Id']}": validate_entity(contracts, entity, record) for entity, record in served}
    assert {key: errors for key, errors in problems.items() if errors} == {}


def test_the_contract_catches_a_misspelt_key(vendor_contracts):
    contracts = vendor_contracts / "quickbooks"
    good = us_ledger()["Customer"][0]
    assert validate_entity(contracts, "Customer", good) == []
    errors = validate_entity(contracts, "Customer", {**good, "DisplayNme": "Client 1"})
    assert errors == ["Customer.DisplayNme: not defined by Customer"]
    nested = validate_entity(contracts, "Customer", {**good, "CurrencyRef": {"valu": "USD"}})
    assert "Customer.CurrencyRef.valu: not defined by ReferenceType" in nested
    assert "Customer.CurrencyRef: missing required key 'value' of ReferenceType" in nested
    meta_errors = validate_entity(contracts, "Invoice", {**us_ledger()["Invoice"][0], "MetaData": {"LastUpdated": "x"}})
    assert meta_errors == ["Invoice.MetaData.LastUpdated: not defined by ModificationMetaData"]
    shapes = validate_entity(contracts, "Invoice", {"Line": {"Amount": "12"}, "TotalAmt": "12"})
    assert "Invoice.Line: repeated element must be an array" in shapes
    assert any(e.startswith("Invoice.TotalAmt:") for e in shapes)
    assert validate_entity(contracts, "TimeActivity", {"BillableStatus": "Maybe"}) == [
        "TimeActivity.BillableStatus: 'Maybe' is not one of BillableStatusEnum's values"
    ]


def test_lookups_by_document_number_customer_and_id_answer_as_a_scan_would(qbo, store):
    """`where DocNumber in (...)`, `where CustomerRef = ...` and `where Id ...` are answered from an
    index on the field (as QuickBooks answers them, and as the corrections ask them), with the other
    conditions still applied; the answer is what filtering every record gives."""
    [invoice] = store.list("quickbooks", US, "Invoice")
    for record_id, number, customer in (("131", "1001-1", "2"), ("132", "2002", "1")):
        store.put(
            "quickbooks",
            US,
            "Invoice",
            record_id,
            {**invoice, "Id": record_id, "DocNumber": number, "CustomerRef": ref(customer)},
            stamp(1),
        )

    def scanned(entity: str, keep) -> list[str]:
        return [r["Id"] for r in store.list("quickbooks", US, entity) if keep(r)]

    assert ids(qbo.query("select * from Invoice where DocNumber in ('1001', '1001-1')"), "Invoice") == scanned(
        "Invoice", lambda r: r["DocNumber"] in ("1001", "1001-1")
    )
    assert ids(qbo.query("select * from Invoice where CustomerRef = '1'"), "Invoice") == scanned(
        "Invoice", lambda r: r["CustomerRef"]["value"] == "1"
    )
    assert ids(qbo.query("select * from Payment where CustomerRef = '1'"), "Payment") == scanned(
        "Payment", lambda r: r["CustomerRef"]["value"] == "1"
    )
    assert ids(qbo.query("select * from Invoice where Id in ('131', '132', '999')"), "Invoice") == ["131", "132"]
    assert ids(qbo.query("select * from Invoice where DocNumber = '2002' and CustomerRef = '2'"), "Invoice") == []
    indexes = {name for (name,) in store._db().execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert {
        "lookup_quickbooks_Invoice_at_DocNumber",
        "lookup_quickbooks_Invoice_at_CustomerRef_value",
        "lookup_quickbooks_Payment_at_CustomerRef_value",
        "lookup_quickbooks_Invoice_at_Id",
    } <= indexes
