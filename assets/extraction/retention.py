"""Raw retention: a night's raw rows past the newest few nights move to a Parquet file beside the
warehouse, read back equal before they leave DuckDB, so the warehouse stops growing by a full copy of
every source a night while an old night stays readable and can be reloaded (docs/decisions.md, 18)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from resources.transactions import atomic
from sql import load, run_script
from sql.tables import raw_table

ARCHIVE = Path("archive") / "raw"


class ArchiveMismatch(RuntimeError):
    """A night's Parquet file did not read back as the warehouse's rows: they stay in DuckDB."""


@dataclass(frozen=True)
class ArchivedNight:
    system: str
    object_name: str
    snapshot_date: date
    rows: int
    bytes: int
    path: Path  # relative to the warehouse's folder


def archive_path(system: str, object_name: str, snapshot_date: date) -> Path:
    """`archive/raw/<night>/<system>__<object>.parquet`, relative to the warehouse's folder."""
    return ARCHIVE / snapshot_date.isoformat() / f"{raw_table(system, object_name).removeprefix('raw.')}.parquet"


def warehouse_folder(connection) -> Path:
    (path,) = connection.execute(
        "SELECT path FROM duckdb_databases() WHERE database_name = current_database()"
    ).fetchone()
    return Path(path).resolve().parent


def compact_raw(connection, nights_kept: int) -> list[ArchivedNight]:
    """Archive every object's nights older than its newest `nights_kept` loaded ones. Re-running it
    is a no-op; one stopped between a file and its delete redoes that night (the file is replaced)."""
    objects = connection.execute("SELECT DISTINCT system, object FROM raw.load_log ORDER BY ALL").fetchall()
    archived = []
    for system, object_name in objects:
        nights = connection.execute(
            load("raw/retention/nights_past_kept.sql", raw_table=raw_table(system, object_name)),
            {"system": system, "object": object_name, "kept": nights_kept},
        ).fetchall()
        archived += [archive_night(connection, system, object_name, night) for (night,) in nights]
    if archived:
        connection.execute("CHECKPOINT")  # the deleted rows' blocks become free for the next nights
    return archived


def archive_night(connection, system: str, object_name: str, snapshot_date: date) -> ArchivedNight:
    """Write the night's rows to Parquet (under a temporary name, then renamed, then synced), compare
    it with the warehouse, and only then delete the rows and record where they went, in one transaction."""
    table, relative = raw_table(system, object_name), archive_path(system, object_name, snapshot_date)
    target = warehouse_folder(connection) / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f"{target.name}.partial")
    connection.execute(
        load("raw/retention/write_parquet.sql", raw_table=table), {"snapshot_date": snapshot_date, "path": str(partial)}
    )
    os.replace(partial, target)
    with open(target, "rb") as written:
        os.fsync(written.fileno())
    rows = matching_rows(connection, table, snapshot_date, target)
    with atomic(connection):
        run_script(
            connection,
            load("raw/retention/drop_night.sql", raw_table=table),
            {
                "system": system,
                "object": object_name,
                "snapshot_date": snapshot_date,
                "archive_path": relative.as_posix(),
                "archived_at": datetime.now(UTC),
            },
        )
    return ArchivedNight(system, object_name, snapshot_date, rows, target.stat().st_size, relative)


def matching_rows(connection, table: str, snapshot_date: date, path: Path) -> int:
    """The night's row count, once the warehouse and the file agree on it and on every row's content."""
    in_warehouse, in_file, same = connection.execute(
        load("raw/retention/compare.sql", raw_table=table), {"snapshot_date": snapshot_date, "path": str(path)}
    ).fetchone()
    if in_warehouse != in_file or not same:
        raise ArchiveMismatch(
            f"{table} {snapshot_date}: {path} reads back {in_file} rows, the warehouse has {in_warehouse}"
            + ("" if in_warehouse != in_file else " with other content")
        )
    return in_warehouse


def restore_archived_night(connection, system: str, object_name: str, snapshot_date: date) -> bool:
    """Reload an archived night's raw rows from its Parquet file (a past night re-run builds on them);
    False when that night of that object is not archived (its rows are in the warehouse, or never were)."""
    found = connection.execute(
        "SELECT archive_path FROM raw.load_log WHERE system = ? AND object = ? AND snapshot_date = ? "
        "AND archived_at IS NOT NULL",
        [system, object_name, snapshot_date],
    ).fetchone()
    if found is None:
        return False
    table, path = raw_table(system, object_name), warehouse_folder(connection) / found[0]
    if not path.exists():
        raise FileNotFoundError(f"{table} {snapshot_date} was archived to {path}, which is gone")
    with atomic(connection):
        run_script(
            connection,
            load("raw/retention/restore_night.sql", raw_table=table),
            {"system": system, "object": object_name, "snapshot_date": snapshot_date, "path": str(path)},
        )
        matching_rows(connection, table, snapshot_date, path)
    return True
