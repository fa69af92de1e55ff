"""Issue 13: QuickBooks' CDC look-back is counted from the night's snapshot date, not the wall clock,
so a night chooses CDC or a sweep the same way whenever it runs (a backfill, a rerun, faketime)."""

from datetime import UTC, datetime, time, timedelta

import pytest

from resources.quickbooks import QuickBooksResource
from resources.sandbox import SandboxResource
from sandbox.runtime import running_sandbox
from sandbox.store import SandboxStore
from tests.conftest import AS_OF


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
