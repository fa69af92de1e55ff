"""The UI path: `dagster dev` (webserver + daemon) on loopback, a whole night launched through the
webserver's GraphQL API as the UI's Materialize button does, results read back the same way."""

import shutil

from dagster_graphql import DagsterGraphQLClient

from pipelines.definitions import defs
from pipelines.devserver import dagster_dev, run_night
from tests.conftest import MACHINE_CLOCK, REPO, SNAPSHOT_DATE

RUN_QUERY = """
query ($runId: ID!, $after: String) {
  runOrError(runId: $runId) {
    ... on Run {
      status
      assetMaterializations { assetKey { path } }
      eventConnection(limit: 2000, afterCursor: $after) {
        cursor
        hasMore
        events {
          __typename
          ... on AssetCheckEvaluationEvent { evaluation { checkName success assetKey { path } } }
        }
      }
    }
  }
}
"""


def run_events(client: DagsterGraphQLClient, run_id: str) -> tuple[dict, list[dict]]:
    """The run, and every one of its events: the webserver hands them out a page at a time (a night has
    more events than one page holds)."""
    events, after = [], None
    while True:
        run = client._execute(RUN_QUERY, {"runId": run_id, "after": after})["runOrError"]
        events += run["eventConnection"]["events"]
        if not run["eventConnection"]["hasMore"]:
            return run, events
        after = run["eventConnection"]["cursor"]


def test_a_night_materialized_through_the_webserver(tieout_env, tmp_path):
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(REPO / "deploy" / "local" / "dagster.yaml", home)
    log = tmp_path / "dagster-dev.log"
    with dagster_dev({**MACHINE_CLOCK, "DAGSTER_HOME": str(home)}, log, startup_timeout=120) as port:
        run_id, status = run_night(port, SNAPSHOT_DATE, timeout=300)
        assert status == "SUCCESS", log.read_text()[-3000:]
        run, events = run_events(DagsterGraphQLClient("127.0.0.1", port_number=port), run_id)

    materialized = {"/".join(m["assetKey"]["path"]) for m in run["assetMaterializations"]}
    graph = defs.resolve_asset_graph()
    assert materialized == {key.to_user_string() for key in graph.get_all_asset_keys()}
    evaluations = [e["evaluation"] for e in events if e["__typename"] == "AssetCheckEvaluationEvent"]
    checked = {("/".join(e["assetKey"]["path"]), e["checkName"]) for e in evaluations}
    assert checked == {(c.asset_key.to_user_string(), c.name) for c in graph.asset_check_keys}
    assert all(e["success"] for e in evaluations), [e for e in evaluations if not e["success"]]
