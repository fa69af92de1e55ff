"""Brief, lock-tolerant access to the warehouse's `corrections` schema.

DuckDB admits one writing process; the writeback, the approval command, the portal and a nightly
run share the file, so each opens it only for a few statements and waits while another holds it."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from resources.migrations import migrate
from resources.transactions import atomic

LOCK_WAIT_SECONDS = 60.0


@contextmanager
def connect(warehouse_path: str | Path, wait_seconds: float = LOCK_WAIT_SECONDS) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection to the migrated warehouse, retried while another process locks the file."""
    Path(warehouse_path).parent.mkdir(parents=True, exist_ok=True)
    deadline, pause = time.monotonic() + wait_seconds, 0.05
    while True:
        try:
            connection = duckdb.connect(str(warehouse_path))
            break
        except duckdb.IOException as exc:
            if "lock" not in str(exc).lower() or time.monotonic() > deadline:
                raise
            time.sleep(pause)
            pause = min(pause * 2, 1.0)
    try:
        migrate(connection)
        yield connection
    finally:
        connection.close()


@contextmanager
def transaction(warehouse_path: str | Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """`connect`, inside one transaction: every state change lands with its audit rows, or none does."""
    with connect(warehouse_path) as connection, atomic(connection):
        yield connection


def rows(connection: duckdb.DuckDBPyConnection, sql: str, parameters=None) -> list[dict]:
    """A query's rows as dicts."""
    cursor = connection.execute(sql, parameters or [])
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]
