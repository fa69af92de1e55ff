"""Xero Projects through tieout's Xero connector against the emulator: every tenant's projects, each
project's time and the project users read whole every night (the API has no modification filter), page
by page as its pagination says, then through the extraction and validation assets with bad records
quarantined by their rule."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from dagster import materialize

from assets.extraction import extraction_assets
from assets.validation import validation_assets
from resources.http import SourceSystemError
from resources.sandbox import SandboxResource
from resources.warehouse import WarehouseResource
from resources.xero import XeroResource
from sandbox.emulators.xero import XeroEmulator
from sandbox.emulators.xero_documents import put_records
from sandbox.emulators.xero_projects import ProjectsApi, put_project_records
from sandbox.store import SandboxStore
from tests.conftest import SNAPSHOT_DATE
from tests.emulators.serving import served
from tests.emulators.test_xero_emulator import APP, OTHER_TENANT, TENANT, TOKEN, contact, organisation, uid
from tests.emulators.test_xero_projects_emulator import entry, project, task, user
from tests.validation.night import quarantined, record_ids

ENTITIES = {"US1": TENANT, "UK1": OTHER_TENANT}
OBJECTS = ("Contacts", "Projects", "ProjectsUsers", "ProjectTasks", "ProjectTime")
PROJECTS_OBJECTS = ("Projects", "ProjectsUsers", "ProjectTasks", "ProjectTime")


@pytest.fixture
def firm(store: SandboxStore) -> SandboxStore:
    """In the first organisation five projects (three with time: 7, 2 and 1 entries; four with a task) and
    three users; in the other one project with its task, one entry and its user."""
    store.set_meta("credentials", {"xero": dict(APP)})
    store.set_meta("legal_entities", [{"code": code, "xero_tenant_id": tenant} for code, tenant in ENTITIES.items()])
    for tenant, name in ((TENANT, "Sandbox US"), (OTHER_TENANT, "Sandbox UK")):
        put_records(store, tenant, "Organisation", [organisation(tenant, name)])
    put_records(store, TENANT, "Contacts", [contact(11, "Acme Corp")])
    put_records(store, OTHER_TENANT, "Contacts", [contact(21, "Umbrella plc")])
    put_project_records(store, TENANT, "Projects", [project(n, 11) for n in range(1, 6)])
    put_project_records(store, TENANT, "ProjectsUsers", [user(n) for n in (1, 2, 3)])
    put_project_records(store, TENANT, "ProjectTasks", [task(n) for n in (1, 2, 3, 4)])
    put_project_records(store, OTHER_TENANT, "ProjectTasks", [task(90)])
    times = [entry(n, 1, 1, n) for n in range(1, 8)] + [entry(n, 2, 2, 1) for n in (8, 9)] + [entry(10, 4, 3, 2)]
    put_project_records(store, TENANT, "ProjectTime", times)
    put_project_records(store, OTHER_TENANT, "Projects", [project(90, 21)])
    put_project_records(store, OTHER_TENANT, "ProjectsUsers", [user(9)])
    put_project_records(store, OTHER_TENANT, "ProjectTime", [entry(90, 90, 9, 5)])
    return store


def connector(url: str, tmp_path: Path) -> XeroResource:
    return XeroResource(
        base_url=url,
        sandbox=SandboxResource(directory=str(tmp_path / "no-sandbox")),
        tenants=json.dumps(ENTITIES),
        access_token=TOKEN,
    )


def stored(store: SandboxStore, object_name: str) -> set[tuple[str, str]]:
    key = {"Projects": "projectId", "ProjectsUsers": "userId", "ProjectTasks": "taskId", "ProjectTime": "timeEntryId"}[
        object_name
    ]
    return {(code, r[key]) for code, tenant in ENTITIES.items() for r in store.list("xero", tenant, object_name)}


@pytest.mark.parametrize("since", [None, "2026-11-19T00:00:00Z"])
def test_projects_tasks_time_and_users_are_read_whole_page_by_page_every_night(firm, tmp_path, monkeypatch, since):
    monkeypatch.setattr("resources.xero.PROJECTS_PAGE_SIZE", 3)  # the API's 500, made small enough to page
    with served(XeroEmulator(firm)) as (emulator, url):
        resource = connector(url, tmp_path)
        got = {name: resource.extract(name, since) for name in PROJECTS_OBJECTS}
        asked = [(r.path, r.query) for r in emulator.store.requests("xero") if "/projects.xro/" in r.path]
    for name, extraction in got.items():
        records = list(extraction.records)
        assert Counter((r.entity, r.record_id) for r in records) == Counter(stored(firm, name)), name
        assert {r.updated_at for r in records} == {None}, name  # no modification time: no watermark kept
        assert sorted(extraction.entities) == ["UK1", "US1"], name  # swept whole, whatever the night asked
    # projects: two pages of three in the first tenant, one in the other; tasks and time: those pages again,
    # then each project's own pages (seven entries on the first: three pages; none on the third: one empty page)
    time_pages = [p for p, _ in asked if p.endswith("/Time")]
    task_pages = [p for p, _ in asked if p.endswith("/Tasks")]
    assert Counter(task_pages) == Counter(
        {f"/projects.xro/2.0/Projects/{uid(3000 + n)}/Tasks": 1 for n in (1, 2, 3, 4, 5, 90)}
    )
    assert got["ProjectTasks"].stats.requests == 2 + 1 + len(task_pages)
    assert Counter(time_pages) == Counter(
        {
            f"/projects.xro/2.0/Projects/{uid(3000 + n)}/Time": pages
            for n, pages in ((1, 3), (2, 1), (3, 1), (4, 1), (5, 1), (90, 1))
        }
    )
    assert got["ProjectTime"].stats.requests == 2 + 1 + len(time_pages)
    # three users fill the first tenant's one page exactly: its pagination says so, no empty page is asked for
    assert got["Projects"].stats.requests == 3 and got["ProjectsUsers"].stats.requests == 2
    assert all("pageSize=3" in query for _, query in asked)


@pytest.mark.parametrize("page_count", ["2", "", 1.5, True, False, -1])
def test_a_page_count_that_is_not_one_stops_the_object_with_a_source_error(firm, tmp_path, monkeypatch, page_count):
    """Xero Projects pages as `pagination.pageCount` says: a count that is not a whole number of pages is the
    vendor's fault, named as such (it was a ValueError from inside the connector)."""
    paged = ProjectsApi._paged

    def miscounted(self, request, listed, wanted):
        response = paged(self, request, listed, wanted)
        response.body["pagination"]["pageCount"] = page_count
        return response

    monkeypatch.setattr(ProjectsApi, "_paged", miscounted)
    with served(XeroEmulator(firm)) as (_, url), pytest.raises(SourceSystemError) as refused:
        connector(url, tmp_path).extract("Projects", None)
    # both organisations are unavailable (each its first page), so the night's extraction of it stops
    assert refused.value.reason == f"the pagination's pageCount is not a page count: {str(page_count)!r}"
    assert (refused.value.system, refused.value.object_name, refused.value.status) == ("xero", "Projects", 200)


def test_bad_project_records_are_quarantined_with_their_rule_and_the_good_ones_flow(firm, tmp_path, monkeypatch):
    monkeypatch.setenv("TIEOUT_HOME", str(tmp_path / "home"))
    put_project_records(
        firm,
        TENANT,
        "Projects",
        [project(6, 99), {**project(7, 11), "status": "ARCHIVED"}],  # an unknown contact; an unknown status
    )
    put_project_records(
        firm,
        TENANT,
        "ProjectTime",
        [
            {**entry(11, 1, 1, 3), "duration": 0},
            {**entry(12, 1, 1, 3), "duration": 25 * 60},
            {**entry(14, 1, 7, 3)},  # no such user
            {**entry(15, 1, 1, 3), "status": "BILLED"},
            entry(16, 1, 1, 3, task_n=5),  # no such task
        ],
    )
    put_project_records(firm, TENANT, "ProjectTasks", [task(3, charge="HOURLY", n=2)])
    warehouse = tmp_path / "warehouse.duckdb"
    keys = {(layer, "xero", o.lower()) for layer in ("raw", "valid") for o in OBJECTS}
    assets = [a for a in [*extraction_assets, *validation_assets] if tuple(a.key.path) in keys]
    assert len(assets) == 2 * len(OBJECTS)
    with served(XeroEmulator(firm)) as (_, url):
        result = materialize(
            assets,
            partition_key=SNAPSHOT_DATE,
            resources={"warehouse": WarehouseResource(database=str(warehouse)), "xero": connector(url, tmp_path)},
            raise_on_error=False,
        )
    assert result.success
    assert quarantined(warehouse) == Counter(
        {
            ("xero", "US1", "Projects", uid(3006), "reference_unresolved", "contactId"): 1,
            ("xero", "US1", "Projects", uid(3007), "status_not_in_enum", "status"): 1,
            ("xero", "US1", "ProjectTime", uid(7011), "hours_out_of_range", "duration"): 1,
            ("xero", "US1", "ProjectTime", uid(7012), "hours_out_of_range", "duration"): 1,
            ("xero", "US1", "ProjectTime", uid(7014), "reference_unresolved", "userId"): 1,
            ("xero", "US1", "ProjectTime", uid(7015), "status_not_in_enum", "status"): 1,
            ("xero", "US1", "ProjectTime", uid(7016), "reference_unresolved", "taskId"): 1,
            ("xero", "US1", "ProjectTasks", uid(9203), "status_not_in_enum", "chargeType"): 1,
        }
    )
    valid_time = record_ids(warehouse, "valid", "xero", "ProjectTime")
    assert valid_time == Counter({("US1" if n < 90 else "UK1", uid(7000 + n)): 1 for n in (*range(1, 11), 90)})
    assert record_ids(warehouse, "valid", "xero", "ProjectsUsers") == Counter(
        {("US1", uid(5001)): 1, ("US1", uid(5002)): 1, ("US1", uid(5003)): 1, ("UK1", uid(5009)): 1}
    )
