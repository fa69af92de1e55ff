"""Helpers of the validation tests: a night materialized over real HTTP, and what it left in the
warehouse's valid and quality layers."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import duckdb
from dagster import AssetKey, AssetSelection, Definitions, define_asset_job, materialize

from assets.extraction import extraction_assets
from assets.validation import validation_assets, validation_checks
from checks import CONTRACTS
from pipelines.resources import build_resources
from tests.conftest import SNAPSHOT_DATE

OBJECTS = list(CONTRACTS)


def run_night(extra_assets=(), snapshot_date: str = SNAPSHOT_DATE, objects=None, layers=("raw", "valid")):
    """Materialize the night in-process; `objects` limits it to some (system, object)s' assets of `layers`
    (their checks come along)."""
    selection = None
    if objects is not None:
        selection = [AssetKey([layer, system, name.lower()]) for system, name in objects for layer in layers]
        selection += [a.key for a in extra_assets]
    return materialize(
        [*extraction_assets, *validation_assets, *validation_checks, *extra_assets],
        partition_key=snapshot_date,
        resources=build_resources(),
        selection=selection,
        raise_on_error=False,
    )


def run_checks(system: str, object_name: str, snapshot_date: str = SNAPSHOT_DATE):
    """Run one valid asset's checks alone, as the UI's "Execute checks" does (the asset is not re-materialized)."""
    job = define_asset_job(
        "checks",
        selection=AssetSelection.checks_for_assets(AssetKey(["valid", system, object_name.lower()])),
    )
    definitions = Definitions(
        assets=[*extraction_assets, *validation_assets],
        asset_checks=validation_checks,
        jobs=[job],
        resources=build_resources(),
    )
    # (the night as the run's partition tag: Dagster's `partition_key=` wants a selected asset to take it from)
    return definitions.resolve_job_def("checks").execute_in_process(
        tags={"dagster/partition": snapshot_date}, raise_on_error=False
    )


def write_quality_config(path: Path, monkeypatch, **settings) -> None:
    import yaml

    path.write_text(yaml.safe_dump(settings))
    monkeypatch.setenv("TIEOUT_QUALITY_CONFIG", str(path))


def quarantined(warehouse: Path, snapshot_date: str = SNAPSHOT_DATE, table: str = "quality.quarantine") -> Counter:
    """(system, entity, object, record_id, rule, field) of every quarantine row (or, with
    `table="quality.warnings"`, of every record kept with a warning), counted."""
    with duckdb.connect(str(warehouse), read_only=True) as db:
        rows = db.execute(
            f"SELECT system, entity, object, record_id, rule, field FROM {table} WHERE snapshot_date = ?",
            [snapshot_date],
        ).fetchall()
    return Counter(rows)


def record_ids(
    warehouse: Path, layer: str, system: str, object_name: str, snapshot_date: str = SNAPSHOT_DATE
) -> Counter:
    with duckdb.connect(str(warehouse), read_only=True) as db:
        rows = db.execute(
            f"SELECT entity, record_id FROM {layer}.{system}__{object_name.lower()} WHERE snapshot_date = ?",
            [snapshot_date],
        ).fetchall()
    return Counter(rows)


def check_results(result) -> dict[tuple[str, str, str], object]:
    """Check evaluations by (system, object, check name)."""
    evaluations = {}
    for evaluation in result.get_asset_check_evaluations():
        _, system, object_name = evaluation.asset_key.path
        evaluations[(system, object_name, evaluation.check_name)] = evaluation
    return evaluations


def materialized(result) -> set[AssetKey]:
    return {event.asset_key for event in result.get_asset_materialization_events()}


def valid_metadata(result, system: str, object_name: str) -> dict:
    node = f"valid__{system}__{object_name.lower()}"
    return {k: v.value for k, v in result.asset_materializations_for_node(node)[0].metadata.items()}
