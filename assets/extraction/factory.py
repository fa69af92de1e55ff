"""One raw snapshot asset per source object, all made the same way."""

import time
from datetime import date, timedelta
from inspect import signature

from dagster import AssetExecutionContext, AssetKey, Config, MaterializeResult, MetadataValue
from dagster_duckdb import DuckDBResource
from pydantic import Field

from assets.extraction.snapshots import plan_load, write_snapshot
from assets.nightly import nightly_asset, with_connectors
from sql.tables import raw_table


class ExtractionConfig(Config):
    mode: str = Field(default="auto", description="auto | full | incremental")
    full_sweep_every_days: int = Field(default=7, description="a full sweep catches deletions this often")
    watermark_overlap_minutes: int = Field(default=2, description="re-read this much before the watermark")


def extraction_asset(system: str, object_name: str):
    """The snapshot asset of `object_name` from `system` (the resource key of its connector)."""

    @nightly_asset(
        key=AssetKey(["raw", system, object_name.lower()]),
        group_name=f"raw_{system}",
        kinds=["duckdb", system],
        description=f"Nightly snapshot of {system} {object_name}, as the vendor's API returned it "
        f"(table `{raw_table(system, object_name)}`).",
    )
    @with_connectors([system])
    def extract(
        context: AssetExecutionContext, config: ExtractionConfig, warehouse: DuckDBResource, **connector
    ) -> MaterializeResult:
        snapshot_date = date.fromisoformat(context.partition_key)
        with warehouse.get_connection() as connection:
            plan = plan_load(
                connection,
                system,
                object_name,
                snapshot_date,
                requested_mode=config.mode,
                full_sweep_every_days=config.full_sweep_every_days,
                overlap=timedelta(minutes=config.watermark_overlap_minutes),
            )
        started = time.monotonic()
        source = connector[system]
        # a connector that counts something from the night (QuickBooks' CDC look-back) is told it
        night = {"snapshot_date": snapshot_date} if "snapshot_date" in signature(source.extract).parameters else {}
        extraction = source.extract(object_name, plan.since_iso, **night)
        seconds = time.monotonic() - started
        with warehouse.get_connection() as connection:
            logged = write_snapshot(connection, system, object_name, plan, extraction, seconds)
        context.log.info(
            f"{system} {object_name} {snapshot_date}: {logged['mode']} load, {logged['fetched_rows']} fetched, "
            f"{logged['rows']} in snapshot, {logged['requests']} requests, {logged['retries']} retries"
        )
        for entity, reason in extraction.unavailable.items():
            context.log.warning(
                f"{system} {object_name} {snapshot_date}: legal entity {entity} unavailable, "
                f"carried from its last snapshot and not reconciled tonight ({reason})"
            )
        return MaterializeResult(
            metadata={
                "rows": MetadataValue.int(logged["rows"]),
                "fetched_rows": MetadataValue.int(logged["fetched_rows"]),
                "deleted_rows": MetadataValue.int(logged["deleted_rows"]),
                "mode": logged["mode"],
                "since": str(logged["since"] or ""),
                "pages": MetadataValue.int(logged["pages"]),
                "requests": MetadataValue.int(logged["requests"]),
                "retries": MetadataValue.int(logged["retries"]),
                "seconds": MetadataValue.float(logged["seconds"]),
                "table": MetadataValue.text(raw_table(system, object_name)),
                "unavailable_entities": MetadataValue.json(extraction.unavailable),
            }
        )

    return extract
