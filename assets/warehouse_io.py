"""Partition-scoped writes shared by every stage: a night's rows replaced in one transaction."""

from __future__ import annotations

from datetime import date

import pandas as pd

from resources.transactions import atomic
from sql import IDENTIFIER


def _checked(table: str) -> str:
    if not IDENTIFIER.match(table):
        raise ValueError(f"not a plain table name: {table!r}")
    return table


def replace_night_from_query(
    connection, table: str, snapshot_date: date, select_sql: str, parameters: dict | None = None
) -> int:
    """Replace `table`'s rows of `snapshot_date` by the rows of `select_sql` (which must yield the
    table's columns, `snapshot_date` first); the table is created from the query the first time.
    Returns the night's row count."""
    table = _checked(table)
    schema = table.split(".")[0] if "." in table else None
    parameters = parameters or {}
    if schema:
        connection.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
    connection.execute(f"CREATE TABLE IF NOT EXISTS {table} AS SELECT * FROM ({select_sql}) LIMIT 0", parameters)
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
