"""Partition-scoped writes shared by every stage: a night's rows replaced in one transaction."""

from __future__ import annotations

from datetime import date

import pandas as pd

from resources.derived_tables import ensure_derived_table
from resources.transactions import atomic
from sql import IDENTIFIER


def _checked(table: str) -> str:
    if not IDENTIFIER.match(table) or "." not in table:
        raise ValueError(f"not a plain schema.table name: {table!r}")
    return table


def replace_night_from_query(
    connection, table: str, snapshot_date: date, select_sql: str, parameters: dict | None = None
) -> int:
    """Replace `table`'s rows of `snapshot_date` by the rows of `select_sql` (which must yield the
    table's columns, `snapshot_date` first); the table is created from the query the first time and
    gains the columns the query adds later. Returns the night's row count."""
    table = _checked(table)
    parameters = parameters or {}
    ensure_derived_table(connection, table, select_sql, parameters)
    with atomic(connection):
        connection.execute(f"DELETE FROM {table} WHERE snapshot_date = ?", [snapshot_date])
        connection.execute(f"INSERT INTO {table} BY NAME {select_sql}", parameters)
        (rows,) = connection.execute(
            f"SELECT count(*) FROM {table} WHERE snapshot_date = ?", [snapshot_date]
        ).fetchone()
    return rows


def replace_night_from_frame(connection, table: str, snapshot_date: date, frame: pd.DataFrame) -> int:
    """The same, from a pandas frame (which must hold a `snapshot_date` column)."""
    name = f"frame_{abs(hash(table))}"
    connection.register(name, frame)
    try:
        return replace_night_from_query(connection, table, snapshot_date, f"SELECT * FROM {name}")
    finally:
        connection.unregister(name)
