"""The portal under attack, over real HTTP: password guessing is throttled per user name and per
client address (and alerted), POSTs must come from the portal's own pages, sessions outlive the
process, and a sign-in flood leaves memory bounded."""

from __future__ import annotations

import http.client
import os
import sqlite3
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import requests
import yaml
from argon2 import PasswordHasher

from portal.config import load_config
from portal.server import running_portal
from tests.portal.conftest import NIGHT, PASSWORDS, WORKBOOK, csrf_of
from tests.portal.test_portal_cli import free_port

WINDOW_SECONDS = 15 * 60  # config/portal.yaml's login_window_minutes, the default


def post_login(
    url: str, user: str, password: str, source: str = "127.0.0.1"
) -> tuple[int, http.client.HTTPMessage, str]:
    """A sign-in from `source` (any loopback address), as a browser sends it: the form's token and
    cookie from a GET, then the POST with the page's Origin."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60, source_address=(source, 0))
    try:
        connection.request("GET", "/login")
        form = connection.getresponse()
        cookie = form.getheader("Set-Cookie").split(";")[0]
        token = csrf_of(form.read().decode())
        body = urlencode({"username": user, "password": password, "csrf_token": token})
        headers = {
            "Origin": url,
            "Cookie": cookie,
            "Content-Type": "application/x-www-form-urlencoded",
        }
        connection.request("POST", "/login", body=body, headers=headers)
        answer = connection.getresponse()
        return answer.status, answer.headers, answer.read().decode()
    finally:
        connection.close()


def test_guessing_one_users_password_locks_that_name_out_until_the_window_passes(portal, webhook):
    statuses = [post_login(portal.url, "ana.finance", f"guess-{n}")[0] for n in range(5)]
    assert statuses == [401] * 5
    status, headers, page = post_login(portal.url, "ana.finance", PASSWORDS["ana.finance"])
    assert status == 429 and "Too many failed sign-ins: try again in 15 minutes." in page
    assert int(headers["Retry-After"]) == WINDOW_SECONDS
    assert post_login(portal.url, "piet.pmo", PASSWORDS["piet.pmo"])[0] == 303  # other names are not locked
    deadline = time.monotonic() + 10
    while not webhook.received and time.monotonic() < deadline:
        time.sleep(0.05)
    [alert] = webhook.received
    assert alert["text"].startswith(":lock: tieout portal: 5 sign-in attempts for user 'ana.finance' within 15 minutes")
    portal.clock.advance(WINDOW_SECONDS / 60 - 1)
    assert post_login(portal.url, "ana.finance", PASSWORDS["ana.finance"])[0] == 429
    portal.clock.advance(1.01)
    assert post_login(portal.url, "ana.finance", PASSWORDS["ana.finance"])[0] == 303
    actions = [e["action"] for e in portal.audit() if e["action"].startswith("login")]
    assert actions == ["login_failed"] * 5 + ["login_lockout", "login_throttled", "login", "login_throttled", "login"]
    assert PASSWORDS["ana.finance"] not in portal.config.audit_log.read_text()


def test_a_right_password_takes_its_attempt_back(portal):
    for _ in range(3):
        assert post_login(portal.url, "ana.finance", "wrong")[0] == 401
        assert post_login(portal.url, "ana.finance", PASSWORDS["ana.finance"])[0] == 303
    for _ in range(4):
        assert post_login(portal.url, "ana.finance", "wrong")[0] == 401
    assert post_login(portal.url, "ana.finance", PASSWORDS["ana.finance"])[0] == 303


def test_guessing_many_names_from_one_address_locks_the_address_not_the_others(portal):
    statuses = [post_login(portal.url, f"user-{n}", "guess", source="127.0.0.7")[0] for n in range(20)]
    assert statuses == [401] * 20
    assert post_login(portal.url, "ana.finance", PASSWORDS["ana.finance"], source="127.0.0.7")[0] == 429
    assert post_login(portal.url, "ana.finance", PASSWORDS["ana.finance"], source="127.0.0.8")[0] == 303
    [lockout] = [e for e in portal.audit() if e["action"] == "login_lockout"]
    assert (lockout["locked"], lockout["key"], lockout["attempts"]) == ("address", "127.0.0.7", 20)


def test_a_post_without_the_portals_origin_is_refused_before_it_is_acted_on(portal):
    http_session = portal.sign_in("ana.finance")
    token = csrf_of(http_session.get(f"{portal.url}/reports").text)
    for origin in (None, "null", "http://evil.example", portal.url.replace("127.0.0.1", "localhost")):
        headers = {"Origin": origin} if origin else {}
        http_session.headers.pop("Origin", None)
        answer = http_session.post(f"{portal.url}/logout", data={"csrf_token": token}, headers=headers)
        assert answer.status_code == 403 and answer.text == "This form was not sent from the portal's own pages."
    assert http_session.get(f"{portal.url}/reports").status_code == 200  # still signed in
    too_big = http_session.post(
        f"{portal.url}/logout", data={"csrf_token": token, "pad": "x" * 300_000}, headers={"Origin": portal.url}
    )
    assert too_big.status_code == 413
    refused = [e["action"] for e in portal.audit() if e["action"].endswith("_refused")]
    assert refused == ["origin_refused"] * 4 + ["size_refused"]


def test_sessions_outlive_the_portal_process_and_are_stored_hashed(portal):
    http_session = portal.sign_in("ana.finance")
    token = http_session.cookies["tieout_session"]
    with running_portal(load_config(portal.config_path), portal.clock) as restarted:
        assert http_session.get(f"{restarted}/reports/{NIGHT}/{WORKBOOK}").status_code == 200
    stored = portal.config.sessions.read_bytes()
    assert token.encode() not in stored and oct(portal.config.sessions.stat().st_mode & 0o777) == "0o600"
    with sqlite3.connect(portal.config.sessions) as db:
        assert db.execute("SELECT user_name FROM sessions").fetchall() == [("ana.finance",)]


def test_concurrent_guesses_are_checked_two_at_a_time_and_twenty_in_all(portal, monkeypatch):
    """40 guesses at once from one address: 20 admitted (the address's limit), their password checks
    never more than `password_checks_at_once` (2) at a time; the rest refused unchecked."""
    import threading

    import portal.app as portal_app

    running, most, lock = [0], [0], threading.Lock()
    real = portal_app.authenticate

    def counted(*args):
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        time.sleep(0.05)  # long enough for the others to pile up behind the two slots
        try:
            return real(*args)
        finally:
            with lock:
                running[0] -= 1

    monkeypatch.setattr(portal_app, "authenticate", counted)
    with ThreadPoolExecutor(40) as pool:
        statuses = list(pool.map(lambda n: post_login(portal.url, f"guess-{n}", "password")[0], range(40)))
    assert sorted(statuses) == [401] * 20 + [429] * 20
    assert most[0] == 2


def rss_peak_kib(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM:")))


def test_a_sign_in_flood_is_throttled_and_memory_stays_bounded(tmp_path):
    """160 guesses, 40 at a time, at unknown names from one address: argon2's full cost (64 MiB a
    check), as in production. The first 20 are checked, at most two at a time; the rest refused."""
    settings = {
        "audit_log": str(tmp_path / "audit.jsonl"),
        "roles": {"finance": {"queues": ["finance"]}},
        "users": {"ana.finance": {"role": "finance", "password_hash": PasswordHasher().hash("ledger-Owl-42")}},
    }
    (tmp_path / "portal.yaml").write_text(yaml.safe_dump(settings))
    port = free_port()
    environment = {"TIEOUT_HOME": str(tmp_path), "PATH": "/usr/bin:/bin"}
    if "PYTHONPATH" in os.environ:
        environment["PYTHONPATH"] = os.environ["PYTHONPATH"]
    server = subprocess.Popen(
        [sys.executable, "-m", "pipelines.cli", "portal", "serve", "--config", str(tmp_path / "portal.yaml")]
        + ["--port", str(port)],
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                requests.get(f"{url}/healthz", timeout=2)
                break
            except requests.ConnectionError:
                assert time.monotonic() < deadline and server.poll() is None
                time.sleep(0.1)
        with ThreadPoolExecutor(40) as pool:
            statuses = list(pool.map(lambda n: post_login(url, f"guess-{n}", "password")[0], range(160)))
        assert sorted(statuses) == [401] * 20 + [429] * 140
        assert post_login(url, "ana.finance", "ledger-Owl-42", source="127.0.0.9")[0] == 303
        peak_mib = rss_peak_kib(server.pid) / 1024
        assert peak_mib < 512, f"the portal peaked at {peak_mib:.0f} MiB"
    finally:
        server.terminate()
        server.wait(timeout=10)
