"""The Xero emulator over real HTTP: auth, tenants, paging, If-Modified-Since, where, writes, void,
payments, limits, the identity server, and every body checked against Xero's Accounting contract."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests

from sandbox.emulators.base import SlidingWindowLimiter
from sandbox.emulators.xero import XeroEmulator
from sandbox.emulators.xero_documents import ms_date, put_records
from sandbox.emulators.xero_where import parse_ms_date
from sandbox.store import SandboxStore
from tests.contracts.xero_openapi import validate_xero_response
from tests.emulators.serving import served

TENANT, OTHER_TENANT = "6f1b2a3c-0000-4000-8000-000000000001", "6f1b2a3c-0000-4000-8000-000000000002"
TOKEN = "xero-sandbox-token"
HEADERS = {"Authorization": f"Bearer {TOKEN}", "Xero-tenant-id": TENANT, "Accept": "application/json"}
APP = {"client_id": "XEROAPP", "client_secret": "xero-secret", "refresh_token": "xero-refresh-1", "access_token": TOKEN}
LONG_AGO = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
API = "/api.xro/2.0"


# -- a few contract-valid Xero records ------------------------------------------------------------------
def uid(n: int) -> str:
    return f"00000000-0000-4000-8000-{n:012d}"


def contact(n: int, name: str, *, updated: datetime = LONG_AGO, customer: bool = True) -> dict:
    return {
        "ContactID": uid(n),
        "ContactNumber": f"harvest_client:{n}",
        "ContactStatus": "ACTIVE",
        "Name": name,
        "TaxNumber": f"TX-{n}",
        "IsSupplier": False,
        "IsCustomer": customer,
        "DefaultCurrency": "USD",
        "UpdatedDateUTC": ms_date(updated),
    }


def invoice(
    n: int, client: dict, total: float, *, status: str = "AUTHORISED", type: str = "ACCREC", updated=LONG_AGO
) -> dict:
    return {
        "Type": type,
        "InvoiceID": uid(n),
        "InvoiceNumber": str(1000 + n),
        "Reference": f"harvest_invoice:{n}",
        "Contact": {"ContactID": client["ContactID"], "Name": client["Name"]},
        "Date": ms_date(datetime(2026, 2, 1, tzinfo=UTC)),
        "DueDate": ms_date(datetime(2026, 3, 3, tzinfo=UTC)),
        "Status": status,
        "LineAmountTypes": "Exclusive",
        "LineItems": [
            {
                "LineItemID": uid(n + 500),
                "Description": "January work",
                "Quantity": 1.0,
                "UnitAmount": total,
                "AccountCode": "200",
                "TaxAmount": 0.0,
                "LineAmount": total,
            }
        ],
        "SubTotal": total,
        "TotalTax": 0.0,
        "Total": total,
        "AmountDue": total,
        "AmountPaid": 0.0,
        "AmountCredited": 0.0,
        "CurrencyCode": "USD",
        "UpdatedDateUTC": ms_date(updated),
    }


def credit_note(n: int, client: dict, total: float) -> dict:
    return {
        "Type": "ACCRECCREDIT",
        "CreditNoteID": uid(n),
        "CreditNoteNumber": f"CN-{n}",
        "Contact": {"ContactID": client["ContactID"], "Name": client["Name"]},
        "Date": ms_date(datetime(2026, 2, 15, tzinfo=UTC)),
        "Status": "AUTHORISED",
        "LineAmountTypes": "Exclusive",
        "SubTotal": total,
        "TotalTax": 0.0,
        "Total": total,
        "RemainingCredit": total,
        "CurrencyCode": "USD",
        "UpdatedDateUTC": ms_date(LONG_AGO),
    }


def organisation(tenant: str, name: str) -> dict:
    return {
        "OrganisationID": tenant,
        "Name": name,
        "LegalName": f"{name} Ltd",
        "BaseCurrency": "USD",
        "CountryCode": "US",
        "OrganisationType": "COMPANY",
        "Version": "US",
        "CreatedDateUTC": ms_date(datetime(2025, 6, 1, tzinfo=UTC)),
    }


# -- fixtures ---------------------------------------------------------------------------------------------
def organisations(store: SandboxStore, app: dict = APP) -> SandboxStore:
    """Two organisations the app is connected to; in the first, two customers, three invoices (one a
    bill) and a credit note."""
    store.set_meta("credentials", {"xero": dict(app)})
    store.set_meta(
        "legal_entities", [{"code": "US1", "xero_tenant_id": TENANT}, {"code": "UK1", "xero_tenant_id": OTHER_TENANT}]
    )
    acme, globex = contact(11, "Acme Corp"), contact(12, "Globex Ltd", customer=False)
    put_records(store, TENANT, "Organisation", [organisation(TENANT, "Sandbox US")])
    put_records(store, OTHER_TENANT, "Organisation", [organisation(OTHER_TENANT, "Sandbox UK")])
    put_records(store, TENANT, "Contacts", [acme, globex])
    put_records(
        store,
        TENANT,
        "Invoices",
        [invoice(41, acme, 1000.0), invoice(42, acme, 250.0, status="DRAFT"), invoice(43, globex, 90.0, type="ACCPAY")],
    )
    put_records(store, TENANT, "CreditNotes", [credit_note(71, acme, 100.0)])
    return store


@pytest.fixture
def firm(store: SandboxStore) -> SandboxStore:
    return organisations(store)


@pytest.fixture
def xero(firm: SandboxStore) -> Iterator[tuple[XeroEmulator, str]]:
    """The emulator serving the firm, and its base URL."""
    with served(XeroEmulator(firm)) as emulator_and_url:
        yield emulator_and_url


@pytest.fixture
def base_url(xero: tuple[XeroEmulator, str]) -> str:
    _, url = xero
    return url


@pytest.fixture
def checked(base_url, vendor_contracts: Path):
    """A call whose JSON body must conform to the contract's response for the path template."""

    def call(method: str, template: str, path: str | None = None, *, status: int = 200, headers=HEADERS, **kwargs):
        response = requests.request(method, f"{base_url}{API}{path or template}", headers=headers, timeout=5, **kwargs)
        assert response.status_code == status, response.text
        assert validate_xero_response(vendor_contracts, template, method, status, response.json()) == []
        return response.json()

    return call


def get(url: str, headers: dict = HEADERS, **params) -> requests.Response:
    return requests.get(url, headers=headers, params=params, timeout=5)


def ids(body: dict, collection: str, key: str) -> list[str]:
    return [record[key] for record in body[collection]]


# -- authentication and tenants ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    "headers, status",
    [
        ({**HEADERS, "Authorization": ""}, 401),
        ({**HEADERS, "Authorization": "Bearer wrong-token"}, 401),
        ({**HEADERS, "Authorization": TOKEN}, 401),  # not a bearer token
        ({k: v for k, v in HEADERS.items() if k != "Xero-tenant-id"}, 403),
        ({**HEADERS, "Xero-tenant-id": uid(999)}, 403),  # a tenant this app is not connected to
    ],
)
def test_wrong_credentials_or_tenant_are_refused_as_xero_problem_details(base_url, headers, status):
    response = get(f"{base_url}{API}/Contacts", headers=headers)
    assert response.status_code == status
    assert {k: response.json()[k] for k in ("Title", "Status", "Detail")} == {
        "Title": "Unauthorized" if status == 401 else "Forbidden",
        "Status": status,
        "Detail": "AuthenticationUnsuccessful",
    }


def test_connections_list_every_connected_tenant_with_its_organisation_name(firm, base_url):
    response = get(f"{base_url}/connections", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200
    assert [(c["tenantId"], c["tenantType"], c["tenantName"]) for c in response.json()] == [
        (TENANT, "ORGANISATION", "Sandbox US"),
        (OTHER_TENANT, "ORGANISATION", "Sandbox UK"),
    ]


def test_each_tenant_sees_only_its_own_organisation_and_records(checked):
    other = {**HEADERS, "Xero-tenant-id": OTHER_TENANT}
    assert checked("GET", "/Organisation")["Organisations"][0]["Name"] == "Sandbox US"
    assert checked("GET", "/Organisation", headers=other)["Organisations"][0]["Name"] == "Sandbox UK"
    assert checked("GET", "/Contacts", headers=other) == {"Contacts": []}


# -- reading, paging, If-Modified-Since, where -----------------------------------------------------------
def test_records_are_read_by_id_in_a_one_element_list(firm, checked):
    body = checked("GET", "/Invoices/{InvoiceID}", f"/Invoices/{uid(41)}")
    assert body == {"Invoices": [firm.get("xero", TENANT, "Invoices", uid(41))]}
    assert (
        checked("GET", "/Contacts/{ContactID}", f"/Contacts/{uid(12).upper()}")["Contacts"][0]["Name"] == "Globex Ltd"
    )


def test_an_unknown_id_is_not_found(base_url):
    response = get(f"{base_url}{API}/Invoices/{uid(404)}")
    assert response.status_code == 404 and response.json()["Title"] == "Not Found"


@pytest.mark.parametrize("contacts, page_sizes", [(250, [100, 100, 50]), (100, [100]), (0, [])])
def test_pages_hold_a_hundred_records_and_say_how_many_there_are(store, vendor_contracts, contacts, page_sizes):
    store.set_meta("credentials", {"xero": dict(APP)})
    store.set_meta("legal_entities", [{"xero_tenant_id": TENANT}])
    put_records(store, TENANT, "Contacts", [contact(100 + n, f"Client {n}") for n in range(contacts)])
    with served(XeroEmulator(store)) as (_, base_url):
        pages = [get(f"{base_url}{API}/Contacts", page=n).json() for n in range(1, len(page_sizes) + 2)]
    for page in pages:
        assert validate_xero_response(vendor_contracts, "/Contacts", "GET", 200, page) == []
    assert [len(page["Contacts"]) for page in pages] == [*page_sizes, 0]  # the page after the last is empty
    assert [c["ContactNumber"] for page in pages for c in page["Contacts"]] == [
        f"harvest_client:{100 + n}" for n in range(contacts)
    ]
    assert {(p["pagination"]["pageCount"], p["pagination"]["itemCount"]) for p in pages} == {
        (len(page_sizes), contacts)
    }


def test_line_items_come_with_paged_or_single_invoices_only(checked):
    assert all("LineItems" not in i for i in checked("GET", "/Invoices")["Invoices"])
    assert all(i["LineItems"] for i in checked("GET", "/Invoices", params={"page": 1})["Invoices"])


@pytest.mark.parametrize("params", [{"page": 0}, {"page": "two"}, {"pageSize": 1001}, {"pageSize": 0}])
def test_malformed_paging_is_refused_in_xeros_validation_shape(base_url, params):
    response = get(f"{base_url}{API}/Invoices", **params)
    assert response.status_code == 400
    assert response.json()["Type"] == "ValidationException"
    assert response.json()["Elements"][0]["ValidationErrors"][0]["Message"]


def test_if_modified_since_keeps_records_updated_at_or_after_the_moment(firm, checked):
    recent = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)
    put_records(firm, TENANT, "Contacts", [contact(13, "Initech", updated=recent)])
    put_records(
        firm, TENANT, "Contacts", [contact(14, "Umbrella", updated=recent.replace(second=59, minute=59, hour=9))]
    )

    def since(header: str) -> list[str]:
        return ids(checked("GET", "/Contacts", headers={**HEADERS, "If-Modified-Since": header}), "Contacts", "Name")

    assert since("2026-03-01T10:00:00") == ["Initech"]  # naive means UTC, as Xero reads it
    assert since("2026-03-01T11:00:00+01:00") == ["Initech"]
    assert since("Sun, 01 Mar 2026 09:00:00 GMT") == ["Initech", "Umbrella"]  # an HTTP-date
    assert since("2026-03-02T00:00:00Z") == []


@pytest.mark.parametrize(
    "where, expected",
    [
        ('Type=="ACCREC"', [41, 42]),
        ('Status=="AUTHORISED"', [41, 43]),
        ('Type=="ACCREC" AND Status=="AUTHORISED"', [41]),
        ('Type == "ACCPAY" || Status == "DRAFT"', [42, 43]),
        (f'Contact.ContactID==Guid("{uid(12)}")', [43]),
        ("AmountDue>=250 && AmountDue<1000", [42]),
        ("Date>=DateTime(2026,02,01) AND Date<DateTime(2026,02,02)", [41, 42, 43]),
        ('Reference=="harvest_invoice:41"', [41]),
        ('Status!="DRAFT"', [41, 43]),
    ],
)
def test_where_filters_invoices(checked, where, expected):
    assert ids(checked("GET", "/Invoices", params={"where": where}), "Invoices", "InvoiceID") == [
        uid(n) for n in expected
    ]


@pytest.mark.parametrize(
    "params, expected",
    [
        ({"IDs": f"{uid(43)},{uid(41).upper()}"}, [41, 43]),
        ({"Statuses": "DRAFT,PAID"}, [42]),
        ({"ContactIDs": uid(12)}, [43]),
        ({"InvoiceNumbers": "1041,1042", "Statuses": "AUTHORISED"}, [41]),
    ],
)
def test_list_filters_keep_records_whose_field_is_among_the_values(checked, params, expected):
    assert ids(checked("GET", "/Invoices", params=params), "Invoices", "InvoiceID") == [uid(n) for n in expected]


def test_archived_contacts_are_listed_only_when_asked_for(firm, checked):
    put_records(firm, TENANT, "Contacts", [{**contact(13, "Hooli"), "ContactStatus": "ARCHIVED"}])
    assert ids(checked("GET", "/Contacts"), "Contacts", "Name") == ["Acme Corp", "Globex Ltd"]
    listed = checked("GET", "/Contacts", params={"includeArchived": "true"})
    assert ids(listed, "Contacts", "Name") == ["Acme Corp", "Globex Ltd", "Hooli"]


@pytest.mark.parametrize("params", [{"order": "Date DESC"}, {"searchTerm": "acme"}])
def test_parameters_that_would_reorder_or_search_are_refused_not_ignored(base_url, params):
    response = get(f"{base_url}{API}/Invoices", **params)
    assert response.status_code == 400 and response.json()["Type"] == "ValidationException"


def test_where_on_contacts_finds_customers(checked):
    assert ids(checked("GET", "/Contacts", params={"where": "IsCustomer==true"}), "Contacts", "Name") == ["Acme Corp"]


@pytest.mark.parametrize(
    "where",
    ['Colour=="red"', 'Name.Contains("Acme")', 'Type=="ACCREC" XOR Status=="PAID"', "Type==", '(Type=="ACCREC")'],
)
def test_where_it_cannot_evaluate_is_refused_never_ignored(base_url, where):
    response = get(f"{base_url}{API}/Invoices", where=where)
    assert response.status_code == 400
    assert response.json()["Type"] == "QueryParseException" and response.json()["Message"]


# -- writes -----------------------------------------------------------------------------------------------
def new_invoice(contact_id: str, amount: float, **fields) -> dict:
    line = {"Description": "Consulting", "Quantity": 2, "UnitAmount": amount / 2, "AccountCode": "200"}
    return {"Type": "ACCREC", "Contact": {"ContactID": contact_id}, "LineItems": [line], "Date": "2026-04-01", **fields}


def test_put_creates_a_contact_and_an_invoice_xero_totals_numbers_and_marks_a_customer(firm, checked):
    created = checked(
        "PUT", "/Contacts", json={"Contacts": [{"Name": "Initech", "ContactNumber": "harvest_client:13"}]}
    )
    initech = created["Contacts"][0]
    assert (initech["IsCustomer"], initech["ContactStatus"]) == (False, "ACTIVE")
    body = checked(
        "PUT", "/Invoices", json={"Invoices": [new_invoice(initech["ContactID"], 300.0, Status="AUTHORISED")]}
    )
    saved = body["Invoices"][0]
    assert firm.get("xero", TENANT, "Invoices", saved["InvoiceID"]) == saved
    assert (saved["SubTotal"], saved["Total"], saved["AmountDue"], saved["Status"]) == (
        300.0,
        300.0,
        300.0,
        "AUTHORISED",
    )
    assert saved["InvoiceNumber"] == "INV-0003"  # two sales invoices were there before
    assert parse_ms_date(saved["Date"]) == datetime(2026, 4, 1, tzinfo=UTC)
    assert firm.get("xero", TENANT, "Contacts", initech["ContactID"])["IsCustomer"] is True


def test_post_updates_by_id_and_keeps_what_the_body_omits(firm, checked):
    body = checked(
        "POST",
        "/Invoices/{InvoiceID}",
        f"/Invoices/{uid(42)}",
        json={"Invoices": [{"Reference": "harvest_invoice:99"}]},
    )
    updated = body["Invoices"][0]
    before = invoice(42, contact(11, "Acme Corp"), 250.0, status="DRAFT")
    assert (updated["Reference"], updated["InvoiceNumber"], updated["Total"]) == (
        "harvest_invoice:99",
        before["InvoiceNumber"],
        before["Total"],
    )
    assert parse_ms_date(updated["UpdatedDateUTC"]) > LONG_AGO
    posted = checked(
        "POST", "/Contacts", json={"Contacts": [{"ContactID": uid(12), "EmailAddress": "ap@globex.example"}]}
    )
    assert (posted["Contacts"][0]["Name"], posted["Contacts"][0]["EmailAddress"]) == ("Globex Ltd", "ap@globex.example")


def test_a_batch_with_one_bad_element_saves_nothing_and_names_the_problem(firm, checked):
    before = firm.list("xero", TENANT, "Invoices")
    body = checked(
        "PUT",
        "/Invoices",
        status=400,
        json={"Invoices": [new_invoice(uid(11), 100.0), new_invoice(uid(11), 100.0, InvoiceNumber="1041")]},
    )
    assert (body["ErrorNumber"], body["Type"]) == (10, "ValidationException")
    assert [m["Message"] for e in body["Elements"] for m in e["ValidationErrors"]] == ["Invoice # must be unique."]
    assert firm.list("xero", TENANT, "Invoices") == before


@pytest.mark.parametrize(
    "element, message",
    [
        ({"Type": "ACCREC", "Contact": {"ContactID": uid(999)}}, f"ContactID {uid(999)} could not be found"),
        ({"Type": "SALE", "Contact": {"ContactID": uid(11)}}, "Invoice Type must be ACCREC or ACCPAY"),
        (
            {"Type": "ACCREC", "Contact": {"ContactID": uid(11)}, "Status": "AUTHORISED"},
            "At least one line item is required",
        ),
        (
            {"Type": "ACCREC", "Contact": {"ContactID": uid(11)}, "Status": "PAID"},
            "Invoice not of valid status for modification",
        ),
    ],
)
def test_invalid_invoices_are_refused(checked, element, message):
    body = checked("PUT", "/Invoices", status=400, json={"Invoices": [element]})
    assert body["Elements"][0]["ValidationErrors"] == [{"Message": message}]


def test_contact_names_are_unique_among_active_contacts(checked):
    body = checked("PUT", "/Contacts", status=400, json={"Contacts": [{"Name": "acme corp"}]})
    assert body["Elements"][0]["ValidationErrors"] == [
        {"Message": "The contact name must be unique across all active contacts."}
    ]


# -- void and payments ------------------------------------------------------------------------------------
def void(checked, invoice_id: str, status: int = 200) -> dict:
    return checked(
        "POST",
        "/Invoices/{InvoiceID}",
        f"/Invoices/{invoice_id}",
        status=status,
        json={"Invoices": [{"Status": "VOIDED"}]},
    )


def pay(checked, invoice_id: str, amount: float, status: int = 200) -> dict:
    payment = {"Invoice": {"InvoiceID": invoice_id}, "Account": {"Code": "090"}, "Amount": amount, "Date": "2026-02-10"}
    return checked("PUT", "/Payments", status=status, json={"Payments": [payment]})


def test_void_keeps_the_invoice_with_nothing_due_and_it_cannot_change_again(checked):
    voided = void(checked, uid(41))["Invoices"][0]
    assert (voided["Status"], voided["Total"], voided["AmountDue"]) == ("VOIDED", 1000.0, 0.0)
    assert checked("GET", "/Invoices", params={"where": 'Status=="VOIDED"'})["Invoices"][0]["InvoiceID"] == uid(41)
    refused = checked(
        "POST",
        "/Invoices/{InvoiceID}",
        f"/Invoices/{uid(41)}",
        status=400,
        json={"Invoices": [{"Status": "AUTHORISED"}]},
    )
    assert refused["Elements"][0]["ValidationErrors"] == [{"Message": "Invoice not of valid status for modification"}]


def test_a_draft_is_deleted_not_voided(checked):
    assert void(checked, uid(42), status=400)["Elements"][0]["InvoiceID"] == uid(42)


def test_payments_lower_amount_due_until_the_invoice_is_paid(firm, checked):
    first = pay(checked, uid(41), 400.0)["Payments"][0]
    assert (first["Amount"], first["PaymentType"], first["Invoice"]["InvoiceID"]) == (400.0, "ACCRECPAYMENT", uid(41))
    assert firm.get("xero", TENANT, "Invoices", uid(41))["AmountDue"] == 600.0
    over = pay(checked, uid(41), 600.01, status=400)
    assert over["Elements"][0]["ValidationErrors"] == [
        {"Message": "Payment amount exceeds the amount outstanding on this document"}
    ]
    pay(checked, uid(41), 600.0)
    paid = checked("GET", "/Invoices/{InvoiceID}", f"/Invoices/{uid(41)}")["Invoices"][0]
    assert (paid["Status"], paid["AmountPaid"], paid["AmountDue"]) == ("PAID", 1000.0, 0.0)
    assert parse_ms_date(paid["FullyPaidOnDate"]) == datetime(2026, 2, 10, tzinfo=UTC)
    assert [p["Amount"] for p in checked("GET", "/Payments")["Payments"]] == [400.0, 600.0]
    assert void(checked, uid(41), status=400)["Elements"][0]["ValidationErrors"]


def test_a_draft_cannot_be_paid(checked):
    body = pay(checked, uid(42), 10.0, status=400)
    assert body["Elements"][0]["ValidationErrors"] == [
        {"Message": "Payments can only be made against Authorised documents"}
    ]


def test_credit_notes_are_listed_as_stored(firm, checked):
    assert checked("GET", "/CreditNotes")["CreditNotes"] == firm.list("xero", TENANT, "CreditNotes")


# -- limits -----------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "limits, problem",
    [({"minute": SlidingWindowLimiter(2, 60.0)}, "minute"), ({"day": SlidingWindowLimiter(2, 86400.0)}, "day")],
)
def test_a_tenant_over_its_limit_gets_429_with_retry_after_and_the_problem(firm, limits, problem):
    with served(XeroEmulator(firm, **limits)) as (_, base_url):
        admitted = [get(f"{base_url}{API}/Contacts") for _ in range(2)]
        refused = get(f"{base_url}{API}/Contacts")
        other = get(f"{base_url}{API}/Contacts", headers={**HEADERS, "Xero-tenant-id": OTHER_TENANT})
    assert [r.status_code for r in admitted] == [200, 200] and refused.status_code == 429
    header = "X-MinLimit-Remaining" if problem == "minute" else "X-DayLimit-Remaining"
    assert [r.headers[header] for r in (*admitted, refused)] == ["1", "0", "0"]
    assert refused.headers["X-Rate-Limit-Problem"] == problem
    assert 1 <= int(refused.headers["Retry-After"]) <= (60 if problem == "minute" else 86400)
    assert other.status_code == 200  # the limits are per tenant


def test_limits_are_xeros_own_by_default(xero):
    emulator, _ = xero
    assert (emulator.minute.limit, emulator.minute.window) == (60, 60.0)
    assert (emulator.day.limit, emulator.day.window) == (5000, 86400.0)


# -- the identity server ----------------------------------------------------------------------------------
def refresh(base_url: str, refresh_token: str, *, basic: bool = True, secret: str = APP["client_secret"]):
    form = {"grant_type": "refresh_token", "refresh_token": refresh_token}
    if basic:
        credentials = base64.b64encode(f"{APP['client_id']}:{secret}".encode()).decode()
        return requests.post(f"{base_url}/connect/token", data=form, headers={"Authorization": f"Basic {credentials}"})
    return requests.post(
        f"{base_url}/connect/token", data={**form, "client_id": APP["client_id"], "client_secret": secret}
    )


@pytest.mark.parametrize("basic", [True, False])
def test_refresh_issues_a_half_hour_token_the_api_accepts_and_rotates_the_refresh_token(firm, base_url, basic):
    response = refresh(base_url, APP["refresh_token"], basic=basic)
    assert response.status_code == 200
    token = response.json()
    assert set(token) == {"access_token", "expires_in", "token_type", "refresh_token", "scope"}
    assert (token["expires_in"], token["token_type"]) == (1800, "Bearer")
    assert firm.meta("credentials")["xero"]["refresh_token"] == token["refresh_token"] != APP["refresh_token"]
    assert get(f"{base_url}{API}/Contacts", headers={**HEADERS, "Authorization": f"Bearer {token['access_token']}"}).ok
    spent = refresh(base_url, APP["refresh_token"], basic=basic)
    assert (spent.status_code, spent.json()["error"]) == (400, "invalid_grant")


def test_an_issued_token_expires_after_thirty_minutes(xero):
    emulator, base_url = xero
    token = refresh(base_url, APP["refresh_token"]).json()["access_token"]
    issued = datetime.now(UTC)
    emulator.clock = lambda: issued + timedelta(minutes=29)
    assert get(f"{base_url}{API}/Contacts", headers={**HEADERS, "Authorization": f"Bearer {token}"}).ok
    emulator.clock = lambda: issued + timedelta(minutes=31)
    assert get(f"{base_url}{API}/Contacts", headers={**HEADERS, "Authorization": f"Bearer {token}"}).status_code == 401


def test_a_wrong_client_secret_is_an_invalid_client(base_url):
    response = refresh(base_url, APP["refresh_token"], secret="not-the-secret")
    assert (response.status_code, response.json()["error"]) == (401, "invalid_client")
