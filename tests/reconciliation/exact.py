"""Helpers of the time, invoice and tie-out tests: every contract column of a code's findings against
the manifest (stricter than the identity-and-money keys of `findings_vs_manifest`), and a private copy
of the shared night's warehouse for a test that changes it."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb

COMPARED = (
    "legal_entity",
    "psa_id",
    "erp_id",
    "crm_id",
    "document_number",
    "currency",
    "expected_value",
    "actual_value",
    "amount_difference",
)


def query(warehouse: Path, sql: str, parameters=None) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as db:
        return db.execute(sql, parameters or []).fetchall()


def found(firm, code: str) -> set[tuple]:
    """The night's open findings of `code` as comparable tuples (money with two decimals)."""
    rows = firm.query(
        f"SELECT {', '.join(COMPARED)} FROM recon.findings WHERE snapshot_date = ? AND code = ? AND status = 'open'",
        [firm.snapshot_date, code],
    )
    return {row[:-1] + (None if row[-1] is None else f"{row[-1]:.2f}",) for row in rows}


def planted(manifest: dict, code: str) -> set[tuple]:
    return {tuple(f[name] for name in COMPARED) for f in manifest["findings"] if f["code"] == code}


def writable_copy(firm, directory: Path) -> Path:
    """A private copy of the reconciled night's warehouse."""
    target = directory / "warehouse.duckdb"
    shutil.copyfile(firm.warehouse, target)
    return target
