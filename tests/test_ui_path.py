"""The UI path: `dagster dev` (webserver + daemon) on loopback, a whole night launched through the
webserver's GraphQL API as the UI's Materialize button does, results read back the same way."""

import os
import shutil
import signal
import socket
import subprocess
import time

import requests
from dagster_graphql import DagsterGraphQLClient

from pipelines.definitions import defs
from tests.conftest import REPO, SNAPSHOT_DATE

RUN_QUERY = """
query ($runId: ID!) {
  runOrError(runId: $runId) {
    ... on Run {
      status
      assetMaterializations { assetKey { path } }
      eventConnection(limit: 5000) {
        events {
          __typename
          ... on AssetCheckEvaluationEvent { evaluation { checkName success assetKey { path } } }
        }
      }
    }
  }
}
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(1)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


def server_answers(port: int) -> bool:
    try:
        return requests.get(f"http://127.0.0.1:{port}/server_info", timeout=2).ok
    except requests.ConnectionError:
        return False


def test_a_night_materialized_through_the_webserver(tieout_env, tmp_path):
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(REPO / "deploy" / "local" / "dagster.yaml", home)
    port = free_port()
    log = open(tmp_path / "dagster-dev.log", "w")
    # started from Python so SIGINT keeps its default disposition and stops it cleanly
    server = subprocess.Popen(
        [str(REPO / ".venv" / "bin" / "dagster"), "dev", "-w", str(REPO / "workspace.yaml"),
         "-h", "127.0.0.1", "-p", str(port)],
        cwd=REPO, env={**os.environ, "DAGSTER_HOME": str(home)}, stdout=log, stderr=subprocess.STDOUT,
    )
    try:
        wait_for(lambda: server_answers(port), 120, "the webserver")
        client = DagsterGraphQLClient("127.0.0.1", port_number=port)
        run_id = client.submit_job_execution("nightly", tags={"dagster/partition": SNAPSHOT_DATE})
        final = wait_for(
            lambda: (status := client.get_run_status(run_id).value) in ("SUCCESS", "FAILURE", "CANCELED") and status,
            300, "the night's run",
        )
        assert final == "SUCCESS", (tmp_path / "dagster-dev.log").read_text()[-3000:]
        run = client._execute(RUN_QUERY, {"runId": run_id})["runOrError"]
        materialized = {"/".join(m["assetKey"]["path"]) for m in run["assetMaterializations"]}
        graph = defs.resolve_asset_graph()
        assert materialized == {key.to_user_string() for key in graph.get_all_asset_keys()}
        evaluations = [e["evaluation"] for e in run["eventConnection"]["events"]
                       if e["__typename"] == "AssetCheckEvaluationEvent"]
        checked = {("/".join(e["assetKey"]["path"]), e["checkName"]) for e in evaluations}
        assert checked == {(c.asset_key.to_user_string(), c.name) for c in graph.asset_check_keys}
        assert all(e["success"] for e in evaluations), [e for e in evaluations if not e["success"]]
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()
