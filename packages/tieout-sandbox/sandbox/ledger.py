"""The sandbox's on-premises ledger: a SQLite database (`<sandbox>/ledger.db`) created by the portable DDL
`ledger_schema.sql`, and the same rows exported as files (`<sandbox>/ledger-drop/`), as a firm's ledger
would hand them over: customers and invoices as XLSX, the other tables as CSV.

Conventions of the values (specs/ledger.md): in the database, dates `YYYY-MM-DD`, timestamps (UTC)
`YYYY-MM-DD HH:MM:SS`, decimals as SQLite's NUMERIC affinity keeps them, booleans 1/0; in a CSV file
(UTF-8, header row) ISO dates, timestamps `YYYY-MM-DDTHH:MM:SSZ`, `.` decimals at the column's scale,
`true`/`false`, empty for NULL; in an XLSX file (first sheet, header row) typed cells: numbers, dates,
date-times (UTC), booleans, text for text columns, an empty cell for NULL. Each file is
`<table>-<as_of>.<csv|xlsx>`, a full export of the table as of the firm's date. The writers give the
same bytes for the same rows (no wall clock: the XLSX's document dates are the firm's as_of).
"""

from __future__ import annotations

import csv
import shutil
import sqlite3
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path

import xlsxwriter

SCHEMA = Path(__file__).with_name("ledger_schema.sql")
DATABASE = "ledger.db"
DROP = "ledger-drop"
SYSTEM = "ledger"
XLSX_TABLES = ("ledger_customers", "ledger_invoices")  # the rest are exported as CSV
# each table's key, and the column that says which legal entity a row is of (lines and applications
# belong to their document's)
KEYS = {
    "ledger_companies": ("entity_code",),
    "ledger_customers": ("customer_id",),
    "ledger_invoices": ("invoice_id",),
    "ledger_invoice_lines": ("invoice_id", "line_number"),
    "ledger_payments": ("payment_id",),
    "ledger_payment_applications": ("application_id",),
    "ledger_credit_memos": ("credit_memo_id",),
}
TABLES = tuple(KEYS)


def statements(sql: str | None = None) -> list[str]:
    """The DDL's statements, without comments, each without its closing semicolon: what a driver that
    runs one statement at a time (pymysql, sqlite3's execute) is given."""
    text = SCHEMA.read_text() if sql is None else sql
    lines = [line.split("--", 1)[0].rstrip() for line in text.splitlines()]
    return [part.strip() for part in "\n".join(lines).split(";") if part.strip()]


def columns(db: sqlite3.Connection, table: str) -> list[str]:
    return [row[1] for row in db.execute(f"PRAGMA table_info({table})")]


def url(directory: str | Path) -> str:
    """The SQLAlchemy URL of the sandbox's ledger database (`sqlite:////abs/path/ledger.db`)."""
    return f"sqlite:///{(Path(directory) / DATABASE).resolve()}"


def remove(directory: Path) -> None:
    """Any ledger an earlier build left in the directory."""
    for suffix in ("", "-journal", "-wal", "-shm"):
        (directory / f"{DATABASE}{suffix}").unlink(missing_ok=True)
    shutil.rmtree(directory / DROP, ignore_errors=True)


def _sqlite(value: object) -> object:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def write_database(path: Path, rows: dict[str, list[dict]]) -> None:
    db = sqlite3.connect(path, isolation_level=None)
    try:
        db.execute("BEGIN")
        for statement in statements():
            db.execute(statement)
        for table in TABLES:
            names = columns(db, table)
            marks = ", ".join("?" for _ in names)
            db.executemany(
                f"INSERT INTO {table} ({', '.join(names)}) VALUES ({marks})",
                ([_sqlite(row[name]) for name in names] for row in rows.get(table, [])),
            )
        db.execute("COMMIT")
    finally:
        db.close()


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _csv(path: Path, names: list[str], rows: list[dict]) -> None:
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(names)
        writer.writerows([_text(row[name]) for name in names] for row in rows)


def _xlsx(path: Path, names: list[str], rows: list[dict], as_of: date) -> None:
    book = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False, "strings_to_formulas": False})
    moment = datetime.combine(as_of, time())
    book.set_properties({"title": path.stem, "author": "Meridian Advisory ledger", "created": moment})
    sheet = book.add_worksheet(path.stem.split("-", 1)[0][:31])
    day, stamp = book.add_format({"num_format": "yyyy-mm-dd"}), book.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
    sheet.write_row(0, 0, names)
    for r, row in enumerate(rows, start=1):
        for c, name in enumerate(names):
            value = row[name]
            if value is None:
                continue
            if isinstance(value, bool):
                sheet.write_boolean(r, c, value)
            elif isinstance(value, datetime):
                sheet.write_datetime(r, c, value, stamp)
            elif isinstance(value, date):
                sheet.write_datetime(r, c, datetime.combine(value, time()), day)
            elif isinstance(value, int):
                sheet.write_number(r, c, value)
            elif isinstance(value, Decimal):
                sheet.write_number(r, c, float(value))
            else:
                sheet.write_string(r, c, str(value))
    book.close()


def write_drop(folder: Path, rows: dict[str, list[dict]], as_of: date) -> list[Path]:
    """Every table as one file in `folder`, named `<table>-<as_of>`."""
    folder.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(":memory:")
    for statement in statements():
        db.execute(statement)
    written = []
    for table in TABLES:
        names = columns(db, table)
        if table in XLSX_TABLES:
            path = folder / f"{table}-{as_of.isoformat()}.xlsx"
            _xlsx(path, names, rows.get(table, []), as_of)
        else:
            path = folder / f"{table}-{as_of.isoformat()}.csv"
            _csv(path, names, rows.get(table, []))
        written.append(path)
    db.close()
    return written


def write(directory: Path, rows: dict[str, list[dict]], as_of: date) -> None:
    """The ledger of the firm in `directory`: `ledger.db` and `ledger-drop/`, replacing any earlier one."""
    remove(directory)
    write_database(directory / DATABASE, rows)
    write_drop(directory / DROP, rows, as_of)
