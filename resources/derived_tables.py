"""The per-night tables a query defines (valid.*, canonical.*, recon.*, reports.night_corrections):
shaped by that query, not by a migration, so they follow it when the code adds a column."""

from __future__ import annotations


def ensure_derived_table(connection, table: str, select_sql: str, parameters: dict | None = None) -> None:
    """Create `table` (a checked `schema.name`) with the query's columns the first time; later add
    any column the query has gained, NULL on earlier nights. A column the query dropped stays, NULL
    from then on; a changed type needs a migration (sql/migrations/README.md)."""
    schema, name = table.split(".")
    parameters = parameters or {}
    connection.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
    connection.execute(f"CREATE TABLE IF NOT EXISTS {table} AS SELECT * FROM ({select_sql}) LIMIT 0", parameters)
    present = {
        column.lower()
        for (column,) in connection.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = ? AND table_name = ?",
            [schema, name],
        ).fetchall()
    }
    for column, column_type, *_ in connection.execute(f"DESCRIBE SELECT * FROM ({select_sql})", parameters).fetchall():
        if column.lower() not in present:
            connection.execute(f'ALTER TABLE {table} ADD COLUMN "{column}" {column_type}')
