"""Xero Projects on the Xero emulator over real HTTP: the tenant's projects, a project's tasks and time,
the project users, paged and filtered as the API documents them, every body checked against Xero's Projects
contract; tenants, tokens and limits as the Accounting API's."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from sandbox.emulators.base import SlidingWindowLimiter
from sandbox.emulators.xero import XeroEmulator
from sandbox.emulators.xero_projects import put_project_records
from sandbox.store import SandboxStore
from tests.contracts.xero_openapi import validate_xero_projects_response
from tests.emulators.serving import served
from tests.emulators.test_xero_emulator import HEADERS, OTHER_TENANT, TENANT, organisations, uid

API = "/projects.xro/2.0"
PROJECTS, ENTRIES = 7, 120  # entries on the first project: more than two default pages


def project(n: int, contact: int, status: str = "INPROGRESS") -> dict:
    return {
        "projectId": uid(3000 + n),
        "contactId": uid(contact),
        "name": f"Project {n} [harvest_project:{n}]",
        "currencyCode": "USD",
        "minutesLogged": 0,
        "status": status,
    }


def user(n: int) -> dict:
    return {"userId": uid(5000 + n), "name": f"Consultant {n}", "email": f"consultant{n}@example.com"}


def task(project_n: int, rate: float = 150.0, charge: str = "TIME", n: int = 0) -> dict:
    """The project's task `n` (0: its consulting task, at `rate` an hour)."""
    return {
        "taskId": uid(9000 + 100 * n + project_n),
        "name": "Consulting" if n == 0 else f"Task {n}",
        "rate": {"currency": "USD", "value": rate},
        "chargeType": charge,
        "projectId": uid(3000 + project_n),
        "status": "ACTIVE",
    }


def entry(n: int, project_n: int, user_n: int, day: int, status: str = "ACTIVE", task_n: int = 0) -> dict:
    return {
        "timeEntryId": uid(7000 + n),
        "userId": uid(5000 + user_n),
        "projectId": uid(3000 + project_n),
        "taskId": uid(9000 + 100 * task_n + project_n),
        "dateUtc": f"2026-10-{day:02d}T00:00:00Z",
        "dateEnteredUtc": f"2026-10-{day:02d}T18:30:00Z",
        "duration": 30 + n % 4 * 15,
        "description": f"harvest_time_entry:{n}",
        "status": status,
    }


@pytest.fixture
def firm(store: SandboxStore) -> SandboxStore:
    organisations(store)
    put_project_records(
        store,
        TENANT,
        "Projects",
        [project(n, 11, "CLOSED" if n == 7 else "INPROGRESS") for n in range(1, PROJECTS + 1)],
    )
    put_project_records(store, OTHER_TENANT, "Projects", [project(99, 11)])
    put_project_records(store, TENANT, "ProjectsUsers", [user(n) for n in range(1, 4)])
    tasks = [task(1), task(1, 0.0, "NON_CHARGEABLE", 1), task(2, 120.0)]
    put_project_records(store, TENANT, "ProjectTasks", tasks)
    first = [
        entry(n, 1, 1 + n % 3, 1 + n % 28, "INVOICED" if n % 5 == 0 else "ACTIVE", 1 if n % 10 == 3 else 0)
        for n in range(1, ENTRIES + 1)
    ]
    put_project_records(store, TENANT, "ProjectTime", [*first, entry(500, 2, 1, 3)])
    return store


@pytest.fixture
def base_url(firm: SandboxStore) -> Iterator[str]:
    with served(XeroEmulator(firm)) as (_, url):
        yield url


@pytest.fixture
def checked(base_url, vendor_contracts: Path):
    """A call whose JSON body must conform to the Projects contract's response for the path template."""

    def call(template: str, path: str | None = None, *, status: int = 200, headers=HEADERS, **params):
        response = requests.get(f"{base_url}{API}{path or template}", headers=headers, params=params, timeout=5)
        assert response.status_code == status, response.text
        assert validate_xero_projects_response(vendor_contracts, template, "GET", status, response.json()) == []
        return response.json()

    return call


def test_projects_are_paged_fifty_by_default_and_say_how_many_there_are(checked):
    body = checked("/Projects", pageSize=3, page=3)
    assert body["pagination"] == {"page": 3, "pageSize": 3, "pageCount": 3, "itemCount": PROJECTS}
    assert [p["projectId"] for p in body["items"]] == [uid(3007)]
    assert checked("/Projects")["pagination"] == {"page": 1, "pageSize": 50, "pageCount": 1, "itemCount": PROJECTS}


def test_each_tenant_sees_only_its_own_projects(checked):
    other = checked("/Projects", headers={**HEADERS, "Xero-tenant-id": OTHER_TENANT})
    assert [p["projectId"] for p in other["items"]] == [uid(3099)]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"states": "CLOSED"}, [7]),
        ({"projectIds": f"{uid(3002)},{uid(3004)}"}, [2, 4]),
        ({"contactID": uid(12)}, []),
    ],
)
def test_projects_are_filtered_by_ids_contact_and_state(checked, params, expected):
    assert [p["projectId"] for p in checked("/Projects", **params)["items"]] == [uid(3000 + n) for n in expected]


def test_a_projects_time_is_paged_and_only_its_own(checked):
    path = f"/Projects/{uid(3001)}/Time"
    pages = [checked("/Projects/{projectId}/Time", path, page=n, pageSize=50) for n in (1, 2, 3)]
    assert [len(p["items"]) for p in pages] == [50, 50, ENTRIES - 100]
    assert {p["pagination"]["pageCount"] for p in pages} == {3}
    listed = [e["timeEntryId"] for p in pages for e in p["items"]]
    assert listed == [uid(7000 + n) for n in range(1, ENTRIES + 1)]
    other = checked("/Projects/{projectId}/Time", f"/Projects/{uid(3002)}/Time")
    assert [e["timeEntryId"] for e in other["items"]] == [uid(7500)]


def test_time_is_filtered_by_state_user_and_date(checked):
    path, template = f"/Projects/{uid(3001)}/Time", "/Projects/{projectId}/Time"
    invoiced = checked(template, path, states="INVOICED", pageSize=500)["items"]
    assert [e["timeEntryId"] for e in invoiced] == [uid(7000 + n) for n in range(5, ENTRIES + 1, 5)]
    by_user = checked(template, path, userId=uid(5002), pageSize=500)["items"]
    assert {e["userId"] for e in by_user} == {uid(5002)} and len(by_user) == ENTRIES // 3
    window = checked(template, path, dateAfterUtc="2026-10-10T00:00:00Z", dateBeforeUtc="2026-10-11T00:00:00Z")
    assert {e["dateUtc"][:10] for e in window["items"]} == {"2026-10-10", "2026-10-11"}


def test_a_projects_tasks_say_how_its_time_is_charged_and_filter_it(checked):
    tasks = checked("/Projects/{projectId}/Tasks", f"/Projects/{uid(3001)}/Tasks")["items"]
    assert [(t["taskId"], t["chargeType"], t["rate"]["value"]) for t in tasks] == [
        (uid(9001), "TIME", 150.0),
        (uid(9101), "NON_CHARGEABLE", 0.0),
    ]
    path, template = f"/Projects/{uid(3001)}/Time", "/Projects/{projectId}/Time"
    unpaid = checked(template, path, isChargeable="false", pageSize=500)["items"]
    assert [e["timeEntryId"] for e in unpaid] == [uid(7000 + n) for n in range(3, ENTRIES + 1, 10)]
    assert len(checked(template, path, isChargeable="true", pageSize=500)["items"]) == ENTRIES - len(unpaid)
    only = checked("/Projects/{projectId}/Tasks", f"/Projects/{uid(3001)}/Tasks", chargeType="NON_CHARGEABLE")
    assert [t["taskId"] for t in only["items"]] == [uid(9101)]


def test_project_users_are_listed(checked):
    body = checked("/ProjectsUsers")
    assert [u["email"] for u in body["items"]] == [f"consultant{n}@example.com" for n in (1, 2, 3)]


@pytest.mark.parametrize(
    ("path", "params", "status"),
    [
        ("/Projects", {"pageSize": "501"}, 400),
        ("/Projects", {"page": "0"}, 400),
        ("/Projects", {"states": "OPEN"}, 400),
        (f"/Projects/{uid(3001)}/Time", {"isChargeable": "sometimes"}, 400),
        (f"/Projects/{uid(3001)}/Tasks", {"chargeType": "HOURLY"}, 400),
        (f"/Projects/{uid(3001)}/Time", {"dateAfterUtc": "yesterday"}, 400),
        (f"/Projects/{uid(3999)}/Time", {}, 404),
    ],
)
def test_what_the_api_cannot_answer_is_refused_with_its_message(base_url, path, params, status):
    response = requests.get(f"{base_url}{API}{path}", headers=HEADERS, params=params, timeout=5)
    assert response.status_code == status
    assert set(response.json()) == {"message", "modelState"} and response.json()["message"]


def test_projects_calls_need_the_token_and_a_connected_tenant_and_count_against_its_limits(firm):
    with served(XeroEmulator(firm, minute=SlidingWindowLimiter(2, 60.0))) as (_, url):
        assert (
            requests.get(
                f"{url}{API}/Projects", headers={**HEADERS, "Authorization": "Bearer wrong"}, timeout=5
            ).status_code
            == 401
        )
        assert (
            requests.get(f"{url}{API}/Projects", headers={**HEADERS, "Xero-tenant-id": uid(1)}, timeout=5).status_code
            == 403
        )
        first = requests.get(f"{url}{API}/Projects", headers=HEADERS, timeout=5)
        assert first.headers["X-MinLimit-Remaining"] == "1"
        requests.get(f"{url}/api.xro/2.0/Contacts", headers=HEADERS, timeout=5)
        limited = requests.get(f"{url}{API}/ProjectsUsers", headers=HEADERS, timeout=5)
        assert (limited.status_code, limited.headers["X-Rate-Limit-Problem"]) == (429, "minute")
        assert int(limited.headers["Retry-After"]) >= 1
