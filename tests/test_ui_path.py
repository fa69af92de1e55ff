"""The UI path: `dagster dev` (webserver + daemon) on loopback, a whole night launched through the
webserver's GraphQL API as the UI's Materialize button does, results read back the same way."""

import shutil

from dagster_graphql import DagsterGraphQLClient

from pipelines.definitions import defs
from pipelines.devserver import dagster_dev, run_night
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


def test_a_night_materialized_through_the_webserver(tieout_env, tmp_path):
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(REPO / "deploy" / "local" / "dagster.yaml", home)
    log = tmp_path / "dagster-dev.log"
    with dagster_dev({"DAGSTER_HOME": str(home)}, log, startup_timeout=120) as port:
        run_id, status = run_night(port, SNAPSHOT_DATE, timeout=300)
        assert status == "SUCCESS", log.read_text()[-3000:]
        run = DagsterGraphQLClient("127.0.0.1", port_number=port)._execute(RUN_QUERY, {"runId": run_id})["runOrError"]

    materialized = {"/".join(m["assetKey"]["path"]) for m in run["assetMaterializations"]}
    graph = defs.resolve_asset_graph()
    assert materialized == {key.to_user_string() for key in graph.get_all_asset_keys()}
    evaluations = [
        e["evaluation"] for e in run["eventConnection"]["events"] if e["__typename"] == "AssetCheckEvaluationEvent"
    ]
    checked = {("/".join(e["assetKey"]["path"]), e["checkName"]) for e in evaluations}
    assert checked == {(c.asset_key.to_user_string(), c.name) for c in graph.asset_check_keys}
    assert all(e["success"] for e in evaluations), [e for e in evaluations if not e["success"]]
