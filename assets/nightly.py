"""What every stage's assets and checks share: one partition per night, the warehouse resource, and
the warehouse pool (DuckDB admits one writing process, so the steps that open it take turns)."""

import inspect
import warnings
from collections.abc import Callable, Iterable

from dagster import (
    AssetCheckSpec,
    AssetDep,
    AssetKey,
    BetaWarning,
    PreviewWarning,
    TimeWindowPartitionMapping,
    asset,
    multi_asset_check,
)

from assets.partitions import nightly_partitions
from resources.connectors import CONNECTORS

WAREHOUSE_POOL = "duckdb_warehouse"


def nightly_asset(*, kinds: Iterable[str] = ("duckdb",), **spec):
    """`@asset` for a night's step on the warehouse; it takes its resources as typed parameters."""
    return asset(
        partitions_def=nightly_partitions,
        kinds=set(kinds),
        pool=WAREHOUSE_POOL,
        **spec,
    )


def previous_night(key: AssetKey, through_tonight: bool = False) -> AssetDep:
    """The dependency of a night on `key`'s previous night (and tonight's too, `through_tonight`), for
    a step that reads it: incremental extraction's base, the findings' aging. Declared, the UI shows
    what an earlier night's re-run made stale and a backfill runs the nights in order; the first
    night has no previous one (allowing that is a Dagster beta parameter: its warning is silenced here)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=BetaWarning)
        mapping = TimeWindowPartitionMapping(
            start_offset=-1, end_offset=0 if through_tonight else -1, allow_nonexistent_upstream_partitions=True
        )
    return AssetDep(key, partition_mapping=mapping)


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
    return multi_asset_check(name=name, specs=specs, pool=WAREHOUSE_POOL)


def with_connectors(systems: Iterable[str]) -> Callable:
    """Give `fn`, which takes `**connectors`, one typed keyword parameter per system in `systems`.
    Dagster hands a step the resources its parameters name and type (it reads `__signature__`), so a
    factory that learns the systems only when it builds the asset declares them this way."""

    def declare(fn: Callable) -> Callable:
        signature = inspect.signature(fn)
        fixed = [p for p in signature.parameters.values() if p.kind is not inspect.Parameter.VAR_KEYWORD]
        named = [inspect.Parameter(s, inspect.Parameter.KEYWORD_ONLY, annotation=CONNECTORS[s]) for s in systems]
        fn.__signature__ = signature.replace(parameters=[*fixed, *named])  # type: ignore[attr-defined]
        return fn

    return declare
