"""A sandbox firm's store copied straight into the raw snapshot tables, in the vendors' own shapes.

The benchmark firm holds millions of records: fetching them over the emulators' HTTP would take hours
of rate-limited paging and measure the emulators, not tieout. The records are the ones the firm's
shape builders wrote (sandbox/firm/shapes_*.py), so the raw layer looks exactly as extraction leaves it.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, date, datetime
from pathlib import Path

import pandas as pd

from assets.extraction.snapshots import ensure_tables
from checks import CONTRACTS
from sql.tables import raw_table

CHUNK = 250_000
ID_FIELD = {"salesforce": "$.Id", "harvest": "$.id", "quickbooks": "$.Id"}


def load_store_into_raw(connection, state_db: Path, snapshot_date: date) -> dict[str, int]:
    """Replace the night's raw rows of every contracted object by the store's records; rows per table."""
    store = sqlite3.connect(f"file:{state_db}?mode=ro", uri=True)
    try:
        (entities,) = store.execute("SELECT value FROM meta WHERE key = 'legal_entities'").fetchone()
        codes = {e["realm_id"]: e["code"] for e in json.loads(entities)}
        codes[""] = ""
        loaded = {}
        for system, object_name in CONTRACTS:
            table = raw_table(system, object_name)
            ensure_tables(connection, table)
            connection.execute(f"DELETE FROM {table} WHERE snapshot_date = ?", [snapshot_date])
            loaded[table] = _copy(store, connection, table, system, object_name, codes, snapshot_date)
        return loaded
    finally:
        store.close()


def _copy(
    store, connection, table: str, system: str, object_name: str, codes: dict[str, str], snapshot_date: date
) -> int:
    cursor = store.execute(
        "SELECT tenant, updated_at, payload FROM records WHERE system = ? AND object = ? ORDER BY tenant, seq",
        (system, object_name),
    )
    extracted_at, rows = datetime.now(UTC), 0
    while batch := cursor.fetchmany(CHUNK):
        frame = pd.DataFrame(batch, columns=["tenant", "updated_at", "payload"])
        frame["entity"] = frame["tenant"].map(codes)
        connection.register("store_batch", frame)
        try:
            connection.execute(
                f"""
                INSERT INTO {table}
                SELECT ?::DATE, entity, payload::JSON ->> '{ID_FIELD[system]}', updated_at::TIMESTAMPTZ,
                       payload::JSON, 1, 'benchmark', ?::TIMESTAMPTZ
                FROM store_batch""",
                [snapshot_date, extracted_at],
            )
        finally:
            connection.unregister("store_batch")
        rows += len(batch)
    return rows
