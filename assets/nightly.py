"""What every stage's assets and checks share: one partition per night, the warehouse resource, and
the warehouse pool (DuckDB admits one writing process, so the steps that open it take turns)."""

import warnings
from collections.abc import Iterable

from dagster import AssetCheckSpec, AssetKey, PreviewWarning, asset, multi_asset_check

from assets.partitions import nightly_partitions

WAREHOUSE_POOL = "duckdb_warehouse"


def nightly_asset(*, resources: Iterable[str] = (), kinds: Iterable[str] = ("duckdb",), **spec):
    """`@asset` for a night's step on the warehouse; `resources` are those it needs besides it."""
    return asset(
        partitions_def=nightly_partitions,
        required_resource_keys={"warehouse", *resources},
        kinds=set(kinds),
        pool=WAREHOUSE_POOL,
        **spec,
    )


def nightly_check(name: str, asset_key: AssetKey, description: str, blocking: bool = False) -> AssetCheckSpec:
    """A check whose result belongs to its night. Partitioned checks are a Dagster preview; they are
    what files a result under its night in the UI, so the preview warning is silenced here, once."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=PreviewWarning)
        return AssetCheckSpec(
            name, asset=asset_key, partitions_def=nightly_partitions, blocking=blocking, description=description
        )


def nightly_checks(name: str, specs: list[AssetCheckSpec]):
    """`@multi_asset_check` running a night's checks in one step, on one warehouse connection."""
    return multi_asset_check(name=name, specs=specs, required_resource_keys={"warehouse"}, pool=WAREHOUSE_POOL)
