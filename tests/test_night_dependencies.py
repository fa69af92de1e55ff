"""Issue 13, nights depend on nights, declared: the steps that read the previous night (extraction's
incremental base and carried entities, the findings' aging) depend on their own previous partition in
the code location's asset graph, which is what Dagster's UI draws, what its staleness reads and what
its asset backfills order nights by; the report reads the previous night's findings too."""

import logging
import time
from datetime import timedelta

from dagster import AssetKey
from dagster._core.asset_graph_view.asset_graph_view import AssetGraphView, TemporalContext
from dagster._core.execution.asset_backfill import AssetBackfillData, execute_asset_backfill_iteration_inner
from dagster._core.test_utils import in_process_test_workspace, instance_for_test
from dagster._core.types.loadable_target_origin import LoadableTargetOrigin
from dagster._time import get_current_datetime

from assets.extraction import extraction_assets
from assets.partitions import nightly_partitions
from assets.reconciliation import FINDINGS_KEY
from pipelines.definitions import defs
from tests.conftest import AS_OF, NEXT_NIGHT, SNAPSHOT_DATE

REPORT = AssetKey(["reports", "workbook"])


def upstream_nights(graph, night: str, parent: AssetKey, child: AssetKey) -> list[str]:
    return sorted(
        graph.get_parent_partition_keys_for_child(night, parent, child).partitions_subset.get_partition_keys()
    )


def test_the_steps_that_read_the_previous_night_depend_on_it():
    graph = defs.resolve_asset_graph()
    readers = {asset.key for asset in extraction_assets} | {FINDINGS_KEY}
    assert {key for key in graph.get_all_asset_keys() if graph.get(key).has_self_dependency} == readers
    first = nightly_partitions.get_first_partition_key()
    for key in readers:
        assert upstream_nights(graph, NEXT_NIGHT, key, key) == [SNAPSHOT_DATE]
        assert upstream_nights(graph, first, key, key) == []  # the first night has none, and may run
    assert upstream_nights(graph, NEXT_NIGHT, FINDINGS_KEY, REPORT) == [SNAPSHOT_DATE, NEXT_NIGHT]


def test_a_backfill_over_three_nights_starts_with_the_first_alone():
    """The asset backfill daemon's own iteration (side-effect free), on the code location as the
    daemon loads it: of three nights never run it requests only the first (before the declarations it
    requested all three at once). Dagster offers no public call for this; these are its internals."""
    nights = [(AS_OF + timedelta(days=n)).isoformat() for n in range(3)]
    with instance_for_test() as instance:
        origin = LoadableTargetOrigin(module_name="pipelines.definitions")
        with in_process_test_workspace(instance, origin) as workspace:
            graph = workspace.asset_graph
            started = time.time()
            backfill = AssetBackfillData.from_asset_partitions(
                graph, nights, list(graph.get_all_asset_keys()), instance, started, False
            )
            view = AssetGraphView(
                temporal_context=TemporalContext(effective_dt=get_current_datetime(), last_event_id=None),
                instance=instance,
                asset_graph=graph,
            )
            first = execute_asset_backfill_iteration_inner(
                "nights", backfill, view, started, logging.getLogger("backfill"), None
            )
    assert [request.partition_key for request in first.run_requests] == [nights[0]]
