"""The warehouse's one way to make several statements land together or not at all."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import duckdb


@contextmanager
def atomic(connection: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """Run the block in one transaction: committed if it finishes, rolled back (and the error
    re-raised) if anything escapes it, an interrupt included. COMMIT stays outside the rollback:
    a COMMIT that DuckDB refuses has already rolled back, and a ROLLBACK then would hide why."""
    connection.execute("BEGIN TRANSACTION")
    try:
        yield connection
    except BaseException:
        connection.execute("ROLLBACK")
        raise
    connection.execute("COMMIT")
