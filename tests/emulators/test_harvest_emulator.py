"""The Harvest emulator over real HTTP: auth, paging, filters, writes, limits, faults, and the contract."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import AbstractContextManager
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from urllib3.util import SKIP_HEADER

from sandbox.emulators.base import Faults, SlidingWindowLimiter
from sandbox.emulators.harvest import HarvestEmulator
from sandbox.store import SandboxStore
from tests.contracts.harvest_openapi import validate_harvest_response
from tests.emulators.serving import served

ACCOUNT_ID, TOKEN = "1234567", "pat-sandbox-token"
HEADERS = {
    "Authorization": f"Bearer {TOKEN}",
    "Harvest-Account-Id": ACCOUNT_ID,
    "User-Agent": "tieout tests (finance-data@example.com)",
}
LONG_AGO = "2026-01-05T09:00:00Z"


# -- a few contract-valid Harvest records ------------------------------------------------------------
def harvest_client(
    id: int, name: str, *, updated_at: str = LONG_AGO, is_active: bool = True, currency: str = "USD"
) -> dict:
    return {
        "id": id,
        "name": name,
        "is_active": is_active,
        "address": "1 Main St.\nAnytown",
        "statement_key": f"key{id}",
        "currency": currency,
        "created_at": "2026-01-02T08:00:00Z",
        "updated_at": updated_at,
    }


def harvest_project(id: int, client: dict, *, code: str = "006000000000001AAA") -> dict:
    return {
        "id": id,
        "client": {"id": client["id"], "name": client["name"], "currency": client["currency"]},
        "name": f"Project {id}",
        "code": code,
        "is_active": True,
        "is_billable": True,
        "is_fixed_fee": False,
        "bill_by": "Project",
        "hourly_rate": 150.0,
        "budget": 30000.0,
        "budget_by": "project",
        "budget_is_monthly": False,
        "notify_when_over_budget": False,
        "over_budget_notification_percentage": 80.0,
        "over_budget_notification_date": None,
        "show_budget_to_all": False,
        "cost_budget": None,
        "cost_budget_include_expenses": False,
        "fee": None,
        "notes": "",
        "starts_on": "2026-01-05",
        "ends_on": None,
        "created_at": "2026-01-05T08:00:00Z",
        "updated_at": LONG_AGO,
    }


def harvest_task(id: int, name: str) -> dict:
    return {
        "id": id,
        "name": name,
        "billable_by_default": True,
        "default_hourly_rate": 150.0,
        "is_default": True,
        "is_active": True,
        "created_at": "2026-01-01T08:00:00Z",
        "updated_at": LONG_AGO,
    }


def harvest_time_entry(
    id: int, project: dict, task: dict, spent_date: str, *, hours: float = 2.5, is_billed: bool = False
) -> dict:
    user = {"id": 501, "name": "Kim Allen"}
    client = {"id": project["client"]["id"], "name": project["client"]["name"]}
    return {
        "id": id,
        "spent_date": spent_date,
        "user": user,
        "client": client,
        "project": {"id": project["id"], "name": project["name"]},
        "task": {"id": task["id"], "name": task["name"]},
        "user_assignment": {
            "id": 9001,
            "is_project_manager": False,
            "is_active": True,
            "use_default_rates": True,
            "budget": None,
            "hourly_rate": 150.0,
            "created_at": LONG_AGO,
            "updated_at": LONG_AGO,
        },
        "task_assignment": {
            "id": 9101,
            "billable": True,
            "is_active": True,
            "hourly_rate": 150.0,
            "budget": None,
            "created_at": LONG_AGO,
            "updated_at": LONG_AGO,
        },
        "external_reference": None,
        "invoice": None,
        "hours": hours,
        "hours_without_timer": hours,
        "rounded_hours": hours,
        "notes": "Design review",
        "is_locked": True,
        "locked_reason": "Item Approved and Locked for this Time Period",
        "is_closed": True,
        "is_billed": is_billed,
        "timer_started_at": None,
        "started_time": None,
        "ended_time": None,
        "is_running": False,
        "billable": True,
        "budgeted": True,
        "billable_rate": 150.0,
        "cost_rate": 80.0,
        "created_at": f"{spent_date}T18:00:00Z",
        "updated_at": LONG_AGO,
    }


def harvest_invoice(
    id: int,
    client: dict,
    project: dict,
    *,
    amount: float,
    due_amount: float,
    issue_date: str = "2026-02-01",
    state: str = "open",
) -> dict:
    return {
        "id": id,
        "client_key": f"ck{id}",
        "number": str(1000 + id),
        "purchase_order": "",
        "amount": amount,
        "due_amount": due_amount,
        "tax": None,
        "tax_amount": 0.0,
        "tax2": None,
        "tax2_amount": 0.0,
        "discount": None,
        "discount_amount": 0.0,
        "subject": "Consulting",
        "notes": "",
        "currency": "USD",
        "state": state,
        "period_start": "2026-01-01",
        "period_end": "2026-01-31",
        "issue_date": issue_date,
        "due_date": "2026-03-03",
        "payment_term": "net 30",
        "payment_options": ["ach"],
        "sent_at": LONG_AGO,
        "paid_at": None,
        "paid_date": None,
        "closed_at": None,
        "recurring_invoice_id": None,
        "created_at": LONG_AGO,
        "updated_at": LONG_AGO,
        "client": {"id": client["id"], "name": client["name"]},
        "estimate": None,
        "retainer": None,
        "creator": {"id": 501, "name": "Kim Allen"},
        "line_items": [
            {
                "id": id * 10,
                "kind": "Service",
                "description": "January work",
                "quantity": 1.0,
                "unit_price": amount,
                "amount": amount,
                "taxed": False,
                "taxed2": False,
                "project": {"id": project["id"], "name": project["name"], "code": project["code"]},
            }
        ],
    }


def harvest_payment(id: int, invoice: dict, amount: float) -> dict:
    return {
        "id": id,
        "amount": amount,
        "paid_at": "2026-02-10T00:00:00Z",
        "paid_date": "2026-02-10",
        "recorded_by": "Kim Allen",
        "recorded_by_email": "kim@example.com",
        "notes": "Wire",
        "transaction_id": None,
        "payment_gateway": {"id": None, "name": None},
        "created_at": "2026-02-10T12:00:00Z",
        "updated_at": "2026-02-10T12:00:00Z",
        "_invoice_id": invoice["id"],
    }


def put(store: SandboxStore, object: str, *records: dict) -> None:
    store.put_many("harvest", "", object, [(str(r["id"]), r, r["updated_at"]) for r in records])


# -- fixtures ---------------------------------------------------------------------------------------------
@pytest.fixture
def firm(store: SandboxStore) -> SandboxStore:
    """Two clients, a project, a task, three time entries, an invoice with one payment."""
    store.set_meta("credentials", {"harvest": {"account_id": ACCOUNT_ID, "access_token": TOKEN}})
    acme, globex = harvest_client(11, "Acme Corp"), harvest_client(12, "Globex Ltd", currency="GBP")
    project, task = harvest_project(21, acme), harvest_task(31, "Design")
    invoice = harvest_invoice(41, acme, project, amount=1000.0, due_amount=600.0)
    put(store, "clients", acme, globex)
    put(store, "projects", project)
    put(store, "tasks", task)
    put(
        store,
        "time_entries",
        harvest_time_entry(51, project, task, "2026-01-20"),
        harvest_time_entry(52, project, task, "2026-01-06", is_billed=True),
        harvest_time_entry(53, project, task, "2026-01-13"),
    )
    put(store, "invoices", invoice)
    put(store, "invoice_payments", harvest_payment(61, invoice, 400.0))
    return store


def serving(store: SandboxStore, **options) -> AbstractContextManager[tuple[HarvestEmulator, str]]:
    return served(HarvestEmulator(store, **options))


@pytest.fixture
def harvest(firm: SandboxStore) -> Iterator[tuple[HarvestEmulator, str]]:
    with serving(firm) as served:
        yield served


@pytest.fixture
def base_url(harvest) -> str:
    return harvest[1]


def get(url: str, headers: dict = HEADERS, **params) -> requests.Response:
    return requests.get(url, headers=headers, params=params, timeout=5)


def ids(response: requests.Response, key: str) -> list[int]:
    return [record["id"] for record in response.json()[key]]


def follow(url: str, key: str) -> list[dict]:
    """Every page of a listing, by its `links.next`; checks the envelope's counters on the way."""
    pages = []
    while url:
        response = get(url)
        assert response.status_code == 200
        pages.append(response.json())
        url = pages[-1]["links"]["next"]
    assert [page["page"] for page in pages] == list(range(1, len(pages) + 1))
    assert all(page["total_pages"] == len(pages) for page in pages if page[key])
    return pages


# -- authentication ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "headers, status, error",
    [
        ({**HEADERS, "Authorization": None}, 401, "invalid_token"),
        ({**HEADERS, "Authorization": "Bearer wrong-token"}, 401, "invalid_token"),
        ({**HEADERS, "Authorization": TOKEN}, 401, "invalid_token"),  # not a bearer token
        ({**HEADERS, "Harvest-Account-Id": None}, 401, "invalid_token"),
        ({**HEADERS, "Harvest-Account-Id": "7654321"}, 403, "forbidden"),
    ],
)
def test_wrong_credentials_are_refused_in_harvest_oauth_shape(base_url, headers, status, error):
    response = get(f"{base_url}/v2/clients", headers=headers)
    assert response.status_code == status
    assert response.json()["error"] == error
    assert response.json()["error_description"]


def test_a_request_without_user_agent_is_a_bad_request(base_url):
    response = get(f"{base_url}/v2/clients", headers={**HEADERS, "User-Agent": SKIP_HEADER})  # none at all
    assert response.status_code == 400


def test_query_string_credentials_are_accepted_and_kept_out_of_links(base_url):
    response = get(
        f"{base_url}/v2/clients",
        headers={"User-Agent": HEADERS["User-Agent"]},
        access_token=TOKEN,
        account_id=ACCOUNT_ID,
    )
    assert response.status_code == 200
    assert "access_token" not in response.json()["links"]["first"]


# -- listing and paging -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "clients, per_page, page_sizes",
    [
        (3, 3, [3]),  # exactly one full page
        (4, 3, [3, 1]),  # one more than a page
        (0, 3, [0]),  # nothing at all
    ],
)
def test_following_links_next_pages_through_every_client_once_newest_first(store, clients, per_page, page_sizes):
    store.set_meta("credentials", {"harvest": {"account_id": ACCOUNT_ID, "access_token": TOKEN}})
    put(store, "clients", *[harvest_client(100 + n, f"Client {n}") for n in range(clients)])
    with serving(store) as (_, base_url):
        pages = follow(f"{base_url}/v2/clients?per_page={per_page}", "clients")
    assert [len(page["clients"]) for page in pages] == page_sizes
    assert [c["id"] for page in pages for c in page["clients"]] == [100 + n for n in reversed(range(clients))]
    assert pages[-1]["total_entries"] == clients
    assert pages[-1]["next_page"] is None and pages[-1]["links"]["next"] is None
    assert pages[0]["previous_page"] is None and pages[0]["links"]["previous"] is None


def test_envelope_counts_pages_and_links_are_absolute_with_the_callers_filters(base_url):
    body = get(f"{base_url}/v2/clients", is_active="true", per_page=1, page=2).json()
    assert {
        key: body[key] for key in ("per_page", "total_pages", "total_entries", "next_page", "previous_page", "page")
    } == {"per_page": 1, "total_pages": 2, "total_entries": 2, "next_page": None, "previous_page": 1, "page": 2}
    assert body["links"]["first"] == f"{base_url}/v2/clients?is_active=true&page=1&per_page=1"
    assert body["links"]["previous"] == f"{base_url}/v2/clients?is_active=true&page=1&per_page=1"
    assert body["links"]["last"] == f"{base_url}/v2/clients?is_active=true&page=2&per_page=1"


def test_links_next_keeps_filters_so_following_it_stays_filtered(base_url):
    first = get(f"{base_url}/v2/time_entries", project_id=21, is_billed="false", per_page=1).json()
    query = parse_qs(urlsplit(first["links"]["next"]).query)
    assert query == {"project_id": ["21"], "is_billed": ["false"], "page": ["2"], "per_page": ["1"]}
    pages = follow(first["links"]["first"], "time_entries")
    assert [e["id"] for page in pages for e in page["time_entries"]] == [51, 53]


@pytest.mark.parametrize(
    "object, params",
    [
        ("clients", {"per_page": 2001}),
        ("clients", {"per_page": 0}),
        ("clients", {"per_page": "ten"}),
        ("clients", {"page": 0}),
        ("clients", {"cursor": "eyJhZnRlciI6e319"}),  # cursors are not emulated
        ("clients", {"updated_since": "last tuesday"}),
        ("clients", {"is_active": "yes"}),
        ("projects", {"client_id": "acme"}),
        ("time_entries", {"from": "2026-02-30"}),
    ],
)
def test_malformed_list_parameters_are_unprocessable(base_url, object, params):
    response = get(f"{base_url}/v2/{object}", **params)
    assert response.status_code == 422
    assert response.json()["code"] == 422 and response.json()["message"]


def test_updated_since_keeps_records_updated_at_or_after_the_moment(firm, base_url):
    put(
        firm,
        "clients",
        harvest_client(13, "Initech", updated_at="2026-03-01T10:00:00Z"),
        harvest_client(14, "Umbrella", updated_at="2026-03-01T09:59:59Z"),
    )
    assert ids(get(f"{base_url}/v2/clients", updated_since="2026-03-01T10:00:00Z"), "clients") == [13]
    assert ids(get(f"{base_url}/v2/clients", updated_since="2026-03-01T11:00:00+01:00"), "clients") == [13]
    assert ids(get(f"{base_url}/v2/clients", updated_since="2026-03-01T09:00:00Z"), "clients") == [14, 13]
    assert get(f"{base_url}/v2/clients", updated_since="2026-03-02T00:00:00Z").json()["total_entries"] == 0


def test_time_entries_come_newest_spent_date_first_and_filter_by_date_and_billing(base_url):
    url = f"{base_url}/v2/time_entries"
    assert ids(get(url), "time_entries") == [51, 53, 52]
    assert ids(get(url, **{"from": "2026-01-06", "to": "2026-01-13"}), "time_entries") == [53, 52]
    assert ids(get(url, is_billed="true"), "time_entries") == [52]
    assert ids(get(url, client_id=12), "time_entries") == []


def test_invoices_filter_by_state_client_and_invoiced_project(base_url):
    url = f"{base_url}/v2/invoices"
    assert ids(get(url, state="open", client_id=11, project_id=21), "invoices") == [41]
    assert ids(get(url, state="paid"), "invoices") == []
    assert ids(get(url, project_id=99), "invoices") == []


def test_a_record_is_served_by_id_and_an_absent_one_is_404(base_url):
    assert get(f"{base_url}/v2/clients/12").json()["name"] == "Globex Ltd"
    missing = get(f"{base_url}/v2/clients/999")
    assert missing.status_code == 404
    assert missing.json()["code"] == 404


def test_invoice_payments_are_served_without_private_keys(base_url):
    body = get(f"{base_url}/v2/invoices/41/payments").json()
    assert [p["id"] for p in body["invoice_payments"]] == [61]
    assert not [key for key in body["invoice_payments"][0] if key.startswith("_")]
    assert get(f"{base_url}/v2/invoices/999/payments").status_code == 404


# -- writes -------------------------------------------------------------------------------------------------
def patch(url: str, body) -> requests.Response:
    return requests.patch(url, headers=HEADERS, json=body, timeout=5)


def test_a_patched_client_is_what_the_next_get_and_updated_since_see(firm, base_url):
    response = patch(f"{base_url}/v2/clients/11", {"name": "Acme Corporation", "is_active": False})
    assert response.status_code == 200
    updated_at = response.json()["updated_at"]
    assert updated_at > LONG_AGO
    served = get(f"{base_url}/v2/clients/11").json()
    assert (served["name"], served["is_active"], served["updated_at"]) == ("Acme Corporation", False, updated_at)
    assert ids(get(f"{base_url}/v2/clients", updated_since=updated_at), "clients") == [11]
    assert ids(get(f"{base_url}/v2/clients"), "clients") == [12, 11]  # an update keeps the listing order


def test_moving_a_time_entry_to_another_project_renests_project_and_client(firm, base_url):
    globex = harvest_client(12, "Globex Ltd", currency="GBP")
    put(firm, "projects", harvest_project(22, globex))
    response = patch(f"{base_url}/v2/time_entries/53", {"project_id": 22, "hours": 3.0})
    assert response.status_code == 200
    entry = get(f"{base_url}/v2/time_entries/53").json()
    assert entry["project"] == {"id": 22, "name": "Project 22"}
    assert entry["client"] == {"id": 12, "name": "Globex Ltd"}
    assert (entry["hours"], entry["rounded_hours"]) == (3.0, 3.0)


@pytest.mark.parametrize(
    "body, message",
    [
        ({"colour": "red"}, "colour"),  # not a field Harvest accepts
        ({"name": 42}, "name"),  # wrong type
        ({"name": None}, "blank"),  # required on create, so never blank
        ({"is_active": "false"}, "is_active"),
        (["name", "x"], "object"),
    ],
)
def test_a_bad_patch_is_unprocessable_and_changes_nothing(base_url, body, message):
    response = patch(f"{base_url}/v2/clients/11", body)
    assert response.status_code == 422
    assert message in response.json()["message"]
    assert get(f"{base_url}/v2/clients/11").json()["updated_at"] == LONG_AGO


def test_amount_changing_invoice_fields_and_unknown_references_are_refused(base_url):
    assert patch(f"{base_url}/v2/invoices/41", {"line_items": []}).status_code == 422
    assert patch(f"{base_url}/v2/invoices/41", {"client_id": 999}).status_code == 422
    assert patch(f"{base_url}/v2/invoices/41", {"due_date": "2026-03-31"}).json()["due_date"] == "2026-03-31"
    assert patch(f"{base_url}/v2/invoices/999", {"notes": "x"}).status_code == 404


def test_a_time_entry_is_found_by_the_external_reference_it_was_given(base_url):
    """Harvest documents `external_reference_id` on GET /v2/time_entries: a tool that linked a ticket
    to an entry finds it again by the ticket's id."""
    ticket = {"id": "PROJ-42", "group_id": "PROJ", "permalink": "https://tracker.example/PROJ-42"}
    assert patch(f"{base_url}/v2/time_entries/53", {"external_reference": ticket}).status_code == 200
    assert ids(get(f"{base_url}/v2/time_entries", external_reference_id="PROJ-42"), "time_entries") == [53]
    assert ids(get(f"{base_url}/v2/time_entries", external_reference_id="PROJ-43"), "time_entries") == []


def harvest_user(id: int, first_name: str, access_role: str) -> dict:
    return {
        "id": id,
        "first_name": first_name,
        "last_name": "Allen",
        "email": f"{first_name.lower()}@example.com",
        "telephone": "",
        "timezone": "London",
        "has_access_to_all_future_projects": False,
        "is_contractor": False,
        "is_active": True,
        "created_at": LONG_AGO,
        "updated_at": LONG_AGO,
        "weekly_capacity": 144000,
        "default_hourly_rate": 150.0,
        "cost_rate": 80.0,
        "roles": ["Consultant"],
        "access_roles": [access_role],
        "avatar_url": f"https://cache.harvestapp.com/assets/profile_images/{id}.png",
    }


def test_the_company_is_the_firms_account_and_conforms_to_the_contract(vendor_contracts, firm, base_url):
    firm.set_meta("legal_entities", [{"code": "UK", "name": "Northwind Consulting Ltd", "currency": "GBP"}])
    company = get(f"{base_url}/v2/company")
    assert company.status_code == 200
    assert (company.json()["name"], company.json()["full_domain"]) == (
        "Northwind Consulting Ltd",
        "northwindconsultingltd.harvestapp.com",
    )
    assert validate_harvest_response(vendor_contracts, "/company", "get", 200, company.json()) == []


def test_users_me_is_the_tokens_user_else_the_first_administrator(vendor_contracts, firm, base_url):
    put(firm, "users", harvest_user(501, "Kim", "member"), harvest_user(502, "Lee", "administrator"))
    me = get(f"{base_url}/v2/users/me")
    assert (me.status_code, me.json()["id"]) == (200, 502)
    assert validate_harvest_response(vendor_contracts, "/users/me", "get", 200, me.json()) == []
    firm.set_meta("credentials", {"harvest": {"account_id": ACCOUNT_ID, "access_token": TOKEN, "user_id": 501}})
    assert get(f"{base_url}/v2/users/me").json()["id"] == 501


def pay(base_url: str, invoice_id: int, body) -> requests.Response:
    return requests.post(f"{base_url}/v2/invoices/{invoice_id}/payments", headers=HEADERS, json=body, timeout=5)


def test_payments_reduce_the_amount_due_until_the_invoice_is_paid(base_url):
    first = pay(base_url, 41, {"amount": 250.0, "paid_date": "2026-02-20", "notes": "Part"})
    assert first.status_code == 201
    assert (first.json()["amount"], first.json()["paid_date"]) == (250.0, "2026-02-20")
    invoice = get(f"{base_url}/v2/invoices/41").json()
    assert (invoice["due_amount"], invoice["state"]) == (350.0, "open")
    assert invoice["updated_at"] > LONG_AGO

    assert pay(base_url, 41, {"amount": 350.01}).status_code == 422  # more than is due
    assert pay(base_url, 41, {"amount": 350.0, "paid_at": "2026-02-25T15:00:00Z"}).status_code == 201
    invoice = get(f"{base_url}/v2/invoices/41").json()
    assert (invoice["due_amount"], invoice["state"], invoice["paid_date"]) == (0.0, "paid", "2026-02-25")
    payments = get(f"{base_url}/v2/invoices/41/payments").json()["invoice_payments"]
    assert [p["amount"] for p in payments] == [350.0, 250.0, 400.0]


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"amount": -5},
        {"amount": "100"},
        {"amount": 10, "paid_date": "2026-02-30"},
        {"amount": 10, "paid_at": "2026-02-20T00:00:00Z", "paid_date": "2026-02-20"},
        {"amount": 10, "method": "cash"},
    ],
)
def test_a_bad_payment_is_unprocessable(base_url, body):
    assert pay(base_url, 41, body).status_code == 422
    assert get(f"{base_url}/v2/invoices/41").json()["due_amount"] == 600.0


# -- rate limit and faults ------------------------------------------------------------------------------
def test_the_request_over_the_limit_gets_429_with_retry_after(firm):
    with serving(firm, limiter=SlidingWindowLimiter(3, 1.0)) as (_, base_url):
        statuses = [get(f"{base_url}/v2/clients").status_code for _ in range(3)]
        limited = get(f"{base_url}/v2/clients")
    assert statuses == [200, 200, 200]
    assert limited.status_code == 429
    assert limited.headers["Retry-After"] == "1"
    assert limited.json()["code"] == 429


def test_injected_faults_reach_the_client(firm):
    faults = Faults(rate_limit_next=2, retry_after=1)
    with serving(firm, faults=faults) as (emulator, base_url):
        storm = [get(f"{base_url}/v2/clients") for _ in range(3)]
        emulator.faults.server_error_next = 1
        unavailable = get(f"{base_url}/v2/clients")
        emulator.faults.truncate_next = 1
        truncated = get(f"{base_url}/v2/clients")
    assert [r.status_code for r in storm] == [429, 429, 200]
    assert storm[0].headers["Retry-After"] == "1"
    assert unavailable.status_code == 503
    assert truncated.status_code == 200
    with pytest.raises(json.JSONDecodeError):
        json.loads(truncated.text)


# -- the published contract -----------------------------------------------------------------------------
LISTS = [
    "clients",
    "projects",
    "users",
    "tasks",
    "task_assignments",
    "user_assignments",
    "time_entries",
    "expenses",
    "invoices",
]
RECORDS = {"clients": 11, "projects": 21, "tasks": 31, "time_entries": 51, "invoices": 41}
ID_PARAMETERS = {
    "clients": "{clientId}",
    "projects": "{projectId}",
    "tasks": "{taskId}",
    "time_entries": "{timeEntryId}",
    "invoices": "{invoiceId}",
}


@pytest.mark.parametrize("object", LISTS)
def test_every_list_conforms_to_harvests_openapi_contract(vendor_contracts, base_url, object):
    for params in ({}, {"per_page": 1, "page": 2}):  # a page of records or none, both with links
        listing = get(f"{base_url}/v2/{object}", **params)
        assert validate_harvest_response(vendor_contracts, f"/{object}", "get", 200, listing.json()) == []


@pytest.mark.parametrize("object, id", RECORDS.items())
def test_every_record_conforms_to_harvests_openapi_contract(vendor_contracts, base_url, object, id):
    record = get(f"{base_url}/v2/{object}/{id}")
    assert (
        validate_harvest_response(vendor_contracts, f"/{object}/{ID_PARAMETERS[object]}", "get", 200, record.json())
        == []
    )


def test_writes_and_payments_conform_to_harvests_openapi_contract(vendor_contracts, base_url):
    payments = get(f"{base_url}/v2/invoices/41/payments")
    assert (
        validate_harvest_response(vendor_contracts, "/invoices/{invoiceId}/payments", "get", 200, payments.json()) == []
    )
    created = pay(base_url, 41, {"amount": 100.0})
    assert (
        validate_harvest_response(vendor_contracts, "/invoices/{invoiceId}/payments", "post", 201, created.json()) == []
    )
    patched = patch(f"{base_url}/v2/time_entries/51", {"notes": "Reviewed"})
    assert (
        validate_harvest_response(vendor_contracts, "/time_entries/{timeEntryId}", "patch", 200, patched.json()) == []
    )
    missing = get(f"{base_url}/v2/projects/999")
    assert validate_harvest_response(vendor_contracts, "/projects/{projectId}", "get", 404, missing.json()) == []


def test_the_contract_check_fails_a_broken_response(vendor_contracts, base_url):
    """The contract tests above can fail: each breakage here is caught."""
    body = get(f"{base_url}/v2/clients").json()
    bad_id = {**body, "clients": [{**body["clients"][0], "id": "abc"}]}
    no_links = {key: value for key, value in body.items() if key != "links"}
    leaked = {**body, "clients": [{**body["clients"][0], "_invoice_id": 41}]}
    for broken in (bad_id, no_links, leaked):
        assert validate_harvest_response(vendor_contracts, "/clients", "get", 200, broken)
    assert any(
        "'abc' is not of type 'integer'" in error
        for error in validate_harvest_response(vendor_contracts, "/clients", "get", 200, bad_id)
    )
