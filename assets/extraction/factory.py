"""One raw snapshot asset per source object, all made the same way. A night with a later one is
history: re-running it keeps its stored snapshot, and only an explicit refetch asks the vendors again."""

import time
from datetime import UTC, date, datetime, timedelta

from dagster import (
    AssetExecutionContext,
    AssetKey,
    Config,
    DataVersion,
    Failure,
    MaterializeResult,
    MetadataValue,
)
from dagster_duckdb import DuckDBResource
from pydantic import Field

from assets.extraction.retention import restore_archived_night
from assets.extraction.snapshots import CountDisagrees, NightHistory, night_history, plan_load, write_snapshot
from assets.nightly import nightly_asset, previous_night, with_connectors
from resources.extraction import Extraction
from resources.http import RequestStats
from sql.tables import raw_table


class ExtractionConfig(Config):
    mode: str = Field(default="auto", description="auto | full | incremental")
    full_sweep_every_days: int = Field(default=7, description="a full sweep catches deletions this often")
    watermark_overlap_minutes: int = Field(default=2, description="re-read this much before the watermark")
    refetch: bool = Field(
        default=False,
        description="fetch the night again from the sources as they are now, although a later night exists; "
        "the stored snapshot is kept in raw.superseded_snapshots",
    )
    requested_by: str = Field(default="", description="who asks for the refetch (kept in raw.load_log)")


def never_extracted(system: str, object_name: str, snapshot_date: date, later: date) -> str:
    today = datetime.now(UTC).date()
    return (
        f"{system} {object_name}: no snapshot of {snapshot_date} is stored and a later night ({later}) is. "
        f"The vendors' APIs give only today's state, so extracting now would label {today}'s data as "
        f"{snapshot_date}; nothing was fetched. To store today's state under {snapshot_date} anyway, run "
        f"`tieout run --date {snapshot_date} --refetch` (recorded as refetched on {today})."
    )


def kept(context: AssetExecutionContext, system: str, object_name: str, history: NightHistory) -> MaterializeResult:
    """The night's stored snapshot stands: no request is sent, and its data version is its load's."""
    note = (
        f"kept stored snapshot of {context.partition_key} (load {history.stored_load_id}, extracted "
        f"{history.stored_extracted_at:%Y-%m-%d %H:%M} UTC): a later night ({history.later_night}) exists"
    )
    context.log.info(f"{system} {object_name}: {note}")
    return MaterializeResult(
        metadata={"mode": "kept", "kept": note, "table": MetadataValue.text(raw_table(system, object_name))},
        data_version=DataVersion(str(history.stored_load_id)),
    )


def extraction_asset(system: str, object_name: str):
    """The snapshot asset of `object_name` from `system` (the resource key of its connector)."""
    key = AssetKey(["raw", system, object_name.lower()])

    @nightly_asset(
        key=key,
        deps=[previous_night(key)],
        group_name=f"raw_{system}",
        kinds=["duckdb", system],
        description=f"Nightly snapshot of {system} {object_name}, as the vendor's API returned it "
        f"(table `{raw_table(system, object_name)}`). Builds on the previous night's; a night with a later "
        "one is kept as stored unless refetched explicitly.",
    )
    @with_connectors([system])
    def extract(
        context: AssetExecutionContext, config: ExtractionConfig, warehouse: DuckDBResource, **connector
    ) -> MaterializeResult:
        snapshot_date = date.fromisoformat(context.partition_key)
        if config.refetch and not config.requested_by.strip():
            raise Failure("a refetch needs requested_by: who asks for it, kept in raw.load_log for auditors")
        # nothing raised while the connection is open: DuckDBResource closes it only on a clean exit
        with warehouse.get_connection() as connection:
            history = night_history(connection, system, object_name, snapshot_date)
            if history.later_night and history.stored_load_id:  # kept or refetched: its rows back from the archive
                restore_archived_night(connection, system, object_name, snapshot_date)
        if history.later_night and not config.refetch:
            if history.stored_load_id is None:
                raise Failure(never_extracted(system, object_name, snapshot_date, history.later_night))
            return kept(context, system, object_name, history)
        refetched_by = config.requested_by.strip() if config.refetch else None

        def load(
            mode: str, spent: tuple[RequestStats, float] | None = None
        ) -> tuple[Extraction, float, dict | CountDisagrees]:
            """Extract and write the night: the load row, or why the snapshot could not stand. What an
            attempt that could not stand `spent` (requests, pages; seconds) is logged with this one."""
            with warehouse.get_connection() as connection:
                plan = plan_load(
                    connection,
                    system,
                    object_name,
                    snapshot_date,
                    requested_mode=mode,
                    full_sweep_every_days=config.full_sweep_every_days,
                    overlap=timedelta(minutes=config.watermark_overlap_minutes),
                )
            started = time.monotonic()
            # every connector is told the night; QuickBooks counts its CDC look-back from it
            extraction = connector[system].extract(object_name, plan.since_iso, snapshot_date=snapshot_date)
            seconds = time.monotonic() - started
            if spent is not None:
                extraction.stats.add(spent[0])
                seconds += spent[1]
            try:
                with warehouse.get_connection() as connection:
                    try:
                        written: dict | CountDisagrees = write_snapshot(
                            connection, system, object_name, plan, extraction, seconds, refetched_by
                        )
                    except CountDisagrees as disagrees:  # not raised through: the connection closes on a clean exit
                        written = disagrees
            finally:
                extraction.records.discard()
            return extraction, seconds, written

        extraction, seconds, written = load("full" if config.refetch else config.mode)
        swept_because = ""
        if isinstance(written, CountDisagrees):  # deletions the source did not report: a sweep finds them
            swept_because = f"{written}: swept in full"
            context.log.info(swept_because)
            extraction, _, written = load("full", spent=(extraction.stats, seconds))
        if isinstance(written, CountDisagrees):  # a full sweep counts nothing: cannot disagree
            raise written
        logged = written
        context.log.info(
            f"{system} {object_name} {snapshot_date}: {logged['mode']} load, {logged['fetched_rows']} fetched, "
            f"{logged['rows']} in snapshot, {logged['requests']} requests, {logged['retries']} retries"
        )
        if refetched_by:
            context.log.warning(
                f"{system} {object_name} {snapshot_date}: refetched as {refetched_by} asked, with the source's "
                f"state of today; the snapshot stored before is kept in raw.superseded_snapshots"
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
                "refetched_by": refetched_by or "",
                "swept_because": swept_because,
            },
            data_version=DataVersion(logged["load_id"]),
        )

    return extract
