"""The night's finance report files (reports/ renders them): the workbook, a CSV per owner queue,
the tie-out statement and the manifest the portal serves from, under `$TIEOUT_HOME/reports/<night>/`."""

from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from dagster import (
    AssetExecutionContext,
    AssetKey,
    Config,
    FreshnessPolicy,
    MaterializeResult,
    MetadataValue,
    TableColumn,
    TableRecord,
    TableSchema,
)
from dagster_duckdb import DuckDBResource
from pydantic import Field

from assets.nightly import nightly_asset, previous_night
from reports import AgingBuckets, Report, build_report, freeze_corrections, load_night
from reports.tables import Table
from resources.settings import home
from resources.settings.reconciliation import ReconciliationSettings

REPORT_KEY = AssetKey(["reports", "workbook"])
# the night's findings and the previous night's (the change since), the tie-out and the corrections
UPSTREAM = [
    previous_night(AssetKey(["recon", "findings"]), through_tonight=True),
    AssetKey(["recon", "tieout"]),
    AssetKey(["corrections", "proposed"]),
]
# The night closes at midnight and runs at 02:00: a report older than this has missed a night.
FRESH_WITHIN, WARN_AFTER = timedelta(hours=30), timedelta(hours=26)


class ReportConfig(Config):
    refresh_corrections: bool = Field(
        default=False,
        description="re-read the corrections from the live outbox instead of the copy frozen by the "
        "night's first report (a regenerated past report then differs)",
    )


def reports_root() -> Path:
    return home() / "reports"


def plain(value):
    """A figure as Dagster's table metadata holds it."""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value


def table_metadata(table: Table) -> MetadataValue:
    kinds = {"int": "int", "money": "float", "number": "float"}
    schema = TableSchema(columns=[TableColumn(c.name, kinds.get(c.kind, "string")) for c in table.columns])
    rows = [*table.rows, *([table.total_row] if table.total_row else [])]
    return MetadataValue.table(
        records=[TableRecord(dict(zip(table.names, map(plain, row)))) for row in rows], schema=schema
    )


def report_metadata(report: Report) -> dict:
    by_code, by_queue, by_entity = report.breakdowns
    metadata = {
        "summary": table_metadata(by_queue),
        "summary_by_code": table_metadata(by_code),
        "summary_by_legal_entity": table_metadata(by_entity),
        "headline": MetadataValue.json({label: plain(value) for label, value in report.summary}),
        "directory": MetadataValue.path(str(report.directory)),
        "version": MetadataValue.int(report.version),
        "files": MetadataValue.json(
            [{"name": f.name, "queue": f.queue, "rows": f.rows, "sha256": f.sha256} for f in report.files]
        ),
    }
    metadata.update(
        {f"path {f.name.rsplit('-', 3)[0]}": MetadataValue.path(str(report.path(f.name))) for f in report.files}
    )
    return metadata


@nightly_asset(
    key=REPORT_KEY,
    group_name="reports",
    deps=UPSTREAM,
    kinds=["excel", "csv"],
    freshness_policy=FreshnessPolicy.time_window(fail_window=FRESH_WITHIN, warn_window=WARN_AFTER),
    description="The night's finance workbook (summary with charts, a sheet per category, corrections, quarantine, "
    "tie-out), a CSV per owner queue and the tie-out statement, under $TIEOUT_HOME/reports/<night>/; "
    "text neutralised against formula injection. The portal serves these files.",
)
def workbook(context: AssetExecutionContext, config: ReportConfig, warehouse: DuckDBResource) -> MaterializeResult:
    snapshot_date = date.fromisoformat(context.partition_key)
    bounds = ReconciliationSettings.load().aging_buckets_days() or AgingBuckets().bounds
    with warehouse.get_connection() as connection:
        frozen = freeze_corrections(connection, snapshot_date, refresh=config.refresh_corrections)
        night = load_night(connection, snapshot_date)
    report = build_report(night, reports_root(), AgingBuckets(bounds))
    context.log.info(
        f"report {snapshot_date}: {len(night.open_findings)} open findings, {frozen} corrections, "
        f"{len(report.files)} files in {report.directory}, version {report.version}"
    )
    if night.missing_tables:
        context.log.warning(f"report {snapshot_date}: no {', '.join(night.missing_tables)} in the warehouse")
    return MaterializeResult(metadata=report_metadata(report))
