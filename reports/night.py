"""What a night's report is made of, read from the warehouse: the night's findings (open and
resolved), the previous night's open findings (for the change), the tie-out, the corrections and the
quarantine. Everything is read by `snapshot_date`, so a past night reads as it did.

The outbox is the one live table (a correction is approved after the night): the first report of a
night freezes the corrections it shows in `reports.night_corrections`, and later regenerations read
that copy, so a past workbook comes out identical."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from resources.derived_tables import ensure_derived_table
from resources.transactions import atomic
from sql import load

FINDINGS, TIEOUT, OUTBOX, QUARANTINE = "recon.findings", "recon.tieout", "corrections.outbox", "quality.quarantine"
COVERAGE = "recon.entity_coverage"
NIGHT_CORRECTIONS = "reports.night_corrections"

# A night's corrections: those proposed that night, those of the night's findings, and those still
# waiting or failed, as long as they were proposed by then.
CORRECTIONS_OF_NIGHT = f"""
SELECT $snapshot_date::DATE AS snapshot_date, o.*
FROM {OUTBOX} AS o
WHERE o.proposed_on <= $snapshot_date
  AND (o.proposed_on = $snapshot_date
       OR o.state IN ('proposed', 'approved', 'sending', 'failed')
       OR o.finding_id IN (SELECT finding_id FROM {FINDINGS} WHERE snapshot_date = $snapshot_date))
"""


@dataclass(frozen=True)
class Night:
    snapshot_date: date
    previous_date: date | None
    findings: list[dict]
    previous_open: list[dict]
    tieout: list[dict]
    coverage: list[dict]  # per legal entity: reconciled tonight or not, and why
    corrections: list[dict]
    quarantine: list[dict]
    missing_tables: tuple[str, ...]

    @property
    def open_findings(self) -> list[dict]:
        return [f for f in self.findings if f["status"] == "open"]


def rows(connection, sql: str, parameters=None) -> list[dict]:
    cursor = connection.execute(sql, parameters or [])
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]


def table_exists(connection, table: str) -> bool:
    schema, name = table.split(".")
    return (
        connection.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = ? AND table_name = ?", [schema, name]
        ).fetchone()[0]
        > 0
    )


def freeze_corrections(connection, snapshot_date: date, refresh: bool = False) -> int:
    """Copy the night's corrections into `reports.night_corrections` unless a copy exists (or
    `refresh`); returns the night's frozen rows. Without an outbox there is nothing to freeze."""
    if not table_exists(connection, OUTBOX) or not table_exists(connection, FINDINGS):
        return 0
    parameters = {"snapshot_date": snapshot_date}
    ensure_derived_table(connection, NIGHT_CORRECTIONS, CORRECTIONS_OF_NIGHT, parameters)
    frozen = connection.execute(
        f"SELECT count(*) FROM {NIGHT_CORRECTIONS} WHERE snapshot_date = ?", [snapshot_date]
    ).fetchone()[0]
    if frozen and not refresh:
        return frozen
    with atomic(connection):
        connection.execute(f"DELETE FROM {NIGHT_CORRECTIONS} WHERE snapshot_date = ?", [snapshot_date])
        connection.execute(f"INSERT INTO {NIGHT_CORRECTIONS} BY NAME {CORRECTIONS_OF_NIGHT}", parameters)
    return connection.execute(
        f"SELECT count(*) FROM {NIGHT_CORRECTIONS} WHERE snapshot_date = ?", [snapshot_date]
    ).fetchone()[0]


def load_night(connection, snapshot_date: date) -> Night:
    """The night's report inputs. `recon.findings` must exist; a missing tie-out, corrections or
    quarantine table reads as empty and is named in `missing_tables` (the report says so)."""
    if not table_exists(connection, FINDINGS):
        raise LookupError(f"{FINDINGS} does not exist: the reconciliation has not run")
    missing = tuple(t for t in (TIEOUT, COVERAGE, NIGHT_CORRECTIONS, QUARANTINE) if not table_exists(connection, t))

    def night_rows(table: str, order: str) -> list[dict]:
        if table in missing:
            return []
        return [
            {k: v for k, v in r.items() if k != "snapshot_date"}
            for r in rows(
                connection, f"SELECT * FROM {table} WHERE snapshot_date = ? ORDER BY {order}", [snapshot_date]
            )
        ]

    previous_date = connection.execute(
        f"SELECT max(snapshot_date) FROM {FINDINGS} WHERE snapshot_date < ?", [snapshot_date]
    ).fetchone()[0]
    previous_open = rows(
        connection,
        f"SELECT finding_id, code, category, owner_queue, legal_entity FROM {FINDINGS} "
        "WHERE snapshot_date = ? AND status = 'open' ORDER BY finding_id",
        [previous_date],
    )
    return Night(
        snapshot_date=snapshot_date,
        previous_date=previous_date,
        findings=rows(connection, load("reports/night_findings.sql"), {"snapshot_date": snapshot_date}),
        previous_open=previous_open,
        tieout=night_rows(TIEOUT, "ALL"),
        coverage=night_rows(COVERAGE, "legal_entity"),
        corrections=night_rows(NIGHT_CORRECTIONS, "state, proposed_on, correction_id"),
        quarantine=night_rows(QUARANTINE, "ALL"),
        missing_tables=tuple(t.replace(NIGHT_CORRECTIONS, OUTBOX) for t in missing),
    )
