"""The vendor connectors against the emulators over real HTTP: paging boundaries and auth errors."""

import json

import pytest

from resources.harvest import HarvestResource
from resources.http import SourceSystemError
from resources.quickbooks import QuickBooksResource
from resources.salesforce import SalesforceResource
from resources.sandbox import SandboxResource
from sandbox.emulators.base import SlidingWindowLimiter
from sandbox.runtime import running_sandbox
from sandbox.store import SandboxStore

FUTURE = "2099-01-01T00:00:00Z"


@pytest.fixture
def sandbox(small_firm) -> SandboxResource:
    return SandboxResource(directory=str(small_firm), size="small")


@pytest.fixture
def store(small_firm) -> SandboxStore:
    return SandboxStore(small_firm / "state.db")


def test_harvest_paging_boundaries(sandbox, store):
    clients = store.count("harvest", "", "clients")
    exactly_one_page = HarvestResource(sandbox=sandbox, per_page=clients).extract("clients", None)
    assert (len(exactly_one_page.records), exactly_one_page.stats.pages) == (clients, 1)
    one_more = HarvestResource(sandbox=sandbox, per_page=clients - 1).extract("clients", None)
    assert (len(one_more.records), one_more.stats.pages) == (clients, 2)
    assert {r.record_id for r in one_more.records} == {r.record_id for r in exactly_one_page.records}
    empty = HarvestResource(sandbox=sandbox).extract("clients", FUTURE)
    assert (len(empty.records), empty.stats.pages, empty.mode) == (0, 1, "incremental")


def test_salesforce_paging_boundaries(sandbox, store):
    accounts = store.list("salesforce", "", "Account")
    template = accounts[0]

    def grow_to(count):
        existing = store.count("salesforce", "", "Account")
        store.put_many(
            "salesforce",
            "",
            "Account",
            [
                (f"001ZZ{n:013d}", {**template, "Id": f"001ZZ{n:013d}"}, "2026-01-01T00:00:00Z")
                for n in range(existing, count)
            ],
        )

    connector = SalesforceResource(sandbox=sandbox, batch_size=200)
    grow_to(200)
    exactly_one_batch = connector.extract("Account", None)
    assert (len(exactly_one_batch.records), exactly_one_batch.stats.pages) == (200, 1)
    grow_to(201)
    one_more = connector.extract("Account", None)
    assert (len(one_more.records), one_more.stats.pages) == (201, 2)
    assert len({r.record_id for r in one_more.records}) == 201
    empty = connector.extract("Account", FUTURE)
    assert (len(empty.records), empty.stats.pages) == (0, 1)


def test_quickbooks_paging_boundaries(sandbox, store):
    realms = {e["code"]: e["realm_id"] for e in store.meta("legal_entities")}
    employees = {code: store.count("quickbooks", realm, "Employee") for code, realm in realms.items()}
    smallest = min(employees.values())

    exact = QuickBooksResource(sandbox=sandbox, page_size=smallest).extract("Employee", None)
    assert len(exact.records) == sum(employees.values())
    # a page as full as the page size may have a successor, so QuickBooks paging asks once more
    expected_pages = sum(count // smallest + 1 for count in employees.values())
    assert exact.stats.pages == expected_pages
    bigger = QuickBooksResource(sandbox=sandbox, page_size=max(employees.values()) + 1).extract("Employee", None)
    assert (len(bigger.records), bigger.stats.pages) == (sum(employees.values()), len(realms))
    assert {(r.entity, r.record_id) for r in bigger.records} == {(r.entity, r.record_id) for r in exact.records}


@pytest.mark.parametrize("system", ["salesforce", "harvest", "quickbooks"])
def test_a_bad_token_names_the_system_and_hides_the_secret(sandbox, system):
    runtime = running_sandbox(sandbox.directory)
    secret = "s3cret-token-that-must-not-leak"
    url = runtime.base_url(system)
    connector, object_name = {
        "salesforce": (SalesforceResource(instance_url=url, access_token=secret, sandbox=sandbox), "Account"),
        "harvest": (
            HarvestResource(
                base_url=url,
                account_id=runtime.credentials("harvest")["account_id"],
                access_token=secret,
                sandbox=sandbox,
            ),
            "clients",
        ),
        "quickbooks": (
            QuickBooksResource(
                base_url=url,
                access_token=secret,
                sandbox=sandbox,
                realms=json.dumps({"US": runtime.legal_entities()[0]["realm_id"]}),
            ),
            "Customer",
        ),
    }[system]
    with pytest.raises(SourceSystemError) as failure:
        connector.extract(object_name, None)
    message = str(failure.value)
    assert message.startswith(f"{system}: HTTP 401 on {object_name}")
    assert "page 1" in message
    assert secret not in message
    assert failure.value.status == 401


def test_objects_extracted_one_after_another_count_in_one_window_of_the_account(sandbox, small_firm, store):
    """Harvest counts every request of the account, whichever object's client sends it: the next
    object's client waits for the window the last one filled instead of finding it full by a 429."""
    running_sandbox(small_firm, "small").emulators["harvest"].emulator.limiter = SlidingWindowLimiter(3, 3.0)
    pages_of_two = {name: -(-store.count("harvest", "", name) // 2) for name in ("clients", "tasks")}
    clients, tasks = (
        HarvestResource(
            sandbox=sandbox, per_page=pages_of_two[name], requests_per_window=3, window_seconds=3.0
        ).extract(name, None)
        for name in ("clients", "tasks")
    )
    assert [(e.stats.pages, e.stats.requests, e.stats.retries) for e in (clients, tasks)] == [(2, 2, 0), (2, 2, 0)]
    assert tasks.stats.waited_seconds > 0  # its second request waited for the first object's to leave the window
