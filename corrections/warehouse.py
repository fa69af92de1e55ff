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
from resources.warehouse import interruptions_kept
from sql import load, run_script

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
        with interruptions_kept():
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


# The canonical tables the corrections' and portal's readers name, as empty stand-ins with the columns
# they read until the canonical stage has run (a warehouse with findings written by other means).
CANONICAL_STAND_INS = {
    "customer": "snapshot_date DATE, global_id VARCHAR, system VARCHAR, source_id VARCHAR, legal_entity VARCHAR, "
    "name VARCHAR, currency VARCHAR, is_active BOOLEAN",
    "invoice": "snapshot_date DATE, system VARCHAR, source_id VARCHAR, legal_entity VARCHAR, document_number VARCHAR, "
    "currency VARCHAR, total DECIMAL(18, 2), issue_date DATE, status VARCHAR",
}


def canonical_table(connection: duckdb.DuckDBPyConnection, name: str) -> str:
    """canonical.<name>, or an empty temporary stand-in with the columns read from it."""
    found = connection.execute(
        "SELECT 1 FROM information_schema.tables WHERE table_schema = 'canonical' AND table_name = ?", [name]
    ).fetchall()
    if found:
        return f"canonical.{name}"
    connection.execute(f"CREATE OR REPLACE TEMP TABLE no_canonical_{name} ({CANONICAL_STAND_INS[name]})")
    return f"no_canonical_{name}"


def install_customer_names(connection: duckdb.DuckDBPyConnection) -> None:
    """The temporary view `customer_names` (sql/corrections/customer_names.sql)."""
    run_script(connection, load("corrections/customer_names.sql", customers=canonical_table(connection, "customer")))


def install_finding_work(connection: duckdb.DuckDBPyConnection, snapshot_date) -> None:
    """The temporary table `finding_work` of the night (sql/workbench/finding_work.sql): each open
    finding's standing assignee and explanation."""
    run_script(connection, load("workbench/finding_work.sql"), {"snapshot_date": snapshot_date})
