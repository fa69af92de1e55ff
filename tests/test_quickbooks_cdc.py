"""Issue 13: QuickBooks' CDC look-back is counted from the night's snapshot date, not the wall clock,
so a night chooses CDC or a sweep the same way whenever it runs (a backfill, a rerun, faketime)."""

from datetime import UTC, datetime, time, timedelta

import pytest
import requests

import resources.quickbooks as quickbooks_connector
import sandbox.emulators.quickbooks as quickbooks_emulator
from resources.quickbooks import QuickBooksResource
from resources.sandbox import SandboxResource
from sandbox.runtime import running_sandbox
from sandbox.store import SandboxStore
from tests.conftest import AS_OF
from tests.test_extraction import load_log, run_night, served_count, snapshot, tenants


@pytest.mark.parametrize(("days_before", "cdc"), [(29, True), (31, False)])
def test_cdc_look_back_counts_from_the_snapshot_date(small_firm, days_before, cdc):
    night = datetime.combine(AS_OF, time(), UTC)
    # the emulator's QuickBooks refuses CDC older than 30 days by its own clock: it stands at the night
    running_sandbox(small_firm, "small").emulators["quickbooks"].emulator.clock = lambda: night
    store = SandboxStore(small_firm / "state.db")
    realms = [e["realm_id"] for e in store.meta("legal_entities")]
    since = (night - timedelta(days=days_before)).strftime("%Y-%m-%dT%H:%M:%SZ")
    start = store.last_request_n()

    extraction = QuickBooksResource(sandbox=SandboxResource(directory=str(small_firm), size="small")).extract(
        "Invoice", since, snapshot_date=AS_OF
    )

    asked = sorted(
        (r.path.split("/")[3], r.path.rsplit("/", 1)[1])
        for r in store.requests("quickbooks", since_n=start)
        if r.path.startswith("/v3/company/")  # not the token endpoint: the refresh is not the question
    )
    if cdc:
        assert asked == sorted((realm, "cdc") for realm in realms)
        assert extraction.entities == [] and extraction.unavailable == {}
    else:
        assert {path for _, path in asked} == {"query"} and {realm for realm, _ in asked} == set(realms)
        assert sorted(extraction.entities) == sorted(e["code"] for e in store.meta("legal_entities"))


def test_a_backfilled_night_sweeps_when_quickbooks_counts_cdc_from_its_own_now(small_firm):
    """QuickBooks refuses a CDC older than 30 days by its own clock: a night backfilled 40 days later
    with a watermark within the night's look-back asks, is refused, and sweeps every company."""
    night = datetime.combine(AS_OF, time(), UTC)
    running_sandbox(small_firm, "small").emulators["quickbooks"].emulator.clock = lambda: night + timedelta(days=40)
    store = SandboxStore(small_firm / "state.db")
    realms = {e["realm_id"]: e["code"] for e in store.meta("legal_entities")}
    start = store.last_request_n()

    extraction = QuickBooksResource(sandbox=SandboxResource(directory=str(small_firm), size="small")).extract(
        "Invoice", (night - timedelta(days=29)).strftime("%Y-%m-%dT%H:%M:%SZ"), snapshot_date=AS_OF
    )

    asked = [
        (r.path.split("/")[3], r.path.rsplit("/", 1)[1], r.status)
        for r in store.requests("quickbooks", since_n=start)
        if r.path.startswith("/v3/company/")  # not the token endpoint: the refresh is not the question
    ]
    assert sorted((realm, path, status) for realm, path, status in asked if path == "cdc") == sorted(
        (realm, "cdc", 400) for realm in realms
    )
    assert {realm for realm, path, status in asked if path == "query" and status == 200} == set(realms)
    assert extraction.unavailable == {} and sorted(extraction.entities) == sorted(realms.values())


def qbo_post(runtime, realm: str, path: str, body: dict, **params) -> dict:
    """A person's edit in QuickBooks, over HTTP."""
    response = requests.post(
        f"{runtime.base_url('quickbooks')}/v3/company/{realm}/{path}",
        json=body,
        params=params,
        headers={"Authorization": f"Bearer {runtime.credentials('quickbooks')['access_token']}"},
        timeout=10,
    )
    assert response.status_code == 200, response.text
    return response.json()


@pytest.mark.parametrize("deleted", [False, True])
def test_past_cdcs_cap_the_changed_records_are_paged_and_the_count_catches_unreported_deletions(
    tieout_env, recent_firm, monkeypatch, deleted
):
    """Issue 14: CDC returns at most its cap of changes an entity (1,000; here 5, the firm being small).
    A busier day pages the records changed since the watermark instead of sweeping the realm, and counts
    the realm's records: a deletion past the cap, which CDC never reported, leaves the snapshot one
    record over that count, and the night sweeps the object in full."""
    firm, as_of = recent_firm
    monkeypatch.setenv("TIEOUT_SANDBOX_DIR", str(firm))
    monkeypatch.setattr(quickbooks_emulator, "CDC_CAP", 5)
    monkeypatch.setattr(quickbooks_connector, "CDC_MAX_PER_ENTITY", 5)
    first, second = as_of.isoformat(), (as_of + timedelta(days=1)).isoformat()
    assert run_night(first).success
    runtime, store = running_sandbox(firm), SandboxStore(firm / "state.db")
    realm = tenants(store, "quickbooks")[0]
    activities = store.list("quickbooks", realm, "TimeActivity")
    edited = activities[:8]  # more than the cap
    for activity in edited:
        body = {"Id": activity["Id"], "SyncToken": activity["SyncToken"], "sparse": True}
        qbo_post(runtime, realm, "timeactivity", {**body, "Description": f"{activity.get('Description', '')} (edited)"})
    gone = activities[-1]
    if deleted:  # after the edits: past the cap of CDC's changes, oldest first
        qbo_post(runtime, realm, "timeactivity", {"Id": gone["Id"], "SyncToken": gone["SyncToken"]}, operation="delete")
    start = store.last_request_n()

    result = run_night(second)

    assert result.success
    logged = load_log(tieout_env, second)[("quickbooks", "TimeActivity")]
    records, rows = snapshot(tieout_env, "quickbooks", "TimeActivity", second)
    entity = next(e["code"] for e in store.meta("legal_entities") if e.get("realm_id") == realm)
    held = {record_id for (code, record_id) in records if code == entity}
    assert held == {a["Id"] for a in store.list("quickbooks", realm, "TimeActivity")}
    assert all("(edited)" in records[(entity, a["Id"])] for a in edited)
    assert rows == served_count(store, "quickbooks", "TimeActivity")
    queries = [
        r.query
        for r in store.requests("quickbooks", since_n=start)
        if r.tenant == realm and r.path.endswith("/query") and "TimeActivity" in r.query
    ]
    asked = [
        r
        for r in store.requests("quickbooks", since_n=start)
        if r.path.startswith("/v3/company/") and "TimeActivity" in r.query  # every company, both attempts
    ]
    assert logged["requests"] == len(asked)
    changed = [q for q in queries if "LastUpdatedTime" in q]
    counted = [q for q in queries if "count" in q]
    swept = [q for q in queries if q not in changed and q not in counted]
    metadata = next(
        e.materialization.metadata
        for e in result.get_asset_materialization_events()
        if e.materialization.asset_key.path == ["raw", "quickbooks", "timeactivity"]
    )
    if deleted:
        assert logged["mode"] == "full" and gone["Id"] not in held
        assert (len(changed), len(counted), len(swept)) == (1, 1, 1)
        assert metadata["swept_because"].value == (
            f"quickbooks TimeActivity: the snapshot and the source's count disagree "
            f"({entity}: {len(activities)} held, {len(activities) - 1} counted): swept in full"
        )
    else:
        assert logged["mode"] == "incremental"
        assert (len(changed), len(counted), len(swept)) == (1, 1, 0)
        assert metadata["swept_because"].value == ""
