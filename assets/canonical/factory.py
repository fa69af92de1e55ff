"""One partitioned asset per canonical table, all made the same way."""

import time
from collections.abc import Mapping
from datetime import date

from dagster import AssetExecutionContext, AssetKey, AssetsDefinition, MaterializeResult, MetadataValue
from dagster_duckdb import DuckDBResource

from assets.canonical.build import build_table, markdown, settings_from, summarize
from assets.nightly import nightly_asset, with_connectors
from sql.tables import TABLES, XREF, CanonicalTable

SourceKeys = Mapping[tuple[str, str], AssetKey]


def canonical_key(name: str) -> AssetKey:
    return AssetKey(["canonical", name])


def valid_source_keys() -> dict[tuple[str, str], AssetKey]:
    """The validation assets' keys of every source object the canonical model reads."""
    return {source: AssetKey(["valid", *source]) for t in TABLES for source in t.sources}


def canonical_asset(table: CanonicalTable, source_keys: SourceKeys) -> AssetsDefinition:
    """The asset building `table` from the night's valid tables (`source_keys` names the assets
    that write them; sources missing from it are read but not declared as dependencies)."""
    sources = {(system, obj.lower()): key for (system, obj), key in source_keys.items()}
    deps = [sources[s] for s in dict.fromkeys(table.sources) if s in sources]
    deps += [canonical_key(name) for name in table.upstream]

    @nightly_asset(
        key=canonical_key(table.name),
        group_name="canonical",
        deps=deps,
        description=f"Canonical {table.name.replace('_', ' ')}: {table.description} (table `{table.table}`).",
    )
    @with_connectors(table.resources)
    def build(context: AssetExecutionContext, warehouse: DuckDBResource, **connectors) -> MaterializeResult:
        snapshot_date = date.fromisoformat(context.partition_key)
        settings = settings_from(connectors)
        started = time.monotonic()
        with warehouse.get_connection() as connection:
            rows = build_table(connection, table, snapshot_date, settings)
            summary = summarize(connection, table, snapshot_date)
        seconds = round(time.monotonic() - started, 3)
        context.log.info(f"{table.table} {snapshot_date}: {rows} rows in {seconds} s, {summary['rows_per_system']}")
        metadata = {
            "rows": MetadataValue.int(rows),
            "rows_per_system": MetadataValue.json(summary["rows_per_system"]),
            "seconds": MetadataValue.float(seconds),
            "table": MetadataValue.text(table.table),
            "preview": MetadataValue.md(markdown(summary["preview"])),
        }
        if "rows_per_link" in summary:
            metadata.update(
                {
                    "linked_rows": MetadataValue.int(sum(summary["linked_per_system"].values())),
                    "unlinked_rows": MetadataValue.int(sum(summary["unlinked_per_system"].values())),
                    "linked_per_system": MetadataValue.json(summary["linked_per_system"]),
                    "unlinked_per_system": MetadataValue.json(summary["unlinked_per_system"]),
                    "rows_per_link": MetadataValue.json(summary["rows_per_link"]),
                }
            )
        return MaterializeResult(metadata=metadata)

    return build


def build_canonical_assets(source_keys: SourceKeys) -> list[AssetsDefinition]:
    """Every canonical table and the cross-reference, depending on whichever source assets exist."""
    return [canonical_asset(table, source_keys) for table in (*TABLES, XREF)]
