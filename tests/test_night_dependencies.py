"""Issue 13, nights depend on nights, declared: the steps that read the previous night (extraction's
incremental base and carried entities, the findings' aging) depend on their own previous partition in
the code location's asset graph, which is what Dagster's UI draws, what its staleness reads and what
its asset backfills order nights by; the report reads the previous night's findings too."""

from dagster import AssetKey

from assets.extraction import extraction_assets
from assets.partitions import nightly_partitions
from assets.reconciliation import FINDINGS_KEY
from pipelines.definitions import defs
from tests.conftest import NEXT_NIGHT, SNAPSHOT_DATE

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
