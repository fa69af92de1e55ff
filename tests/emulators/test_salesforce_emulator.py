"""The Salesforce emulator over real HTTP: auth, SOQL paging and filters, writes, limits, error shapes."""

from __future__ import annotations

import time

import jsonschema
import pytest
import requests

from sandbox.emulators.base import SlidingWindowLimiter
from sandbox.emulators.salesforce import SalesforceEmulator, rename_custom_fields
from sandbox.firm.ids import salesforce_id
from sandbox.store import SandboxStore

TOKEN = "sf-sandbox-token"
API = "/services/data/v62.0"
URL_PATTERN = r"^/services/data/v\d+\.\d/sobjects/(Account|Opportunity)/[A-Za-z0-9]{18}$"

# The query response envelope every extractor relies on, per Salesforce's REST API docs.
QUERY_ENVELOPE = {
    "type": "object",
    "required": ["totalSize", "done", "records"],
    "additionalProperties": False,
    "properties": {
        "totalSize": {"type": "integer", "minimum": 0},
        "done": {"type": "boolean"},
        "nextRecordsUrl": {"type": "string", "pattern": r"^/services/data/v\d+\.\d/query/01g[A-Za-z0-9]{15}-\d+$"},
        "records": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["attributes"],
                "properties": {
                    "attributes": {
                        "type": "object",
                        "required": ["type", "url"],
                        "properties": {
                            "type": {"enum": ["Account", "Opportunity"]},
                            "url": {"type": "string", "pattern": URL_PATTERN},
                        },
                    }
                },
            },
        },
    },
    "if": {"properties": {"done": {"const": False}}},
    "then": {"required": ["nextRecordsUrl"]},
    "else": {"not": {"required": ["nextRecordsUrl"]}},
}


def assert_query_envelope(body: object) -> None:
    jsonschema.validate(body, QUERY_ENVELOPE)


def stamp(minute: int) -> str:
    return f"2026-11-20T10:{minute:02d}:00.000+0000"


def account(n: int, minute: int = 0, **fields) -> dict:
    return {
        "Id": salesforce_id("001", n),
        "IsDeleted": False,
        "Name": f"Customer {n}",
        "ParentId": None,
        "Website": f"https://customer{n}.example",
        "CurrencyIsoCode": "USD",
        "Legal_Entity__c": "US",
        "PSA_Client_Id__c": str(1000 + n),
        "ERP_Customer_Id__c": f"US:{n}",
        "Open_AR__c": 0.0,
        "Tax_Id__c": None,
        "BillingCountry": "United States",
        "CreatedDate": stamp(minute),
        "LastModifiedDate": stamp(minute),
        "SystemModstamp": stamp(minute),
        **fields,
    }


def opportunity(n: int, account_n: int, minute: int = 0, **fields) -> dict:
    return {
        "Id": salesforce_id("006", n),
        "IsDeleted": False,
        "AccountId": salesforce_id("001", account_n),
        "Name": f"Engagement {n}",
        "StageName": "Closed Won",
        "IsWon": True,
        "IsClosed": True,
        "Amount": 50000.0,
        "CloseDate": "2026-10-01",
        "CurrencyIsoCode": "USD",
        "Legal_Entity__c": "US",
        "Billing_Model__c": "Fixed Fee",
        "PSA_Project_Id__c": str(5000 + n),
        "CreatedDate": stamp(minute),
        "LastModifiedDate": stamp(minute),
        "SystemModstamp": stamp(minute),
        **fields,
    }


def put(store, obj: str, records: list[dict]) -> None:
    store.put_many(
        "salesforce", "", obj, [(r["Id"], r, r["SystemModstamp"].replace(".000+0000", "Z")) for r in records]
    )


@pytest.fixture
def firm(store):
    """A parent, its subsidiary and the subsidiary's own subsidiary, a deleted account, two engagements."""
    store.set_meta("credentials", {"salesforce": {"access_token": TOKEN}})
    store.set_meta(
        "legal_entities",
        [
            {"code": "US", "realm_id": "9130", "currency": "USD", "name": "US Inc"},
            {"code": "UK", "realm_id": "9131", "currency": "GBP", "name": "UK Ltd"},
        ],
    )
    put(
        store,
        "Account",
        [
            account(1, 1),
            account(2, 2, ParentId=salesforce_id("001", 1)),
            account(3, 3, ParentId=salesforce_id("001", 2), CurrencyIsoCode="GBP", Legal_Entity__c="UK"),
            account(4, 4, IsDeleted=True),
        ],
    )
    put(
        store,
        "Opportunity",
        [opportunity(1, 1, 5), opportunity(2, 3, 6, StageName="Proposal", IsWon=False, IsClosed=False)],
    )
    return store


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """One loopback server for the module: stopping a server costs the base's 0.5 s poll interval."""
    with SalesforceEmulator(SandboxStore(tmp_path_factory.mktemp("salesforce") / "state.db")).serve() as running:
        yield running


@pytest.fixture
def emulator(server, firm) -> SalesforceEmulator:
    """The server's emulator, initialised afresh on this test's firm (new cursors, faults and limit)."""
    server.emulator.__init__(firm)
    return server.emulator


class Client:
    def __init__(self, base_url: str, token: str = TOKEN):
        self.base_url = base_url
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {token}"

    def get(self, path: str, **kwargs) -> requests.Response:
        return self.session.get(self.base_url + path, timeout=10, **kwargs)

    def patch(self, path: str, body: object) -> requests.Response:
        return self.session.patch(self.base_url + path, json=body, timeout=10)

    def query(self, soql: str, batch_size: int | None = None, resource: str = "query") -> requests.Response:
        headers = {"Sforce-Query-Options": f"batchSize={batch_size}"} if batch_size else {}
        response = self.get(f"{API}/{resource}", params={"q": soql}, headers=headers)
        if response.status_code == 200:
            assert_query_envelope(response.json())
        return response

    def more(self, next_records_url: str) -> dict:
        response = self.get(next_records_url)
        assert response.status_code == 200, response.text
        assert_query_envelope(response.json())
        return response.json()


@pytest.fixture
def sf(server, emulator) -> Client:
    return Client(server.base_url)


def ids(body: dict) -> list[str]:
    return [r["Id"] for r in body["records"]]


# -- the shape check itself --------------------------------------------------------------
@pytest.mark.parametrize(
    "broken",
    [
        {"totalSize": "3", "done": True, "records": []},
        {"totalSize": 1, "records": [{"attributes": {"type": "Account", "url": f"{API}/sobjects/Account/x"}}]},
        {"totalSize": 1, "done": True, "records": [{"Id": "001"}]},
        {"totalSize": 1, "done": False, "records": []},
        {"totalSize": 1, "done": True, "nextRecordsUrl": f"{API}/query/01g5g0000000001AAA-200", "records": []},
        [{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}],
    ],
)
def test_query_envelope_check_rejects_broken_bodies(broken):
    with pytest.raises(jsonschema.ValidationError):
        assert_query_envelope(broken)


# -- auth and the vendor's envelope -------------------------------------------------------
@pytest.mark.parametrize("token", [None, "not-the-token"])
def test_a_missing_or_wrong_token_is_an_invalid_session(server, emulator, token):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = requests.get(
        f"{server.base_url}{API}/query", params={"q": "SELECT Id FROM Account"}, headers=headers, timeout=10
    )
    assert response.status_code == 401
    assert response.json() == [{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}]


def test_the_api_request_limit_is_salesforces_403_without_retry_after(emulator, sf):
    emulator.limiter = SlidingWindowLimiter(2, 60)
    statuses = [sf.query("SELECT Id FROM Account").status_code for _ in range(2)]
    refused = sf.query("SELECT Id FROM Account")
    assert statuses == [200, 200]
    assert refused.status_code == 403
    assert refused.json() == [{"message": "TotalRequests Limit exceeded.", "errorCode": "REQUEST_LIMIT_EXCEEDED"}]
    assert "Retry-After" not in refused.headers


def test_an_injected_storm_stays_a_retryable_429(emulator, sf):
    emulator.faults.rate_limit_next = 1
    storm = sf.query("SELECT Id FROM Account")
    assert (storm.status_code, storm.headers["Retry-After"]) == (429, "1")
    assert sf.query("SELECT Id FROM Account").status_code == 200


def test_an_unsupported_method_gets_the_error_array(sf):
    response = sf.session.put(f"{sf.base_url}{API}/sobjects/Account/{salesforce_id('001', 1)}", timeout=10)
    assert response.status_code == 405
    assert response.json()[0]["errorCode"] == "METHOD_NOT_ALLOWED"


# -- SOQL: paging ----------------------------------------------------------------------------
@pytest.mark.parametrize("count, pages", [(0, [0]), (200, [200]), (201, [200, 1]), (401, [200, 200, 1])])
def test_paging_follows_next_records_url_to_the_last_batch(firm, sf, count, pages):
    put(firm, "Account", [account(100 + n, 30) for n in range(count)])
    body = sf.query("SELECT Id FROM Account WHERE SystemModstamp >= 2026-11-20T10:30:00Z", batch_size=200).json()
    batches = [body]
    while not body["done"]:
        body = sf.more(body["nextRecordsUrl"])
        batches.append(body)
    assert [len(b["records"]) for b in batches] == pages
    assert [b["totalSize"] for b in batches] == [count] * len(pages)
    assert [b["done"] for b in batches] == [False] * (len(pages) - 1) + [True]
    assert "nextRecordsUrl" not in batches[-1]
    assert [i for b in batches for i in ids(b)] == [salesforce_id("001", 100 + n) for n in range(count)]


def test_batch_size_defaults_to_2000_and_is_clamped_to_200_at_least(firm, sf):
    put(firm, "Account", [account(100 + n, 30) for n in range(2001)])
    fresh = "SELECT Id FROM Account WHERE SystemModstamp >= 2026-11-20T10:30:00Z"
    assert len(sf.query(fresh).json()["records"]) == 2000
    assert len(sf.query("SELECT Id FROM Account", batch_size=50).json()["records"]) == 200


@pytest.mark.parametrize("locator", ["01g5g0000000999AAA-200", "garbage"])
def test_an_unknown_query_locator_is_refused(sf, locator):
    response = sf.get(f"{API}/query/{locator}")
    assert response.status_code == 400
    assert response.json() == [{"message": "invalid query locator", "errorCode": "INVALID_QUERY_LOCATOR"}]


def test_a_query_locator_expires_when_left_idle(firm, emulator, sf):
    put(firm, "Account", [account(100 + n, 30) for n in range(201)])
    emulator.cursors.idle_seconds = 0.05
    first = sf.query("SELECT Id FROM Account WHERE SystemModstamp >= 2026-11-20T10:30:00Z", batch_size=200).json()
    time.sleep(0.1)
    response = sf.get(first["nextRecordsUrl"])
    assert (response.status_code, response.json()[0]["errorCode"]) == (400, "INVALID_QUERY_LOCATOR")


def test_limit_caps_the_result(sf):
    body = sf.query("SELECT Id FROM Account ORDER BY Id DESC LIMIT 2").json()
    assert (body["totalSize"], ids(body)) == (2, [salesforce_id("001", 3), salesforce_id("001", 2)])


# -- SOQL: filters, projection, deleted records ------------------------------------------------
def test_system_modstamp_filters_incrementally(sf):
    after = sf.query("SELECT Id FROM Account WHERE SystemModstamp > 2026-11-20T10:02:00.000+0000").json()
    since = sf.query(
        "SELECT Id FROM Account WHERE SystemModstamp >= 2026-11-20T10:02:00Z ORDER BY SystemModstamp DESC"
    ).json()
    window = sf.query(
        "SELECT Id FROM Account WHERE SystemModstamp > 2026-11-20T11:01:00+01:00 "
        "AND SystemModstamp <= 2026-11-20T10:02:00Z"
    ).json()
    assert ids(after) == [salesforce_id("001", 3)]
    assert ids(since) == [salesforce_id("001", 3), salesforce_id("001", 2)]
    assert ids(window) == [salesforce_id("001", 2)]


def test_only_the_selected_fields_come_back(sf):
    body = sf.query("SELECT id, Name, parentid FROM Account WHERE Name = 'customer 2'").json()
    assert body == {
        "totalSize": 1,
        "done": True,
        "records": [
            {
                "attributes": {"type": "Account", "url": f"{API}/sobjects/Account/{salesforce_id('001', 2)}"},
                "Id": salesforce_id("001", 2),
                "Name": "Customer 2",
                "ParentId": salesforce_id("001", 1),
            }
        ],
    }


def test_query_all_includes_deleted_records_and_query_does_not(sf):
    live = sf.query("SELECT Id, IsDeleted FROM Account").json()
    everything = sf.query("SELECT Id, IsDeleted FROM Account", resource="queryAll").json()
    assert ids(live) == [salesforce_id("001", n) for n in (1, 2, 3)]
    assert ids(everything) == [salesforce_id("001", n) for n in (1, 2, 3, 4)]
    assert everything["records"][-1]["IsDeleted"] is True


def test_count_and_in_filters(sf):
    count = sf.query("SELECT COUNT() FROM Opportunity WHERE IsWon = true").json()
    listed = sf.query(
        f"SELECT Id FROM Account WHERE Id IN ('{salesforce_id('001', 3)}', "
        f"'{salesforce_id('001', 1)}') AND Legal_Entity__c != null"
    ).json()
    assert count == {"totalSize": 1, "done": True, "records": []}
    assert ids(listed) == [salesforce_id("001", 1), salesforce_id("001", 3)]


def test_queries_by_id_answer_as_a_scan_would(sf, store):
    """`WHERE Id = ...` and `WHERE Id IN (...)`, alone or within an AND, are read from an index on Id (as
    the corrections' reads of live accounts ask them); ids match in any case, as the other conditions
    still apply, and a deleted record is still only queryAll's."""
    one, two, three, deleted = (salesforce_id("001", n) for n in (1, 2, 3, 4))

    def queried(where: str, resource: str = "query") -> list[str]:
        response = sf.query(f"SELECT Id FROM Account WHERE {where}", resource=resource)
        assert response.status_code == 200, response.text
        return ids(response.json())

    assert queried(f"Id = '{two}'") == [two]
    assert queried(f"Id IN ('{three}', '{one.upper()}', '{salesforce_id('001', 99)}')") == [one, three]
    assert queried(f"Id IN ('{one}', '{three}') AND Legal_Entity__c = 'UK'") == [three]
    assert queried(f"Id = '{one}' OR Legal_Entity__c = 'UK'") == [one, three]  # an OR is not looked up
    assert queried(f"Id IN ('{deleted}', '{two}')") == [two]
    assert queried(f"Id IN ('{deleted}', '{two}')", resource="queryAll") == [two, deleted]
    indexes = {name for (name,) in store._db().execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert "lookup_salesforce_Account_at_Id_any_case" in indexes


@pytest.mark.parametrize(
    "soql, code, fragment",
    [
        ("SELECT Id, Foo__c FROM Account", "INVALID_FIELD", "No such column 'Foo__c' on entity 'Account'"),
        ("SELECT Id FROM Account WHERE Bar > 1", "INVALID_FIELD", "No such column 'Bar' on entity 'Account'"),
        ("SELECT Id FROM Acount", "INVALID_TYPE", "sObject type 'Acount' is not supported"),
        ("SELECT Id FORM Account", "MALFORMED_QUERY", "unexpected token: 'FORM'"),
        ("SELECT Id FROM Account WHERE", "MALFORMED_QUERY", "unexpected end of query"),
        (
            "SELECT Id FROM Account WHERE SystemModstamp > '2026-11-20T10:00:00Z'",
            "INVALID_FIELD",
            "must be of type dateTime and should not be enclosed in quotes",
        ),
        ("SELECT Id FROM Account WHERE SystemModstamp > 2026-11-20T10:00:00 00:00", "MALFORMED_QUERY", "unexpected"),
        ("SELECT Id FROM Account LIMIT 1.5", "MALFORMED_QUERY", "unexpected token: '1.5'"),
        ("SELECT Id FROM Account WHERE Name = 'a' OR Type = 'b' AND Phone = null", "MALFORMED_QUERY", "token: 'AND'"),
        ("SELECT Id FROM Account WHERE (Name = 'a' OR Type = 'b'", "MALFORMED_QUERY", "unexpected end of query"),
        ("SELECT Id, Acount.Name FROM Opportunity", "INVALID_FIELD", "Didn't understand relationship 'Acount'"),
        ("SELECT Id FROM Account WHERE Parent.Foo = 'x'", "INVALID_FIELD", "No such column 'Foo' on entity 'Account'"),
        ("SELECT Id FROM Opportunity WHERE Account.Open_AR__c > '1'", "INVALID_FIELD", "field 'Account.Open_AR__c'"),
        ("", "MALFORMED_QUERY", "A query string has to be specified"),
    ],
)
def test_queries_salesforce_refuses(sf, soql, code, fragment):
    response = sf.query(soql)
    assert response.status_code == 400
    [error] = response.json()
    assert error["errorCode"] == code
    assert fragment in error["message"]


# -- single records ----------------------------------------------------------------------------
def test_get_a_record_and_the_not_found_shapes(sf):
    record = sf.get(f"{API}/sobjects/Account/{salesforce_id('001', 3)}")
    missing = sf.get(f"{API}/sobjects/Account/{salesforce_id('001', 99)}")
    deleted = sf.get(f"{API}/sobjects/Account/{salesforce_id('001', 4)}")
    assert record.status_code == 200
    assert (record.json()["ParentId"], record.json()["Legal_Entity__c"]) == (salesforce_id("001", 2), "UK")
    assert (missing.status_code, missing.json()) == (
        404,
        [{"message": "The requested resource does not exist", "errorCode": "NOT_FOUND"}],
    )
    assert (deleted.status_code, deleted.json()[0]["errorCode"]) == (404, "ENTITY_IS_DELETED")


def test_patch_is_written_and_the_next_incremental_query_sees_it(sf):
    target = salesforce_id("001", 1)
    response = sf.patch(f"{API}/sobjects/Account/{target}", {"Open_AR__c": 1234.5, "Website": "https://new.example"})
    assert (response.status_code, response.content) == (204, b"")
    body = sf.query(
        "SELECT Id, Open_AR__c, Website, SystemModstamp FROM Account WHERE SystemModstamp > 2026-11-20T10:03:00Z"
    ).json()
    [changed] = body["records"]
    assert (changed["Id"], changed["Open_AR__c"], changed["Website"]) == (target, 1234.5, "https://new.example")
    assert changed["SystemModstamp"] > stamp(3) and changed["SystemModstamp"].endswith("+0000")


@pytest.mark.parametrize(
    "fields, status, expected",
    [
        ({"Id": "001000000000001AAA"}, 400, {"errorCode": "INVALID_FIELD_FOR_INSERT_UPDATE", "fields": ["Id"]}),
        (
            {"SystemModstamp": stamp(9)},
            400,
            {"errorCode": "INVALID_FIELD_FOR_INSERT_UPDATE", "fields": ["SystemModstamp"]},
        ),
        (
            {"Nope__c": 1},
            400,
            {"errorCode": "INVALID_FIELD", "message": "No such column 'Nope__c' on sobject of type Account"},
        ),
        ({"Open_AR__c": "lots"}, 400, {"errorCode": "INVALID_TYPE_ON_FIELD_IN_RECORD", "fields": ["Open_AR__c"]}),
        ({"Name": None}, 400, {"errorCode": "REQUIRED_FIELD_MISSING", "fields": ["Name"]}),
        ({"ParentId": "not-an-id"}, 400, {"errorCode": "MALFORMED_ID", "fields": ["ParentId"]}),
        ({"CurrencyIsoCode": "XYZ"}, 400, {"errorCode": "FIELD_INTEGRITY_EXCEPTION", "fields": ["CurrencyIsoCode"]}),
    ],
)
def test_patch_refusals_leave_the_record_unchanged(sf, fields, status, expected):
    path = f"{API}/sobjects/Account/{salesforce_id('001', 2)}"
    before = sf.get(path).json()
    response = sf.patch(path, fields)
    assert response.status_code == status
    [error] = response.json()
    assert expected.items() <= error.items()
    assert sf.get(path).json() == before


def test_a_won_stage_makes_the_opportunity_won_and_closed(sf):
    path = f"{API}/sobjects/Opportunity/{salesforce_id('006', 2)}"
    assert sf.patch(path, {"StageName": "Closed Won"}).status_code == 204
    record = sf.get(path).json()
    assert (record["IsWon"], record["IsClosed"]) == (True, True)


# -- sObject Collections -----------------------------------------------------------------------
def upsert_body(all_or_none: bool) -> dict:
    """An update by PSA client id, a create, and a record whose parent does not exist."""
    return {
        "allOrNone": all_or_none,
        "records": [
            {"attributes": {"type": "Account"}, "PSA_Client_Id__c": "1002", "Open_AR__c": 99.0},
            {
                "attributes": {"type": "Account"},
                "PSA_Client_Id__c": "7777",
                "Name": "New Customer",
                "ParentId": salesforce_id("001", 1),
            },
            {"attributes": {"type": "Account"}, "PSA_Client_Id__c": "1003", "ParentId": salesforce_id("001", 98)},
        ],
    }


def test_upsert_by_external_id_applies_the_valid_records_and_reports_the_failed_one(sf):
    response = sf.patch(f"{API}/composite/sobjects/Account/PSA_Client_Id__c", upsert_body(False))
    assert response.status_code == 200
    updated, created, failed = response.json()
    assert updated == {"id": salesforce_id("001", 2), "success": True, "errors": [], "created": False}
    assert (created["success"], created["created"], created["id"][:3], len(created["id"])) == (True, True, "001", 18)
    assert failed == {
        "success": False,
        "errors": [
            {
                "statusCode": "INVALID_CROSS_REFERENCE_KEY",
                "message": "ParentId: invalid cross reference id",
                "fields": ["ParentId"],
            }
        ],
    }
    rows = sf.query(
        "SELECT Id, Name, ParentId, Open_AR__c, CurrencyIsoCode FROM Account "
        "WHERE SystemModstamp > 2026-11-20T10:04:00Z"
    ).json()["records"]
    assert [(r["Id"], r["Name"], r["ParentId"], r["Open_AR__c"], r["CurrencyIsoCode"]) for r in rows] == [
        (salesforce_id("001", 2), "Customer 2", salesforce_id("001", 1), 99.0, "USD"),
        (created["id"], "New Customer", salesforce_id("001", 1), None, "USD"),
    ]
    assert sf.get(f"{API}/sobjects/Account/{salesforce_id('001', 3)}").json()["ParentId"] == salesforce_id("001", 2)


def test_all_or_none_rolls_every_record_back_when_one_fails(sf):
    response = sf.patch(f"{API}/composite/sobjects/Account/PSA_Client_Id__c", upsert_body(True))
    assert response.status_code == 200
    results = response.json()
    assert [r["success"] for r in results] == [False, False, False]
    assert [r["errors"][0]["statusCode"] for r in results] == [
        "ALL_OR_NONE_OPERATION_ROLLED_BACK",
        "ALL_OR_NONE_OPERATION_ROLLED_BACK",
        "INVALID_CROSS_REFERENCE_KEY",
    ]
    assert sf.query("SELECT Id FROM Account WHERE SystemModstamp > 2026-11-20T10:04:00Z").json()["totalSize"] == 0


@pytest.mark.parametrize(
    "records, code",
    [
        ([{"attributes": {"type": "Account"}, "PSA_Client_Id__c": "1001"}], "DUPLICATE_VALUE"),
        ([{"attributes": {"type": "Account"}, "Name": "No key"}], "MISSING_ARGUMENT"),
        ([{"attributes": {"type": "Account"}, "PSA_Client_Id__c": "1009", "Name": None}], "REQUIRED_FIELD_MISSING"),
    ],
)
def test_upsert_record_level_failures(sf, records, code):
    body = {
        "records": [{"attributes": {"type": "Account"}, "PSA_Client_Id__c": "1001"}, *records]
        if code == "DUPLICATE_VALUE"
        else records
    }
    results = sf.patch(f"{API}/composite/sobjects/Account/PSA_Client_Id__c", body).json()
    assert {r["errors"][0]["statusCode"] for r in results} == {code}


def test_more_than_200_records_are_refused_whole(sf):
    records = [{"attributes": {"type": "Account"}, "PSA_Client_Id__c": str(n), "Name": f"A{n}"} for n in range(201)]
    response = sf.patch(f"{API}/composite/sobjects/Account/PSA_Client_Id__c", {"records": records})
    assert response.status_code == 400
    assert response.json()[0]["errorCode"] == "EXCEEDED_ID_LIMIT"
    assert sf.query("SELECT COUNT() FROM Account").json()["totalSize"] == 3


@pytest.mark.parametrize(
    "path, records, status, code",
    [
        ("Account/Name", [{"attributes": {"type": "Account"}, "Name": "x"}], 400, "INVALID_FIELD"),
        (
            "Account/PSA_Client_Id__c",
            [{"attributes": {"type": "Opportunity"}, "PSA_Client_Id__c": "1"}],
            400,
            "INVALID_TYPE",
        ),
        ("Account/PSA_Client_Id__c", [{"PSA_Client_Id__c": "1001"}], 400, "INVALID_TYPE"),
        (
            "Account/PSA_Client_Id__c",
            [{"attributes": {"type": "Account"}, "PSA_Client_Id__c": "1", "Foo": 1}],
            400,
            "INVALID_FIELD",
        ),
        ("Contact/Email", [{"attributes": {"type": "Contact"}, "Email": "a@b.c"}], 404, "NOT_FOUND"),
    ],
)
def test_malformed_upserts_are_refused_whole(sf, path, records, status, code):
    response = sf.patch(f"{API}/composite/sobjects/{path}", {"records": records})
    assert (response.status_code, response.json()[0]["errorCode"]) == (status, code)


def test_an_org_can_name_its_external_id_fields_differently(firm, sf):
    firm.set_meta("salesforce_external_id_fields", {"Account": ["Harvest_Id__c"], "Opportunity": []})
    created = sf.patch(
        f"{API}/composite/sobjects/Account/Harvest_Id__c",
        {"records": [{"attributes": {"type": "Account"}, "Harvest_Id__c": "h-1", "Name": "Renamed Key Co"}]},
    ).json()
    refused = sf.patch(f"{API}/composite/sobjects/Account/PSA_Client_Id__c", {"records": []})
    assert created[0]["success"] is True
    assert (
        sf.query("SELECT Harvest_Id__c FROM Account WHERE Name = 'Renamed Key Co'").json()["records"][0][
            "Harvest_Id__c"
        ]
        == "h-1"
    )
    assert (refused.status_code, refused.json()[0]["errorCode"]) == (400, "INVALID_FIELD")


def test_an_org_can_name_its_custom_fields_differently(firm, sf):
    rename_custom_fields(firm, {"legal_entity": "Entity_Code__c", "psa_client_id": "Harvest_Client__c"})
    rows = sf.query("SELECT Id, Entity_Code__c, Harvest_Client__c FROM Account ORDER BY Id").json()["records"]
    assert [(r["Entity_Code__c"], r["Harvest_Client__c"]) for r in rows] == [
        ("US", "1001"),
        ("US", "1002"),
        ("UK", "1003"),
    ]
    refused = sf.query("SELECT Legal_Entity__c FROM Opportunity")
    assert (refused.status_code, refused.json()[0]["errorCode"]) == (400, "INVALID_FIELD")
    described = {f["name"]: f["externalId"] for f in sf.get(f"{API}/sobjects/Account/describe").json()["fields"]}
    assert described["Harvest_Client__c"] is True and described["Entity_Code__c"] is False
    assert "PSA_Client_Id__c" not in described and "Legal_Entity__c" not in described
    written = sf.patch(
        f"{API}/sobjects/Account/{salesforce_id('001', 1)}", {"Harvest_Client__c": "2001", "Entity_Code__c": "UK"}
    )
    assert written.status_code == 204
    assert firm.get("salesforce", "", "Account", salesforce_id("001", 1))["Harvest_Client__c"] == "2001"


def test_update_collection_by_id_across_objects(sf):
    response = sf.patch(
        f"{API}/composite/sobjects",
        {
            "allOrNone": False,
            "records": [
                {"attributes": {"type": "Account"}, "id": salesforce_id("001", 3), "Open_AR__c": 10.0},
                {"attributes": {"type": "Opportunity"}, "Id": salesforce_id("006", 1), "Amount": 60000.0},
                {"attributes": {"type": "Account"}, "Open_AR__c": 1.0},
                {"attributes": {"type": "Account"}, "Id": salesforce_id("001", 4), "Open_AR__c": 1.0},
            ],
        },
    )
    assert response.status_code == 200
    assert response.json() == [
        {"id": salesforce_id("001", 3), "success": True, "errors": []},
        {"id": salesforce_id("006", 1), "success": True, "errors": []},
        {
            "success": False,
            "errors": [
                {"statusCode": "MISSING_ARGUMENT", "message": "Id not specified in an update call", "fields": []}
            ],
        },
        {
            "success": False,
            "errors": [
                {"statusCode": "INVALID_CROSS_REFERENCE_KEY", "message": "invalid cross reference id", "fields": []}
            ],
        },
    ]
    assert sf.get(f"{API}/sobjects/Opportunity/{salesforce_id('006', 1)}").json()["Amount"] == 60000.0
