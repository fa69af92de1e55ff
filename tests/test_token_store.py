"""The token store and the refresh it guards, against the sandbox's Intuit token server: the file only
its owner reads, written whole or not at all; two refreshes at once spend one refresh token; an access
token that expires early is refreshed on the API's 401 and the request sent again; a configured refresh
token replaces the stored ones only when it is new; a personal access token is sent as it is."""

from __future__ import annotations

import os
import stat
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest

from resources.harvest import HarvestResource
from resources.quickbooks import QuickBooksResource
from resources.sandbox import SandboxResource
from resources.token_store import TokenStore
from sandbox.runtime import SandboxRuntime, running_sandbox

SYSTEM = "quickbooks"


@pytest.fixture
def runtime(small_firm) -> SandboxRuntime:
    return running_sandbox(small_firm, "small")


def connector(runtime: SandboxRuntime, store: Path | None = None, **settings) -> QuickBooksResource:
    """QuickBooks served by the sandbox (its token store beside its state), or configured with `settings`."""
    sandbox = SandboxResource(directory=str(runtime.directory), size="small")
    return QuickBooksResource(sandbox=sandbox, **({"token_store": str(store)} if store else {}), **settings)


def refreshes(runtime: SandboxRuntime, since: int) -> list[int]:
    return [r.status for r in runtime.store.requests(SYSTEM, since_n=since) if r.path.endswith("/tokens/bearer")]


def query(client, realm: str) -> dict:
    body = client.request_json(
        "GET", f"/v3/company/{realm}/query", object_name="CompanyInfo", params={"query": "select * from CompanyInfo"}
    )
    return body["QueryResponse"]["CompanyInfo"][0]


def test_the_store_is_the_owners_alone_and_written_whole(tmp_path, monkeypatch):
    store = TokenStore(tmp_path / "home" / "tokens.json")
    with store.locked():
        store.write("quickbooks", {"refresh_token": "first"})
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600
    assert stat.S_IMODE(Path(f"{store.path}.lock").stat().st_mode) == 0o600

    def crash(source, target):
        raise OSError("disk gone")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError, match="disk gone"), store.locked():
        store.write("quickbooks", {"refresh_token": "second"})
    assert store.read("quickbooks") == {"refresh_token": "first"}
    assert sorted(p.name for p in store.path.parent.iterdir()) == ["tokens.json", "tokens.json.lock"]


def test_the_lock_is_exclusive_between_holders(tmp_path):
    store, order = TokenStore(tmp_path / "tokens.json"), []
    inside = threading.Event()

    def hold():
        with store.locked():
            inside.set()
            order.append("first in")
            time.sleep(0.3)  # a sleep, not a timed wait: a frozen test clock (faketime) never ends the latter
            order.append("first out")

    holder = threading.Thread(target=hold)
    holder.start()
    inside.wait(5)
    with store.locked():
        order.append("second in")
    holder.join()
    assert order == ["first in", "first out", "second in"]


def test_two_steps_refreshing_at_once_spend_one_refresh_token(runtime):
    store = runtime.directory / "tokens.json"
    runtime.faults(SYSTEM).slow_seconds = 0.3  # both wait on the lock while the first refresh is under way
    start, realm = runtime.store.last_request_n(), runtime.legal_entities()[0]["realm_id"]
    clients = [connector(runtime).client() for _ in range(2)]
    answers: list[str] = []

    def step(client):
        answers.append(query(client, realm)["Id"])

    steps = [threading.Thread(target=step, args=(client,)) for client in clients]
    for step in steps:
        step.start()
    for step in steps:
        step.join()
    runtime.faults(SYSTEM).slow_seconds = 0
    assert len(answers) == 2 and refreshes(runtime, start) == [200]  # the second took the first's token
    assert TokenStore(store).read(SYSTEM)["refresh_token"] == runtime.store.meta("credentials")[SYSTEM]["refresh_token"]


def later(runtime: SandboxRuntime, hours: int) -> None:
    """The vendor's clock moves on: the access tokens it issued before have expired, whatever tieout
    was told when it got them."""
    emulator = runtime.emulators[SYSTEM].emulator
    now = emulator.clock()
    emulator.clock = lambda: now + timedelta(hours=hours)


def test_an_access_token_refused_as_expired_is_refreshed_and_the_request_sent_again(runtime):
    start, realm = runtime.store.last_request_n(), runtime.legal_entities()[0]["realm_id"]
    client = connector(runtime).client()
    assert query(client, realm)["Id"]
    later(runtime, hours=2)
    assert query(client, realm)["Id"]
    assert refreshes(runtime, start) == [200, 200]
    api = [r.status for r in runtime.store.requests(SYSTEM, since_n=start) if "/v3/company/" in r.path]
    assert api == [200, 401, 200] and client.stats.requests == 3


def test_the_stored_refresh_token_outlives_the_configured_one_until_another_is_configured(runtime, tmp_path):
    store, app = tmp_path / "tokens.json", runtime.credentials(SYSTEM)
    realm = runtime.legal_entities()[0]["realm_id"]
    settings = {
        "base_url": runtime.base_url(SYSTEM),
        "realms": f'{{"US": "{realm}"}}',
        "client_id": app["client_id"],
        "client_secret": app["client_secret"],
        "token_url": app["token_url"],
    }
    start = runtime.store.last_request_n()
    assert query(connector(runtime, store, refresh_token=app["refresh_token"], **settings).client(), realm)
    later(runtime, hours=2)  # the next night: the configured refresh token is spent, the stored one is not
    assert query(connector(runtime, store, refresh_token=app["refresh_token"], **settings).client(), realm)
    # authorised again: the vendor's new refresh token, configured, replaces the stored one
    reconnected = "RT1-authorised-again"
    runtime.store.set_meta(
        "credentials",
        {
            **runtime.store.meta("credentials"),
            SYSTEM: {**runtime.store.meta("credentials")[SYSTEM], "refresh_token": reconnected},
        },
    )
    later(runtime, hours=4)
    assert query(connector(runtime, store, refresh_token=reconnected, **settings).client(), realm)
    assert refreshes(runtime, start) == [200, 200, 200]


def test_a_personal_access_token_is_sent_as_it_is(runtime, tmp_path):
    start, credentials = runtime.store.last_request_n(), runtime.credentials("harvest")
    sandbox = SandboxResource(directory=str(runtime.directory), size="small")
    harvest = HarvestResource(
        base_url=runtime.base_url("harvest"),
        account_id=credentials["account_id"],
        access_token=credentials["access_token"],
        token_store=str(tmp_path / "tokens.json"),
        sandbox=sandbox,
    )
    assert len(harvest.extract("tasks", None).records) == runtime.store.count("harvest", "", "tasks")
    assert [r.path for r in runtime.store.requests("harvest", since_n=start) if "oauth2" in r.path] == []
    assert not (tmp_path / "tokens.json").exists()
