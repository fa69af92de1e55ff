"""Building one canonical table for one night: its SQL, run set-based inside DuckDB, replaces the
night's rows in one transaction; then what the night holds, for the asset's metadata."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date

from assets.warehouse_io import replace_night_from_query
from sql import LINE_COMMENT, PARAMETER, load, run_script
from sql.customer_name import install as install_customer_name_key
from sql.tables import IDENTIFIED, CanonicalTable

PREVIEW_ROWS = 5
# each family's vendors' records in one shape, as macros
SOURCE_RECORDS = ("canonical/crm_records.sql", "canonical/erp_records.sql")
MACRO_NAME = re.compile(r"MACRO\s+(\w+)\(")
VALID_TABLE = re.compile(r"\bvalid\.\w+")


def select_sql(table: CanonicalTable) -> str:
    """The query yielding the table's rows for `$snapshot_date`."""
    if table.name == "xref":
        return "\nUNION ALL\n".join(load("canonical/xref.sql", entity_type=t.name) for t in IDENTIFIED)
    return load(table.sql)


def settings_from(connectors: Mapping[str, object]) -> dict[str, str]:
    """The configuration the SQL binds: the CRM's field names (everything else it reads from the
    warehouse, so no connector is asked, and no sandbox started, in the canonical stage)."""
    settings: dict[str, str] = {}
    if "salesforce" in connectors:
        settings.update(connectors["salesforce"].crm_fields().parameters())  # type: ignore[attr-defined]
    return settings


def install_source_records(connection, query: str) -> None:
    """Define the CRM and ERP macros (crm_records.sql, erp_records.sql) the query calls, and the scalar
    ones they use. DuckDB binds a table macro's tables when it is defined, so a macro is defined only for a table whose
    sources include them: the night's first canonical table may run before the other objects'
    validation has made their tables. A valid table a warehouse has never had (written before its
    vendor's objects existed) is made empty, in the snapshot tables' shape: that object has no records."""
    statements = [s for name in SOURCE_RECORDS for s in LINE_COMMENT.sub("", load(name)).split(";")]
    for statement in statements:
        macro = MACRO_NAME.search(statement)
        if macro and (" AS TABLE" not in statement or re.search(rf"\b{macro[1]}\(", query)):
            for table in sorted(set(VALID_TABLE.findall(statement))):
                connection.execute("CREATE SCHEMA IF NOT EXISTS valid")
                run_script(connection, load("raw/create_snapshot_tables.sql", raw_table=table))
            connection.execute(statement)


def build_table(connection, table: CanonicalTable, snapshot_date: date, settings: dict[str, str]) -> int:
    """Replace the table's rows of `snapshot_date`; returns how many it now holds."""
    query = select_sql(table)
    available = {"snapshot_date": snapshot_date, **settings}
    missing = set(PARAMETER.findall(query)) - set(available)
    if missing:
        raise ValueError(f"{table.table} needs settings {sorted(missing)}")
    used = {name: available[name] for name in set(PARAMETER.findall(query))}
    install_customer_name_key(connection)
    install_source_records(connection, query)
    return replace_night_from_query(connection, table.table, snapshot_date, query, used)


def summarize(connection, table: CanonicalTable, snapshot_date: date) -> dict:
    """Rows per system; for tables with global ids, rows linked to another system's record or not,
    and rows per cross-reference; a preview."""
    night = [snapshot_date]
    per_system = dict(
        connection.execute(
            f"SELECT system, count(*) FROM {table.table} WHERE snapshot_date = ? GROUP BY 1 ORDER BY 1", night
        ).fetchall()
    )
    summary: dict = {"rows_per_system": per_system}
    if table.prefix or table.name == "xref":
        linked = connection.execute(
            f"""
            SELECT system, count(*) FILTER (WHERE systems > 1), count(*) FILTER (WHERE systems = 1)
            FROM (SELECT system, count(DISTINCT system) OVER (PARTITION BY global_id) AS systems
                  FROM {table.table} WHERE snapshot_date = ?)
            GROUP BY 1 ORDER BY 1""",
            night,
        ).fetchall()
        summary["linked_per_system"] = {system: n for system, n, _ in linked}
        summary["unlinked_per_system"] = {system: n for system, _, n in linked}
        summary["rows_per_link"] = dict(
            connection.execute(
                f"SELECT link, count(*) FROM {table.table} WHERE snapshot_date = ? GROUP BY 1 ORDER BY 1", night
            ).fetchall()
        )
    summary["preview"] = connection.execute(
        f"SELECT * EXCLUDE (snapshot_date) FROM {table.table} WHERE snapshot_date = ? "
        f"ORDER BY system, source_id LIMIT {PREVIEW_ROWS}",
        night,
    ).df()
    return summary


def markdown(frame) -> str:
    """A small frame as a markdown table (without a tabulate dependency)."""
    header = "| " + " | ".join(map(str, frame.columns)) + " |"
    rule = "|" + "---|" * len(frame.columns)
    body = [
        "| " + " | ".join("" if value is None else str(value) for value in row) + " |"
        for row in frame.astype(object).where(frame.notna(), None).itertuples(index=False)
    ]
    return "\n".join([header, rule, *body])
