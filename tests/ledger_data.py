"""A small hand-made ledger (docs/ledger.md) for the connector's tests: two legal entities, a customer
hierarchy, an invoice paid in cash and one settled partly by a credit memo, and what an export of it
looks like as files. Expected payloads are worked from these rows by `as_sent`, which writes each value
the way the documented payload does (ISO dates, UTC times with Z, amounts as numbers)."""

from __future__ import annotations

import csv
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from openpyxl import Workbook
from sqlalchemy import insert

from resources.ledger_tables import TABLES

T0 = datetime(2026, 11, 10, 9, 0, 0)  # every row's first write
T1 = datetime(2026, 11, 15, 12, 30, 0)  # the later change an incremental night reads
D = Decimal


def company(code: str, name: str, currency: str) -> dict:
    return {"entity_code": code, "name": name, "home_currency": currency, "modified_at": T0}


def customer(n: int, entity: str, name: str, parent: int | None = None, **more) -> dict:
    row = {
        "customer_id": n,
        "entity_code": entity,
        "name": name,
        "parent_customer_id": parent,
        "currency": None,
        "is_active": True,
        "tax_id": None,
        "website": None,
        "external_ref": None,
        "modified_at": T0,
    }
    return row | more


def invoice(n: int, entity: str, customer_id: int, lines: str, discount: str, tax: str, due: str, **more) -> dict:
    total = D(lines) - D(discount) + D(tax)
    row = {
        "invoice_id": n,
        "entity_code": entity,
        "customer_id": customer_id,
        "invoice_number": f"{1000 + n}",
        "issue_date": date(2026, 11, 1),
        "due_date": date(2026, 12, 1),
        "currency": "EUR" if entity == "DE" else "GBP",
        "lines_total": D(lines),
        "discount_total": D(discount),
        "tax_total": D(tax),
        "total": total,
        "amount_due": D(due),
        "status": "open" if D(due) else "paid",
        "reference": f"harvest_invoice:{9000 + n}",
        "exchange_rate": None,
        "modified_at": T0,
    }
    return row | more


def line(invoice_id: int, number: int, quantity: str, price: str, **more) -> dict:
    row = {
        "invoice_id": invoice_id,
        "line_number": number,
        "item": "Consulting",
        "description": f"Work, line {number}",
        "quantity": D(quantity),
        "unit_price": D(price),
        "amount": (D(quantity) * D(price)).quantize(D("0.01")),
        "modified_at": T0,
    }
    return row | more


def application(n: int, invoice_id: int, amount: str, payment: int | None = None, credit: int | None = None) -> dict:
    return {
        "application_id": n,
        "payment_id": payment,
        "credit_memo_id": credit,
        "invoice_id": invoice_id,
        "applied_on": date(2026, 11, 6),
        "amount": D(amount),
        "modified_at": T0,
    }


def ledger_rows() -> dict[str, list[dict]]:
    """The ledger as first written (at T0)."""
    return {
        "companies": [company("DE", "Firm GmbH", "EUR"), company("UK", "Firm Ltd", "GBP")],
        "customers": [
            customer(1, "DE", "Acme GmbH", currency="EUR", external_ref="harvest_client:501"),
            customer(2, "DE", "Acme Services GmbH", parent=1, currency="EUR", website="https://acme.example"),
            customer(3, "UK", "Globex Ltd", currency="GBP", tax_id="GB123456789", is_active=False),
        ],
        "invoices": [
            invoice(10, "DE", 2, "1000.00", "50.00", "180.50", "1030.50"),
            invoice(11, "UK", 3, "200.00", "0.00", "40.00", "0.00"),
        ],
        "invoice_lines": [line(10, 1, "8.5000", "100.00"), line(10, 2, "1.0000", "150.00"), line(11, 1, "2", "100.00")],
        "payments": [
            {
                "payment_id": 20,
                "entity_code": "UK",
                "customer_id": 3,
                "payment_date": date(2026, 11, 5),
                "currency": "GBP",
                "amount": D("240.00"),
                "modified_at": T0,
            }
        ],
        "payment_applications": [application(30, 11, "240.00", payment=20), application(31, 10, "100.00", credit=40)],
        "credit_memos": [
            {
                "credit_memo_id": 40,
                "entity_code": "DE",
                "customer_id": 1,
                "credit_number": "CM-40",
                "issue_date": date(2026, 11, 6),
                "currency": "EUR",
                "total": D("100.00"),
                "remaining": D("0.00"),
                "modified_at": T0,
            }
        ],
    }


def insert_rows(connection, rows: dict[str, list[dict]]) -> None:
    for object_name, table in TABLES.items():
        if rows.get(object_name):
            connection.execute(insert(table), rows[object_name])


# -- what the connector should hand over -----------------------------------------------------------


def as_sent(value: object) -> object:
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    return value


def entity_of(object_name: str, row: dict, rows: dict[str, list[dict]]) -> str:
    if "entity_code" in row:
        return row["entity_code"]
    invoices = {i["invoice_id"]: i["entity_code"] for i in rows["invoices"]}
    return invoices.get(row["invoice_id"], "")


def record_id(object_name: str, row: dict) -> str:
    if object_name == "invoice_lines":
        return f"{row['invoice_id']}:{row['line_number']}"
    return str(next(iter(row.values())))


def expected(object_name: str, rows: dict[str, list[dict]], only: list[dict] | None = None) -> dict:
    """record id -> (entity, updated_at, payload) of `only` (default: every row of the object)."""
    return {
        record_id(object_name, row): (
            entity_of(object_name, row, rows),
            as_sent(row["modified_at"]),
            {column: as_sent(value) for column, value in row.items()},
        )
        for row in (rows[object_name] if only is None else only)
    }


def got(extraction) -> dict:
    import json

    return {r.record_id: (r.entity, r.updated_at, json.loads(r.payload)) for r in extraction.records}


# -- the same rows exported as files (docs/ledger.md, Files) ---------------------------------------------


def csv_cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def write_csv(path: Path, object_name: str, rows: list[dict]) -> Path:
    columns = [c.name for c in TABLES[object_name].columns]
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        writer.writerows([[csv_cell(row[c]) for c in columns] for row in rows])
    return path


def write_xlsx(path: Path, object_name: str, rows: list[dict]) -> Path:
    columns = [c.name for c in TABLES[object_name].columns]
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(columns)
    for row in rows:
        sheet.append([float(row[c]) if isinstance(row[c], Decimal) else row[c] for c in columns])
    workbook.save(path)
    return path


XLSX_OBJECTS = ("customers", "invoices")  # as the sandbox exports them; the rest CSV


def export(folder: Path, rows: dict[str, list[dict]], suffix: str = "") -> list[Path]:
    """Each table's rows as `<table><suffix>.csv|.xlsx` in `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for object_name, table in TABLES.items():
        name = f"{table.name}{suffix}"
        if object_name in XLSX_OBJECTS:
            written.append(write_xlsx(folder / f"{name}.xlsx", object_name, rows[object_name]))
        else:
            written.append(write_csv(folder / f"{name}.csv", object_name, rows[object_name]))
    return written
