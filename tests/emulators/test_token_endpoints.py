"""Salesforce's and Harvest's OAuth token endpoints in the emulators, on the small sandbox firm: the
refresh_token grant with the client id and secret in the form, each vendor's token response, sessions
and tokens that expire by the emulator's clock, and what survives a refresh (Salesforce's refresh token
does not rotate; Harvest's personal access token keeps working)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import requests

from sandbox.emulators.harvest import HarvestEmulator
from sandbox.emulators.salesforce import SalesforceEmulator
from sandbox.store import SandboxStore
from tests.emulators.serving import served


def refresh(base_url: str, path: str, app: dict, refresh_token: str | None = None) -> requests.Response:
    form = {
        "grant_type": "refresh_token",
        "refresh_token": refresh_token or app["refresh_token"],
        "client_id": app["client_id"],
        "client_secret": app["client_secret"],
    }
    return requests.post(base_url + path, data=form, timeout=10)


def test_salesforce_sessions_expire_and_the_refresh_token_does_not_rotate(small_firm: Path):
    store = SandboxStore(small_firm / "state.db")
    app = store.meta("credentials")["salesforce"]
    with served(SalesforceEmulator(store)) as (emulator, base_url):
        emulator.oauth.access_seconds = 60
        first = refresh(base_url, "/services/oauth2/token", app)
        body = first.json()
        assert first.status_code == 200
        assert set(body) == {"access_token", "signature", "scope", "instance_url", "id", "token_type", "issued_at"}
        assert body["instance_url"] == base_url and body["token_type"] == "Bearer"
        again = refresh(base_url, "/services/oauth2/token", app)  # the same refresh token, again
        assert (
            again.status_code == 200
            and store.meta("credentials")["salesforce"]["refresh_token"] == app["refresh_token"]
        )
        limits = base_url + "/services/data/v62.0/limits/"
        session = {"Authorization": f"Bearer {body['access_token']}"}
        assert requests.get(limits, headers=session, timeout=10).status_code == 200
        issued = datetime.now(UTC)
        emulator.clock = lambda: issued + timedelta(seconds=61)
        expired = requests.get(limits, headers=session, timeout=10)
        assert (expired.status_code, expired.json()[0]["errorCode"]) == (401, "INVALID_SESSION_ID")
        wrong = refresh(base_url, "/services/oauth2/token", {**app, "client_secret": "not-it"})
        assert (wrong.status_code, wrong.json()["error"]) == (401, "invalid_client")


def test_harvest_oauth_tokens_expire_rotate_and_leave_the_personal_token_working(small_firm: Path):
    store = SandboxStore(small_firm / "state.db")
    app = store.meta("credentials")["harvest"]
    with served(HarvestEmulator(store)) as (emulator, base_url):
        first = refresh(base_url, "/api/v2/oauth2/token", app)
        body = first.json()
        assert first.status_code == 200
        assert body == {
            "token_type": "bearer",
            "access_token": body["access_token"],
            "expires_in": 14 * 24 * 3600 - 1,
            "refresh_token": store.meta("credentials")["harvest"]["refresh_token"],
        }
        spent = refresh(base_url, "/api/v2/oauth2/token", app)
        assert (spent.status_code, spent.json()["error"]) == (400, "invalid_grant")

        def me(token: str) -> int:
            headers = {"Authorization": f"Bearer {token}", "Harvest-Account-Id": app["account_id"], "User-Agent": "t"}
            return requests.get(base_url + "/v2/users/me", headers=headers, timeout=10).status_code

        assert me(body["access_token"]) == 200
        issued = datetime.now(UTC)
        emulator.clock = lambda: issued + timedelta(days=14)
        assert me(body["access_token"]) == 401
        assert me(app["access_token"]) == 200  # a personal access token does not expire
