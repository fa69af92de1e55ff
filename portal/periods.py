"""Period sign-off (docs/decisions.md 26): finance certifies a legal entity's month from a night's
tie-out once no currency cell of it has an unexplained remainder, and the month is locked. Each
sign-off is the month's cells as the statement showed them, appended to `workbench.period_signoffs`
(whose key refuses a second one); a later night whose figures for the month differ raises
CERTIFIED_PERIOD_CHANGED (sql/reconciliation/invoice_cash/certified_period_changed.sql)."""

from __future__ import annotations

import time
from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb

from corrections.outbox import now
from corrections.warehouse import connect, rows, transaction
from portal.config import ALL, User
from resources.settings.reconciliation import ReconciliationSettings

COMMIT_WAITS = 30  # tenths of a second a refused sign-off waits to see the one that won
FIGURES = ("psa_billed", "erp_invoiced", "difference", "explained", "unexplained")
CELLS = (
    "SELECT legal_entity, month, currency, psa_billed, erp_invoiced, difference, "
    "explained_by_findings AS explained, unexplained FROM recon.tieout WHERE snapshot_date = ? "
)


class Refused(Exception):
    """A sign-off that cannot be taken: the status, a short reason for the audit log, and what the page says."""

    def __init__(self, status: int, reason: str, message: str):
        super().__init__(message)
        self.status, self.reason, self.message = status, reason, message


def may_see(user: User) -> bool:
    """The statement is finance's (the `all` files: workbook and tie-out), and the signers'."""
    return ALL in user.role.queues or user.role.sign_off


def may_sign(user: User) -> bool:
    return user.role.sign_off


def tolerance() -> Decimal:
    """The money tolerance the tie-out's blocking check uses: a remainder within it is rounding."""
    return Decimal(str(ReconciliationSettings.load().parameters.get("money_tolerance", 0)))


def label(legal_entity: str, month: date) -> str:
    return f"{legal_entity} {month:%B %Y}"


def _nights(connection) -> list[date]:
    """The nights with a tie-out, newest first (none before the tie-out stage has run)."""
    exists = connection.execute(
        "SELECT 1 FROM information_schema.tables WHERE table_schema = 'recon' AND table_name = 'tieout'"
    ).fetchall()
    if not exists:
        return []
    return [
        r[0] for r in connection.execute("SELECT DISTINCT snapshot_date FROM recon.tieout ORDER BY 1 DESC").fetchall()
    ]


def _signoffs(connection) -> dict[tuple[str, date], list[dict]]:
    signed: dict[tuple[str, date], list[dict]] = {}
    for row in rows(connection, "SELECT * FROM workbench.period_signoffs ORDER BY legal_entity, month, currency"):
        signed.setdefault((row["legal_entity"], row["month"]), []).append(row)
    return signed


def _changed(connection, night: date) -> set[tuple[str, date]]:
    """The signed months the night reports changed: its CERTIFIED_PERIOD_CHANGED findings, which
    compare each currency with the certified figures (and leave alone a month holding a quarantined
    invoice, decision 27), read rather than compared again here."""
    found = connection.execute(
        "SELECT DISTINCT legal_entity, strptime(split_part(subject_key, ':', 2), '%Y-%m')::DATE FROM recon.findings "
        "WHERE snapshot_date = ? AND code = 'CERTIFIED_PERIOD_CHANGED' AND status = 'open'",
        [night],
    ).fetchall()
    return {(legal_entity, month) for legal_entity, month in found}


def periods(warehouse: Path, asked: str) -> tuple[list[date], date | None, list[dict]]:
    """The nights with a tie-out, the night asked for (else the newest), and its months per legal
    entity: their cells, and whether each is signed (with the sign-off), can be signed, is blocked by
    an unexplained remainder, or is still open (not over on that night)."""
    with connect(warehouse) as connection:
        nights = _nights(connection)
        if not nights:
            return [], None, []
        night = next((n for n in nights if n.isoformat() == asked), nights[0])
        cells = rows(connection, CELLS + "ORDER BY legal_entity, month DESC, currency", [night])
        signed = _signoffs(connection)
        changed = _changed(connection, night)
    limit = tolerance()
    grouped: dict[tuple[str, date], list[dict]] = {}
    for cell in cells:
        grouped.setdefault((cell["legal_entity"], cell["month"]), []).append(cell)
    shown = []
    for (legal_entity, month), its_cells in grouped.items():
        certified = signed.get((legal_entity, month), [])
        remainder = [c for c in its_cells if abs(c["unexplained"]) > limit]
        if certified:
            state = "signed"
        elif month >= night.replace(day=1):
            state = "open"
        else:
            state = "blocked" if remainder else "signable"
        shown.append(
            {
                "legal_entity": legal_entity,
                "month": month,
                "key": f"{legal_entity}-{month:%Y-%m}",
                "label": label(legal_entity, month),
                "cells": its_cells,
                "state": state,
                "remainder": remainder,
                "signoff": certified[0] if certified else None,
                "certified": certified,
                "changed": bool(certified) and (legal_entity, month) in changed,
            }
        )
    return nights, night, shown


def _parsed(night: str, month: str) -> tuple[date, date]:
    try:
        return date.fromisoformat(night[:10]), date.fromisoformat(month[:10])
    except ValueError:
        raise Refused(404, "not_found", "No such night or month in the tie-out.") from None


def sign(warehouse: Path, actor: str, night: str, legal_entity: str, month: str) -> list[dict]:
    """Certify the legal entity's month from the night's tie-out, which must be the newest, the month
    over on that night and no cell of it with a remainder above the tolerance; returns the rows written.
    Anything else is `Refused`, with why."""
    snapshot_date, first_day = _parsed(night, month)
    limit = tolerance()
    try:
        with transaction(warehouse) as connection:
            nights, unknown = _nights(connection), "No such legal entity and month in that night's tie-out."
            if not nights:
                raise Refused(404, "not_found", unknown)
            asked = [snapshot_date, legal_entity, first_day]
            cells = rows(connection, CELLS + "AND legal_entity = ? AND month = ? ORDER BY currency", asked)
            if not cells:
                raise Refused(404, "not_found", unknown)
            period = label(legal_entity, first_day)
            earlier = _signoffs(connection).get((legal_entity, first_day))
            if earlier:
                raise Refused(409, "signed", _already(period, earlier[0]))
            if snapshot_date != nights[0]:
                raise Refused(
                    409,
                    "stale",
                    f"The tie-out of {nights[0]} is newer than the one of {snapshot_date} you signed: "
                    f"review its figures for {period} and sign again.",
                )
            if first_day >= snapshot_date.replace(day=1):
                raise Refused(
                    409,
                    "open_month",
                    f"{period} has not ended on the night of {snapshot_date}: a month is signed off once a "
                    "night after its end has reconciled it.",
                )
            remainder = [c for c in cells if abs(c["unexplained"]) > limit]
            if remainder:
                raise Refused(
                    409,
                    "unexplained",
                    f"{period} cannot be signed off: {amounts(remainder)} unexplained in the tie-out of "
                    f"{snapshot_date}. Every difference must be explained by a finding first.",
                )
            [[number]] = connection.execute("SELECT nextval('workbench.period_signoff_number')").fetchall()
            at = now()
            return [
                rows(
                    connection,
                    'INSERT INTO workbench.period_signoffs (signoff_number, "at", actor, snapshot_date, legal_entity, '
                    f"month, currency, {', '.join(FIGURES)}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING *",
                    [
                        number,
                        at,
                        actor,
                        snapshot_date,
                        legal_entity,
                        first_day,
                        c["currency"],
                        *(c[f] for f in FIGURES),
                    ],
                )[0]
                for c in cells
            ]
    except (duckdb.ConstraintException, duckdb.TransactionException):
        # another sign-off of the month landed between our reading and writing: DuckDB refuses the key at
        # the insert if it committed first, at our commit if both were open at once (its commit may then
        # still be under way: wait for it a moment, to say who signed)
        first = None
        for _ in range(COMMIT_WAITS):
            with connect(warehouse) as connection:
                first = _signoffs(connection).get((legal_entity, first_day))
            if first:
                break
            time.sleep(0.1)
        period = label(legal_entity, first_day)
        message = _already(period, first[0]) if first else f"{period} was being signed off at the same moment."
        raise Refused(409, "signed", message) from None


def _already(period: str, earlier: dict) -> str:
    return (
        f"{period} was already signed off by {earlier['actor']} at {earlier['at']:%Y-%m-%d %H:%M} UTC "
        f"(from the night of {earlier['snapshot_date']}): a certified month is locked."
    )


def amounts(cells: Iterable[dict], figure: str = "unexplained") -> str:
    return ", ".join(f"{c['currency']} {c[figure]:,.2f}" for c in cells)
