"""Writing one object's nightly snapshot into the warehouse: planned, fetched, then swapped in
atomically, so a failed night leaves every earlier snapshot complete and readable."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pandas as pd

from assets.extraction.retention import restore_archived_night
from resources.extraction import Extraction, path_literal
from resources.transactions import atomic
from sql import load, run_script
from sql.tables import raw_table


@dataclass(frozen=True)
class LoadPlan:
    snapshot_date: date
    mode: str  # full | incremental
    base_snapshot_date: date | None  # the snapshot an incremental load folds changes onto
    since: datetime | None  # watermark (already moved back by the overlap)
    previous_snapshot_date: date | None = None  # where a legal entity unavailable tonight is carried from

    @property
    def since_iso(self) -> str | None:
        return self.since.strftime("%Y-%m-%dT%H:%M:%SZ") if self.since else None


class CountDisagrees(Exception):
    """An incremental snapshot does not hold as many records of an entity as its source counts (the
    source could not report every deletion: QuickBooks past CDC's cap). Nothing was written."""

    def __init__(self, system: str, object_name: str, disagreeing: list[tuple[str, int, int]]):
        self.disagreeing = disagreeing
        counts = "; ".join(f"{entity}: {held} held, {counted} counted" for entity, counted, held in disagreeing)
        super().__init__(f"{system} {object_name}: the snapshot and the source's count disagree ({counts})")


@dataclass(frozen=True)
class NightHistory:
    """One object's night among the stored ones: a night with a later one is history."""

    stored_load_id: str | None
    stored_extracted_at: datetime | None
    later_night: date | None


def night_history(connection, system: str, object_name: str, snapshot_date: date) -> NightHistory:
    ensure_tables(connection, raw_table(system, object_name))
    row = connection.execute(
        load("raw/night_history.sql"), {"system": system, "object": object_name, "snapshot_date": snapshot_date}
    ).fetchone()
    return NightHistory(*row)


def later_night(connection, snapshot_date: date) -> date | None:
    """The first night after `snapshot_date` with a stored snapshot (None before any extraction)."""
    (logged,) = connection.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'raw' AND table_name = 'load_log'"
    ).fetchone()
    if not logged:
        return None
    return connection.execute(load("raw/later_night.sql"), {"snapshot_date": snapshot_date}).fetchone()[0]


def ensure_tables(connection, table: str) -> None:
    run_script(connection, load("raw/create_snapshot_tables.sql", raw_table=table))


def plan_load(
    connection,
    system: str,
    object_name: str,
    snapshot_date: date,
    *,
    requested_mode: str,
    full_sweep_every_days: int,
    overlap: timedelta,
) -> LoadPlan:
    """Incremental when an earlier snapshot exists, the last full sweep is recent enough and no
    legal entity was unavailable in it (an entity's changes since then are unknown)."""
    table = raw_table(system, object_name)
    ensure_tables(connection, table)
    base, last_full, base_incomplete = connection.execute(
        load("raw/plan_load.sql"), {"system": system, "object": object_name, "snapshot_date": snapshot_date}
    ).fetchone()
    if base is not None:  # raw retention hook: a past night re-run folds onto (or carries from) base's rows
        restore_archived_night(connection, system, object_name, base)
    full = LoadPlan(snapshot_date, "full", None, None, previous_snapshot_date=base)
    sweep_due = last_full is None or (snapshot_date - last_full).days >= full_sweep_every_days
    if requested_mode == "full" or base is None or base_incomplete or (requested_mode == "auto" and sweep_due):
        return full
    (watermark,) = connection.execute(
        load("raw/watermark.sql", raw_table=table), {"base_snapshot_date": base}
    ).fetchone()
    if watermark is None:
        return full
    since = watermark.astimezone(UTC) - overlap
    return LoadPlan(snapshot_date, "incremental", base, since, previous_snapshot_date=base)


def write_snapshot(
    connection,
    system: str,
    object_name: str,
    plan: LoadPlan,
    extraction: Extraction,
    seconds: float,
    refetched_by: str | None = None,
) -> dict:
    """Replace the night's snapshot in one transaction and log the load; returns the load row. An
    explicit refetch (`refetched_by` who asked) first keeps the stored rows in raw.superseded_snapshots.
    Where the source counted an entity's records (`Extraction.source_counts`), the snapshot must hold as
    many, or nothing is written (CountDisagrees)."""
    table = raw_table(system, object_name)
    load_id = uuid.uuid4().hex
    extracted_at = datetime.now(UTC)
    deleted = pd.DataFrame(extraction.deleted or [], columns=["entity", "record_id"], dtype="string")
    swept = pd.DataFrame({"entity": pd.Series(extraction.entities, dtype="string")})
    unavailable = pd.DataFrame(list(extraction.unavailable.items()), columns=["entity", "reason"], dtype="string")
    companies = pd.DataFrame(
        [
            (entity, company, *extraction.cutovers.get(entity, (None, None)))
            for entity, company in extraction.companies.items()
        ],
        columns=["entity", "company_id", "cutover_role", "cutover_date"],
    ).astype({"entity": "string", "company_id": "string", "cutover_role": "string", "cutover_date": "datetime64[ns]"})
    files = pd.DataFrame(
        [
            (
                f.sha256,
                f.name,
                f.table,
                object_name,
                f.rows,
                extracted_at,
                plan.snapshot_date,
                f.status,
                f.reason or None,
            )
            for f in extraction.files
        ],
        columns=["sha256", "name", "table", "object", "rows", "loaded_at", "snapshot_date", "status", "reason"],
    ).astype(
        {
            "sha256": "string",
            "name": "string",
            "table": "string",
            "object": "string",
            "rows": "int64",
            "status": "string",
            "reason": "string",
        }
    )
    counted = pd.DataFrame(list(extraction.source_counts.items()), columns=["entity", "source_rows"])
    frames = {
        "counted_frame": counted.astype({"entity": "string", "source_rows": "int64"}),
        "files_frame": files,
        "deleted_frame": deleted,
        "swept_frame": swept,
        "unavailable_frame": unavailable,
        "companies_frame": companies,
    }
    for name, frame in frames.items():
        connection.register(name, frame)
    # read where the spool set them down: the night's records never pass through memory whole
    spooled = ", ".join(path_literal(file) for file in extraction.records.sealed())
    connection.execute(
        f"CREATE OR REPLACE TEMP VIEW fetched_records AS SELECT entity, record_id, updated_at, payload::JSON AS "
        f"payload, page, '{load_id}' AS load_id, TIMESTAMPTZ '{extracted_at.isoformat()}' AS extracted_at "
        f"FROM read_parquet([{spooled}])"
    )
    connection.execute("CREATE OR REPLACE TEMP TABLE deleted_records AS SELECT * FROM deleted_frame")
    connection.execute("CREATE OR REPLACE TEMP TABLE swept_entities AS SELECT * FROM swept_frame")
    connection.execute("CREATE OR REPLACE TEMP TABLE unavailable_sources AS SELECT * FROM unavailable_frame")
    connection.execute("CREATE OR REPLACE TEMP TABLE source_companies AS SELECT * FROM companies_frame")
    try:
        with atomic(connection):
            if refetched_by:
                run_script(
                    connection,
                    load("raw/supersede_snapshot.sql", raw_table=table),
                    {
                        "system": system,
                        "object": object_name,
                        "snapshot_date": plan.snapshot_date,
                        "superseded_at": extracted_at,
                        "superseded_by_load": load_id,
                    },
                )
            run_script(
                connection,
                load("raw/replace_snapshot.sql", raw_table=table),
                {
                    "snapshot_date": plan.snapshot_date,
                    "previous_snapshot_date": plan.previous_snapshot_date,
                    "mode": plan.mode,
                    "system": system,
                    "object": object_name,
                },
            )
            disagreeing = connection.execute(
                f"SELECT c.entity, c.source_rows, count(s.entity) FROM counted_frame AS c LEFT JOIN {table} AS s "
                "ON s.snapshot_date = ? AND s.entity = c.entity GROUP BY ALL HAVING count(s.entity) <> c.source_rows "
                "ORDER BY c.entity",
                [plan.snapshot_date],
            ).fetchall()
            if disagreeing:
                raise CountDisagrees(system, object_name, disagreeing)
            (rows,) = connection.execute(
                f"SELECT count(*) FROM {table} WHERE snapshot_date = ?", [plan.snapshot_date]
            ).fetchone()
            log_row = {
                "load_id": load_id,
                "snapshot_date": plan.snapshot_date,
                "system": system,
                "object": object_name,
                "mode": plan.mode,
                "base_snapshot_date": plan.base_snapshot_date,
                "since": plan.since,
                "rows": rows,
                "fetched_rows": len(extraction.records),
                "deleted_rows": len(deleted),
                "pages": extraction.stats.pages,
                "requests": extraction.stats.requests,
                "retries": extraction.stats.retries,
                "seconds": round(seconds, 3),
                "extracted_at": extracted_at,
                "refetched_by": refetched_by,
            }
            if system == "ledger":  # the exported files this night read (resources/ledger_files.py)
                connection.execute(
                    "DELETE FROM raw.ledger_files WHERE object = ? AND snapshot_date = ?",
                    [object_name, plan.snapshot_date],
                )
                connection.execute(
                    'INSERT INTO raw.ledger_files SELECT sha256, name, "table", object, rows, loaded_at, '
                    "snapshot_date::DATE, status, reason FROM files_frame"
                )
            connection.execute(
                "DELETE FROM raw.load_log WHERE system = ? AND object = ? AND snapshot_date = ?",
                [system, object_name, plan.snapshot_date],
            )
            connection.execute(
                f"INSERT INTO raw.load_log ({', '.join(log_row)}) VALUES ({', '.join(['?'] * len(log_row))})",
                list(log_row.values()),
            )
    finally:
        connection.execute("DROP VIEW IF EXISTS fetched_records")  # its files go with the spool
        for name in frames:
            connection.unregister(name)
    return log_row
