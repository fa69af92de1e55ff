"""The command line's answers to bad input: the README's exit codes (0 ok, 1 run failed, 2 wrong
command, 130 interrupted), each with one clear line."""

import json
import os
import pty
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from assets.partitions import nightly_partitions
from pipelines.cli import main
from resources.http import ApiClient, ClientRateLimiter, SourceSystemError
from tests.conftest import REPO, SNAPSHOT_DATE


def free_port() -> int:
    """A loopback port nothing listens on (just closed)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_night_outside_the_partitions_names_the_valid_range(capsys):
    # "today" where the nights are counted (the partitions' timezone), not where the machine is
    today = datetime.now(ZoneInfo(nightly_partitions.timezone)).date()
    future = (today + timedelta(days=30)).isoformat()
    assert main(["run", "--date", future]) == 2
    after = datetime.now(ZoneInfo(nightly_partitions.timezone)).date()  # the firm's midnight may pass meanwhile
    said = capsys.readouterr().err
    assert said in {
        f"tieout: {future}: not a night that can run; nights run from 2025-01-01 to {day - timedelta(days=1)}\n"
        for day in (today, after)
    }


def test_a_backfill_that_ends_before_it_starts_is_refused(capsys):
    assert main(["backfill", "--from", "2026-11-25", "--to", "2026-11-20"]) == 2
    assert capsys.readouterr().err == "tieout: the range 2026-11-25..2026-11-20 ends before it starts\n"


def test_approving_an_unknown_correction_names_it(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("TIEOUT_WAREHOUSE", str(tmp_path / "warehouse.duckdb"))
    assert main(["corrections", "approve", "nonexistent", "--by", "x"]) == 2
    assert capsys.readouterr().err == "tieout: no such correction in the outbox: nonexistent\n"


def test_an_impossible_date_names_the_option(capsys):
    assert main(["run", "--date", "2026-13-45"]) == 2
    assert capsys.readouterr().err.splitlines()[-1] == (
        "tieout run: error: argument --date: '2026-13-45' is not a day written YYYY-MM-DD (month must be in 1..12)"
    )


def test_a_source_url_without_its_token_is_refused_before_anything_runs(monkeypatch, capsys):
    monkeypatch.setenv("TIEOUT_SALESFORCE_INSTANCE_URL", "https://acme.my.salesforce.com")
    monkeypatch.delenv("TIEOUT_SALESFORCE_ACCESS_TOKEN", raising=False)
    assert main(["run", "--date", SNAPSHOT_DATE]) == 2
    assert capsys.readouterr().err == (
        "tieout: TIEOUT_SALESFORCE_INSTANCE_URL is set without "
        "TIEOUT_SALESFORCE_ACCESS_TOKEN (or TIEOUT_SALESFORCE_CLIENT_ID, TIEOUT_SALESFORCE_CLIENT_SECRET, "
        "TIEOUT_SALESFORCE_REFRESH_TOKEN): set them too, or unset it to use the sandbox\n"
    )


def test_a_refused_first_connection_fails_at_once_naming_system_and_url():
    url = f"http://127.0.0.1:{free_port()}"
    client = ApiClient("harvest", url, {"Authorization": "Bearer secret-token"}, ClientRateLimiter(100, 1.0))
    started = time.monotonic()
    with pytest.raises(SourceSystemError) as refused:
        client.request_json("GET", "/v2/clients", object_name="clients", page=1)
    assert time.monotonic() - started < 5 and client.stats.requests == 1 and client.stats.retries == 0
    assert (
        str(refused.value)
        == f"harvest: no response on clients page 1: connection refused at {url} (check its URL setting)"
    )
    assert "secret-token" not in str(refused.value)


def read_until_closed(controller: int, chunks: list[bytes]) -> None:
    """What a pseudo-terminal's programs write, until the last of them has closed it."""
    while True:
        try:
            chunk = os.read(controller, 4096)
        except OSError:  # the terminal closed with the process
            return
        if not chunk:
            return
        chunks.append(chunk)


def test_ctrl_c_on_a_terminal_stops_the_night_with_exit_130_and_no_info_logs(small_firm, tmp_path):
    env = {
        **os.environ,
        "TIEOUT_SANDBOX_DIR": str(small_firm),
        "TIEOUT_SANDBOX_SIZE": "small",
        "TIEOUT_WAREHOUSE": str(tmp_path / "warehouse.duckdb"),
        "TIEOUT_HOME": str(tmp_path / "home"),
        "DAGSTER_HOME": str(tmp_path / "home" / "dagster"),
    }
    controller, terminal = pty.openpty()
    night = subprocess.Popen(
        [sys.executable, "-m", "pipelines.cli", "run", "--date", SNAPSHOT_DATE],
        cwd=REPO,
        env=env,
        stdin=terminal,
        stdout=terminal,
        stderr=terminal,
    )
    os.close(terminal)
    output = b""
    while not re.search(rb"night of \S+ \[#*\.*\] [1-9]", output):  # a step has finished: the night is under way
        output += os.read(controller, 4096)
    night.send_signal(signal.SIGINT)
    # A terminal is read while the night stops: unread, a night still writing (its bar, say) fills the
    # pseudo-terminal's buffer and blocks, and the wait below could not tell that from a hang.
    chunks: list[bytes] = []
    reader = threading.Thread(target=read_until_closed, args=(controller, chunks), daemon=True)
    reader.start()
    try:
        exit_code = night.wait(timeout=60)
    except subprocess.TimeoutExpired:  # still running a minute after Ctrl-C: the assertion shows what it wrote
        night.kill()
        exit_code = night.wait()
    reader.join(timeout=10)  # a process the night left behind may hold the terminal open
    os.close(controller)
    output += b"".join(chunks)
    text = output.decode("utf-8", "replace")
    assert exit_code == 130, text[-3000:]
    assert " INFO " not in text, [line for line in text.splitlines() if " INFO " in line][:5]
    assert "Traceback" not in text, text[-3000:]
    lines = [line.strip() for line in re.split(r"[\r\n]+", text) if line.strip()]
    assert lines[-1] == f"interrupted: night {SNAPSHOT_DATE} not finished; run it again"


def test_sandbox_serve_listens_on_the_given_ports_and_prints_what_a_client_needs(small_firm):
    ports = {system: free_port() for system in ("salesforce", "harvest", "quickbooks")}
    served = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "sandbox.cli",
            "serve",
            "--size",
            "small",
            "--dir",
            str(small_firm),
            *(f"--{s}-port={p}" for s, p in ports.items()),
        ],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    lines = [served.stdout.readline().strip() for _ in range(4)]
    served.send_signal(signal.SIGINT)
    assert served.wait(timeout=30) == 0
    assert lines[-1] == "serving; Ctrl-C stops"
    for line, (system, port) in zip(lines, ports.items()):
        name, url, credentials = line.split(" ", 2)
        assert (name, url) == (f"{system}:", f"http://127.0.0.1:{port}")
        assert json.loads(credentials).get("access_token")


def test_a_past_night_never_extracted_is_refused_saying_the_vendors_give_only_todays_state(tieout_env, tmp_path):
    from tests.test_extraction import PREVIOUS_NIGHT, run_night

    assert run_night(SNAPSHOT_DATE).success
    night = subprocess.run(
        [sys.executable, "-m", "pipelines.cli", "run", "--date", PREVIOUS_NIGHT],
        cwd=REPO,
        env={**os.environ, "DAGSTER_HOME": str(tmp_path / "dagster")},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert night.returncode == 1, night.stderr[-2000:]
    status = next(
        line for line in night.stdout.splitlines() if line.startswith(f"[1/1] night of {PREVIOUS_NIGHT}: FAILED")
    )
    assert f"no snapshot of {PREVIOUS_NIGHT} is stored and a later night ({SNAPSHOT_DATE}) is" in status
    assert "The vendors' APIs give only today's state" in status
    assert f"run `tieout run --date {PREVIOUS_NIGHT} --refetch`" in status


def test_run_and_backfill_hand_the_nights_and_the_refetch_on_to_the_run(monkeypatch, capsys):
    """What `tieout run` and `tieout backfill` ask of the run itself: the night (yesterday in the firm's
    zone without --date), the mode and whether a past night is refetched; a backfill says first that
    vendors give only today's state."""
    import pipelines.cli

    asked = []
    monkeypatch.setattr(
        pipelines.cli, "run_nights", lambda nights, mode, refetch: asked.append((nights, mode, refetch))
    )

    def yesterday() -> str:
        return (datetime.now(ZoneInfo(nightly_partitions.timezone)).date() - timedelta(days=1)).isoformat()

    before = yesterday()
    main(["run"])
    nights = {before, yesterday()}  # the firm's midnight may fall between the two readings
    main(["run", "--date", SNAPSHOT_DATE, "--refetch"])
    main(["backfill", "--from", "2026-11-01", "--to", "2026-11-03", "--mode", "full"])
    [ran] = asked[0][0]
    assert ran in nights
    assert asked == [
        ([ran], "auto", False),
        ([SNAPSHOT_DATE], "auto", True),
        (["2026-11-01", "2026-11-02", "2026-11-03"], "full", False),
    ]
    assert capsys.readouterr().out.startswith("note: the vendors' APIs give only today's state.")
