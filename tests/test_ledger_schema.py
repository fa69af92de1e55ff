"""The ledger's tables as tieout's connector declares them (resources/ledger_tables.py) and as the
sandbox's DDL creates them (packages/tieout-sandbox/sandbox/ledger_schema.sql, which the sandbox firm's
ledger.db is made with): the same tables with the same columns in the same order and the same primary
keys, so the connector's tests and the firm's ledger read one schema (docs/ledger.md). (The connector
declares every other column nullable: it reads what a less strict database holds, and its contracts
quarantine a missing value, which its tests insert.)"""

from __future__ import annotations

import sqlite3

from resources.ledger_tables import TABLES
from sandbox.ledger import SCHEMA


def test_the_connector_and_the_sandbox_ddl_declare_one_schema():
    db = sqlite3.connect(":memory:")
    db.executescript(SCHEMA.read_text())
    made = {name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert made == {table.name for table in TABLES.values()}
    for table in TABLES.values():
        columns = db.execute(f"PRAGMA table_info({table.name})").fetchall()  # cid, name, type, notnull, default, pk
        assert [(name, pk > 0) for _, name, _, _, _, pk in columns] == [
            (c.name, c.primary_key) for c in table.columns
        ], table.name
