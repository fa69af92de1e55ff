"""The night's last step: raw nights past `TIEOUT_RAW_NIGHTS_KEPT` move from the warehouse to Parquet
files beside it (assets/extraction/retention.py), once the night's reports are written."""

from dagster import AssetExecutionContext, AssetKey, MaterializeResult, MetadataValue
from dagster_duckdb import DuckDBResource

from assets.extraction.retention import ARCHIVE, compact_raw, warehouse_folder
from assets.nightly import nightly_asset
from assets.reports import REPORT_KEY
from resources.settings.environment import WarehouseSettings

RETENTION_KEY = AssetKey(["warehouse", "retention"])


@nightly_asset(
    key=RETENTION_KEY,
    group_name="warehouse",
    deps=[REPORT_KEY],
    kinds=["duckdb", "parquet"],
    description="Raw nights older than the newest `TIEOUT_RAW_NIGHTS_KEPT` (per object) are written to "
    "`archive/raw/<night>/<system>__<object>.parquet` beside the warehouse, read back equal, then deleted "
    "from it; valid, canonical, reconciliation and quality tables are kept.",
)
def raw_retention(context: AssetExecutionContext, warehouse: DuckDBResource) -> MaterializeResult:
    kept = WarehouseSettings.load().raw_nights_kept
    with warehouse.get_connection() as connection:
        archived = compact_raw(connection, kept) if kept else []
        folder = warehouse_folder(connection)
        ((free_bytes,),) = connection.execute(
            "SELECT free_blocks * block_size FROM pragma_database_size() WHERE database_name = current_database()"
        ).fetchall()
    nights = sorted({night.snapshot_date.isoformat() for night in archived})
    context.log.info(
        f"raw retention keeps {kept or 'every'} night(s): archived {len(archived)} object nights "
        f"({', '.join(nights) or 'none'}) to {folder / ARCHIVE}"
    )
    return MaterializeResult(
        metadata={
            "nights_kept": MetadataValue.text(str(kept or "all")),
            "nights_archived": MetadataValue.json(nights),
            "object_nights_archived": MetadataValue.int(len(archived)),
            "rows_moved": MetadataValue.int(sum(night.rows for night in archived)),
            "bytes_written": MetadataValue.int(sum(night.bytes for night in archived)),
            "archive": MetadataValue.path(str(folder / ARCHIVE)),
            "warehouse_free_bytes": MetadataValue.int(free_bytes),
        }
    )
