"""Dagster's own processes on loopback, started and stopped cleanly: `dagster dev` (webserver +
daemon) for the UI path's tests and the daemon-overhead benchmark, `dagster-daemon run` alone for
the production instance's scheduler test."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(predicate, timeout: float, what: str):
    """The first truthy value of `predicate()`, polled every half second; TimeoutError after `timeout`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.5)
    raise TimeoutError(f"timed out after {timeout:.0f} s waiting for {what}")


def answers(port: int) -> bool:
    try:
        return requests.get(f"http://127.0.0.1:{port}/server_info", timeout=2).ok
    except requests.ConnectionError:
        return False


@contextlib.contextmanager
def supervised(command: list[str], env: dict[str, str], log: Path) -> Iterator[subprocess.Popen]:
    """Run a Dagster command (`dagster dev`, `dagster-daemon run`) on workspace.yaml with `env` added,
    output to `log`, and stop it cleanly.

    It runs in a session of its own (started from Python, so SIGINT keeps its default disposition):
    Ctrl-C goes to the whole group as a terminal sends it, and whatever outlives that (its webserver,
    daemon and code server are children that can) is terminated."""
    with open(log, "w") as output:
        process = subprocess.Popen(
            [str(REPO / ".venv" / "bin" / command[0]), *command[1:], "-w", str(REPO / "workspace.yaml")],
            cwd=REPO,
            env={**os.environ, **env},
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            yield process
        finally:
            os.killpg(process.pid, signal.SIGINT)
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)


@contextlib.contextmanager
def dagster_dev(env: dict[str, str], log: Path, startup_timeout: float = 300) -> Iterator[int]:
    """`dagster dev` (webserver and daemon) on loopback; yields its port once it answers."""
    port = free_port()
    with supervised(["dagster", "dev", "-h", "127.0.0.1", "-p", str(port)], env, log):
        wait_for(lambda: answers(port), startup_timeout, "the webserver")
        yield port


def run_night(port: int, snapshot_date: str, timeout: float = 7200) -> tuple[str, str]:
    """Launch the nightly job for a date through the webserver's GraphQL API, as the UI's Materialize
    button does, and wait for it to end; returns (run id, final status)."""
    from dagster_graphql import DagsterGraphQLClient

    client = DagsterGraphQLClient("127.0.0.1", port_number=port)
    run_id = client.submit_job_execution("nightly", tags={"dagster/partition": snapshot_date})
    status = wait_for(
        lambda: (s := client.get_run_status(run_id).value) in ("SUCCESS", "FAILURE", "CANCELED") and s,
        timeout,
        "the night's run",
    )
    return run_id, status
