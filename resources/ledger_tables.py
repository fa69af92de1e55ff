"""The on-premises ledger's tables (docs/ledger.md), as SQLAlchemy Core tables: what the connector
selects from, with bound parameters, and what a test creates in SQLite, MariaDB or PostgreSQL.

Every value is made the same whatever it was read from (a database's driver, a CSV cell, an XLSX
cell), so a row read from any of them gives the same payload: dates `YYYY-MM-DD`, times ISO 8601 in
UTC with `Z`, amounts JSON numbers (as QuickBooks and Xero send theirs: exact to the cent below 90
trillion), booleans true/false, empty text NULL. A value that cannot be made its kind is kept as the
text sent, for the contract to quarantine (wrong_type), rather than guessed."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    TypeDecorator,
)


class Stamp(TypeDecorator):
    """A UTC time. SQLite has no time type: its text is compared as text (`YYYY-MM-DD HH:MM:SS`, which
    orders as the times do and sorts a `T` written between date and time after the space, so a night
    re-reads rather than misses a row of the watermark's day) and parsed here, not by SQLAlchemy's
    SQLite DATETIME, which would read the date alone of an ISO text with a `T`."""

    impl = DateTime
    cache_ok = True

    def load_dialect_impl(self, dialect):
        return dialect.type_descriptor(String(32) if dialect.name == "sqlite" else DateTime())

    def process_bind_param(self, value, dialect):
        if isinstance(value, datetime):
            value = (value.astimezone(UTC) if value.tzinfo else value).replace(tzinfo=None)
            return value.strftime("%Y-%m-%d %H:%M:%S") if dialect.name == "sqlite" else value
        return value


class Flag(TypeDecorator):
    """A boolean; SQLite's is whatever was stored (1/0, or text), made one by `normal`."""

    impl = Boolean
    cache_ok = True

    def load_dialect_impl(self, dialect):
        return dialect.type_descriptor(Integer() if dialect.name == "sqlite" else Boolean())

    def process_bind_param(self, value, dialect):
        return int(value) if dialect.name == "sqlite" and isinstance(value, bool) else value


metadata = MetaData()


def modified() -> Column:
    return Column("modified_at", Stamp(), nullable=False)


def money(name: str) -> Column:
    return Column(name, Numeric(18, 2, asdecimal=True))


def entity() -> Column:
    return Column("entity_code", String(8), nullable=False)


COMPANIES = Table(
    "ledger_companies",
    metadata,
    Column("entity_code", String(8), primary_key=True, autoincrement=False),
    Column("name", String(200)),
    Column("home_currency", String(3)),
    modified(),
)
CUSTOMERS = Table(
    "ledger_customers",
    metadata,
    Column("customer_id", Integer, primary_key=True, autoincrement=False),
    entity(),
    Column("name", String(200)),
    Column("parent_customer_id", Integer, nullable=True),
    Column("currency", String(3), nullable=True),
    Column("is_active", Flag()),
    Column("tax_id", String(50), nullable=True),
    Column("website", String(200), nullable=True),
    Column("external_ref", String(100), nullable=True),
    modified(),
)
INVOICES = Table(
    "ledger_invoices",
    metadata,
    Column("invoice_id", Integer, primary_key=True, autoincrement=False),
    entity(),
    Column("customer_id", Integer),
    Column("invoice_number", String(50)),
    Column("issue_date", Date),
    Column("due_date", Date, nullable=True),
    Column("currency", String(3)),
    money("lines_total"),
    money("discount_total"),
    money("tax_total"),
    money("total"),
    money("amount_due"),
    Column("status", String(10)),
    Column("reference", String(100), nullable=True),
    Column("exchange_rate", Numeric(18, 6, asdecimal=True), nullable=True),
    modified(),
)
INVOICE_LINES = Table(
    "ledger_invoice_lines",
    metadata,
    Column("invoice_id", Integer, primary_key=True, autoincrement=False),
    Column("line_number", Integer, primary_key=True, autoincrement=False),
    Column("item", String(100)),
    Column("description", String(500)),
    Column("quantity", Numeric(18, 4, asdecimal=True)),
    money("unit_price"),
    money("amount"),
    modified(),
)
PAYMENTS = Table(
    "ledger_payments",
    metadata,
    Column("payment_id", Integer, primary_key=True, autoincrement=False),
    entity(),
    Column("customer_id", Integer),
    Column("payment_date", Date),
    Column("currency", String(3)),
    money("amount"),
    modified(),
)
PAYMENT_APPLICATIONS = Table(
    "ledger_payment_applications",
    metadata,
    Column("application_id", Integer, primary_key=True, autoincrement=False),
    Column("payment_id", Integer, nullable=True),
    Column("credit_memo_id", Integer, nullable=True),
    Column("invoice_id", Integer),
    Column("applied_on", Date),
    money("amount"),
    modified(),
)
CREDIT_MEMOS = Table(
    "ledger_credit_memos",
    metadata,
    Column("credit_memo_id", Integer, primary_key=True, autoincrement=False),
    entity(),
    Column("customer_id", Integer),
    Column("credit_number", String(50)),
    Column("issue_date", Date),
    Column("currency", String(3)),
    money("total"),
    money("remaining"),
    modified(),
)

# the connector's objects (raw.ledger__<object>) and their tables, in the order a full export loads
TABLES: dict[str, Table] = {
    "companies": COMPANIES,
    "customers": CUSTOMERS,
    "invoices": INVOICES,
    "invoice_lines": INVOICE_LINES,
    "payments": PAYMENTS,
    "payment_applications": PAYMENT_APPLICATIONS,
    "credit_memos": CREDIT_MEMOS,
}
OBJECT_OF_TABLE = {table.name: object_name for object_name, table in TABLES.items()}
# lines and applications carry no entity_code: theirs is their invoice's
BY_INVOICE = frozenset({"invoice_lines", "payment_applications"})


def key_of(object_name: str, row: dict) -> str | None:
    """The record id: the table's key, `<invoice_id>:<line_number>` for a line; None if a part is missing."""
    parts = [row.get(column.name) for column in TABLES[object_name].primary_key.columns]
    return None if any(part is None for part in parts) else ":".join(str(part) for part in parts)


def kind_of(column: Column) -> str:
    kind = column.type
    if isinstance(kind, Stamp):
        return "stamp"
    if isinstance(kind, Flag):
        return "bool"
    if isinstance(kind, Date):
        return "date"
    if isinstance(kind, Numeric):
        return "decimal"
    if isinstance(kind, Integer):
        return "int"
    return "text"


KINDS = {object_name: {c.name: kind_of(c) for c in table.columns} for object_name, table in TABLES.items()}


def normal(kind: str, value: object) -> object:
    """`value` (from a driver, a CSV or an XLSX cell) as the payload holds its kind."""
    if value is None or (isinstance(value, str) and value.strip() == ""):
        return None
    try:
        return _normal(kind, value)
    except (ValueError, TypeError, InvalidOperation, OverflowError):
        return str(value)


def _normal(kind: str, value: object) -> object:
    if kind == "stamp":
        moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value).strip())
        moment = moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)
        return moment.isoformat().replace("+00:00", "Z")
    if kind == "date":
        if isinstance(value, datetime):
            return value.date().isoformat()
        return value.isoformat() if isinstance(value, date) else date.fromisoformat(str(value).strip()).isoformat()
    if kind == "decimal":
        if isinstance(value, bool):
            raise TypeError("a boolean is no amount")
        return float(Decimal(str(value).strip()))
    if kind == "int":
        if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
            raise ValueError("not a whole number")
        return int(value) if isinstance(value, int | float) else int(str(value).strip())
    if kind == "bool":
        if isinstance(value, bool | int):
            return bool(value)
        text = str(value).strip().lower()
        if text in ("true", "1", "t"):
            return True
        if text in ("false", "0", "f"):
            return False
        raise ValueError("not a boolean")
    if isinstance(value, float) and value.is_integer():  # a spreadsheet's number in a text column
        return str(int(value))
    return str(value)


def payload_of(object_name: str, row: dict) -> dict:
    """The row as the raw payload holds it: every column of the table, in its order."""
    kinds = KINDS[object_name]
    return {column: normal(kind, row.get(column)) for column, kind in kinds.items()}
