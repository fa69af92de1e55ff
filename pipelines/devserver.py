"""`dagster dev` (webserver + daemon) on loopback, started and stopped cleanly: the UI path's tests
and the daemon-overhead benchmark both drive it this way."""

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
def dagster_dev(env: dict[str, str], log: Path, startup_timeout: float = 300) -> Iterator[int]:
    """Run `dagster dev` on workspace.yaml with `env` added; yields its port once it answers.

    It runs in a session of its own (started from Python, so SIGINT keeps its default disposition):
    Ctrl-C goes to the whole group as a terminal sends it, and whatever outlives that (its webserver
    and daemon are children that can) is terminated."""
    port = free_port()
    with open(log, "w") as output:
        server = subprocess.Popen(
            [str(REPO / ".venv" / "bin" / "dagster"), "dev", "-w", str(REPO / "workspace.yaml"),
             "-h", "127.0.0.1", "-p", str(port)],
            cwd=REPO, env={**os.environ, **env}, stdout=output, stderr=subprocess.STDOUT, start_new_session=True,
        )
        try:
            wait_for(lambda: answers(port), startup_timeout, "the webserver")
            yield port
        finally:
            os.killpg(server.pid, signal.SIGINT)
            try:
                server.wait(timeout=60)
            except subprocess.TimeoutExpired:
                server.kill()
            with contextlib.suppress(ProcessLookupError):
                os.killpg(server.pid, signal.SIGTERM)


def run_night(port: int, snapshot_date: str, timeout: float = 7200) -> tuple[str, str]:
    """Launch the nightly job for a date through the webserver's GraphQL API, as the UI's Materialize
    button does, and wait for it to end; returns (run id, final status)."""
    from dagster_graphql import DagsterGraphQLClient

    client = DagsterGraphQLClient("127.0.0.1", port_number=port)
    run_id = client.submit_job_execution("nightly", tags={"dagster/partition": snapshot_date})
    status = wait_for(lambda: (s := client.get_run_status(run_id).value) in ("SUCCESS", "FAILURE", "CANCELED") and s,
                      timeout, "the night's run")
    return run_id, status
