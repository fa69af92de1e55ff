"""Tokens that expire (README, Tokens), over whole nights (the nightly job) on the small sandbox firm
whose emulators issue access tokens lasting a second: every system's token expires mid-night and
the night succeeds, QuickBooks' rotated refresh token stored; a revoked refresh token fails the night
saying what to do, with an alert. No token or client secret shows in the output, the logs, the event
log, the run's config, the alert or the report files."""

from __future__ import annotations

import logging
import stat
import zipfile
from pathlib import Path

import pytest
import requests
from dagster import (
    DagsterInstance,
    Definitions,
    ExecuteInProcessResult,
    in_process_executor,
    serialize_value,
)

from pipelines.definitions import defs
from pipelines.jobs import nightly_job
from pipelines.resources import build_resources
from resources.quickbooks import QuickBooksResource
from resources.token_store import TokenStore
from sandbox.emulators.oauth import OAuthTokenServer
from sandbox.runtime import SandboxRuntime, running_sandbox
from tests.conftest import SNAPSHOT_DATE, alert_on_failed_run

SYSTEMS = ("salesforce", "harvest", "quickbooks")
LIFETIME_SECONDS = 1.0
# Each answer takes this long, so that the small firm's fewest requests (Salesforce's 18) outlast the
# lifetime however fast the machine: every system's first token expires before its last request.
ANSWER_SECONDS = 0.1


@pytest.fixture
def issued(monkeypatch) -> list[str]:
    """Every access and refresh token the emulators' token servers hand out."""
    tokens: list[str] = []
    answer = OAuthTokenServer.token

    def token(self, request):
        response = answer(self, request)
        body = response.body if isinstance(response.body, dict) else {}
        tokens.extend(body[key] for key in ("access_token", "refresh_token") if key in body)
        return response

    monkeypatch.setattr(OAuthTokenServer, "token", token)
    return tokens


@pytest.fixture
def night(tieout_env, small_firm, tmp_path, issued, caplog) -> SandboxRuntime:
    """The small firm's emulators, their access tokens lasting a second."""
    caplog.set_level(logging.DEBUG)
    runtime = running_sandbox(small_firm, "small")
    for system in SYSTEMS:
        oauth = runtime.emulators[system].emulator.oauth
        assert oauth is not None
        oauth.access_seconds = LIFETIME_SECONDS
        runtime.faults(system).slow_seconds = ANSWER_SECONDS
    return runtime


def secrets_of(runtime: SandboxRuntime, issued: list[str]) -> set[str]:
    """The tokens issued tonight, and each app's client secret and refresh token as the firm began."""
    apps = runtime.store.meta("credentials")
    return {*issued, *(apps[s][key] for s in SYSTEMS for key in ("client_secret", "connected_with"))}


def exposed(text: str, secrets: set[str]) -> list[str]:
    return sorted(secret[:6] + "…" for secret in secrets if secret in text)


def report_text(home: Path) -> str:
    """Every report file's text; a workbook's parts read out of its zip."""
    parts = []
    for path in sorted((home / "reports").rglob("*")):
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as workbook:
                parts += [workbook.read(name).decode("utf-8", "replace") for name in workbook.namelist()]
        elif path.is_file():
            parts.append(path.read_bytes().decode("utf-8", "replace"))
    return "\n".join(parts)


def run_the_night(instance: DagsterInstance) -> ExecuteInProcessResult:
    """The nightly job as `tieout run` runs it, with the resources of this test's settings (the code
    location's were made when it was first imported)."""
    tonight = Definitions(
        assets=defs.assets,
        asset_checks=defs.asset_checks,
        jobs=[nightly_job],
        resources=build_resources(),
        executor=in_process_executor,
    )
    job = tonight.resolve_job_def(nightly_job.name)
    return job.execute_in_process(partition_key=SNAPSHOT_DATE, instance=instance, raise_on_error=False)


def run_record(instance: DagsterInstance, run_id: str) -> str:
    """The run as Dagster keeps it: its config and tags, and every event of its log."""
    run = instance.get_run_by_id(run_id)
    assert run is not None
    events = [serialize_value(entry) for entry in instance.all_logs(run_id)]
    return "\n".join([serialize_value(run), *events])


def test_a_night_crossing_every_token_expiry_succeeds_and_stores_the_rotated_refresh_token(
    night, issued, tmp_path, capsys, caplog
):
    first = night.store.meta("credentials")["quickbooks"]["refresh_token"]
    start = night.store.last_request_n()
    with DagsterInstance.ephemeral() as instance:
        result = run_the_night(instance)
        assert result.success
        record = run_record(instance, result.run_id)
    out = capsys.readouterr()
    requests_made = night.store.requests(since_n=start)
    for system in SYSTEMS:
        oauth = night.emulators[system].emulator.oauth
        assert oauth is not None
        mine = [r for r in requests_made if r.system == system]
        refreshes = [r for r in mine if r.path == oauth.token_path]
        # the first refresh at the start of the night, more as each token expires, all answered
        assert len(refreshes) >= 2 and {r.status for r in refreshes} == {200}, (system, len(refreshes))
        assert all(r.body is None for r in refreshes)  # the emulator keeps no credentials in its log
        assert mine[-1].status < 300
    # Salesforce does not say how long a session lasts: its expiry is met as a 401, then refreshed
    salesforce = [r for r in requests_made if r.system == "salesforce"]
    assert any(r.status == 401 for r in salesforce)
    store = night.directory / "tokens.json"  # the sandbox's, beside the state it belongs to
    rotated = TokenStore(store).read("quickbooks")["refresh_token"]
    assert rotated == night.store.meta("credentials")["quickbooks"]["refresh_token"] != first
    assert stat.S_IMODE(store.stat().st_mode) == 0o600
    secrets = secrets_of(night, issued)
    assert report_text(tmp_path / "home")  # the night wrote its reports
    for text in (out.out, out.err, caplog.text, record, report_text(tmp_path / "home")):
        assert exposed(text, secrets) == []


def test_a_revoked_refresh_token_fails_the_night_saying_what_to_do_and_alerts(
    night, issued, tmp_path, capsys, caplog, webhook
):
    app = night.store.meta("credentials")["quickbooks"]
    revoked = requests.post(
        night.base_url("quickbooks") + "/oauth2/v1/tokens/revoke",
        auth=(app["client_id"], app["client_secret"]),
        json={"token": app["refresh_token"]},
        timeout=10,
    )
    assert revoked.status_code == 200
    message = (
        "resources.tokens.TokenRefused: quickbooks: the token endpoint refused to refresh the access token (invalid_grant: the refresh "
        "token was revoked, has expired or was already used). Authorise tieout's app in quickbooks again "
        f"and set TIEOUT_QUICKBOOKS_REFRESH_TOKEN to the new refresh token; the token store "
        f"{night.directory / 'tokens.json'} takes over from there (README, Tokens)"
    )
    with DagsterInstance.ephemeral() as instance:
        result = run_the_night(instance)
        assert not result.success
        alert_on_failed_run(instance, result.run_id)
        record = run_record(instance, result.run_id)
    out = capsys.readouterr()
    # every QuickBooks step failed on it, and nothing downstream of them ran
    failed = {event.step_key for event in result.get_step_failure_events()}
    assert failed == {f"raw__quickbooks__{name.lower()}" for name in QuickBooksResource.objects}
    assert [alert["text"] for alert in webhook.received] == [
        f":red_circle: tieout run `nightly` {SNAPSHOT_DATE} failed: {message}"
    ]
    secrets = secrets_of(night, issued)
    for text in (out.out, out.err, caplog.text, record, webhook.received[0]["text"]):
        assert exposed(text, secrets) == []
