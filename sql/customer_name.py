"""Customer names as tieout compares them, in Python: the same DuckDB macro the SQL uses
(`canonical/customer_name.sql`), so a name never normalises one way in SQL and another here."""

from __future__ import annotations

import threading
from functools import cache

import duckdb

from sql import load, run_script

MACRO_SQL = "canonical/customer_name.sql"


def install(connection) -> None:
    """Define `customer_name_key(name)` on the connection (a temporary macro: nothing is stored)."""
    run_script(connection, load(MACRO_SQL))


@cache
def _connection() -> duckdb.DuckDBPyConnection:
    connection = duckdb.connect()
    install(connection)
    return connection


_lock = threading.Lock()


def normalized(name: str | None) -> str:
    """`name` as the SQL's `customer_name_key` gives it ('' for none)."""
    with _lock:
        row = _connection().execute("SELECT customer_name_key(?)", [name]).fetchone()
    return (row and row[0]) or ""
