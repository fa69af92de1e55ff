"""A stand-in for the validation stage until it lands: `valid.*` as the night's raw rows minus the
records the sandbox manifest lists as malformed (which the validation stage quarantines)."""

from __future__ import annotations

from datetime import date

import pandas as pd


def promote_raw_to_valid(connection, snapshot_date: date, manifest: dict) -> None:
    """Write `valid.<system>__<object>` for the night with exactly the raw tables' columns."""
    realms = {e["realm_id"]: e["code"] for e in manifest["legal_entities"]}
    quarantined = pd.DataFrame(
        [
            (m["system"], realms.get(m["tenant"], m["tenant"]), m["object"].lower(), m["record_id"])
            for m in manifest["malformed"]
        ],
        columns=["system", "entity", "object", "record_id"],
        dtype="string",
    )
    connection.register("quarantined_frame", quarantined)
    tables = [
        name
        for (name,) in connection.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'raw' AND table_name LIKE '%\\_\\_%' "
            "ESCAPE '\\'"
        ).fetchall()
    ]
    connection.execute("CREATE SCHEMA IF NOT EXISTS valid")
    for name in tables:
        system, obj = name.split("__", 1)
        connection.execute(f"CREATE TABLE IF NOT EXISTS valid.{name} AS SELECT * FROM raw.{name} LIMIT 0")
        connection.execute(f"DELETE FROM valid.{name} WHERE snapshot_date = ?", [snapshot_date])
        connection.execute(
            f"""
            INSERT INTO valid.{name}
            SELECT * FROM raw.{name} AS r
            WHERE r.snapshot_date = ? AND r.record_id IS NOT NULL
              AND NOT EXISTS (SELECT 1 FROM quarantined_frame AS q
                              WHERE q.system = ? AND q.object = ? AND q.entity = r.entity
                                AND q.record_id = r.record_id)""",
            [snapshot_date, system, obj],
        )
    connection.unregister("quarantined_frame")
