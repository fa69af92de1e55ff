"""The ERP macros (sql/canonical/erp_records.sql) on the on-premises ledger's records (docs/ledger.md): a
company known from the database it was read from, a customer hierarchy, a void at zero, a draft never
posted, a foreign-currency invoice whose rate is already the home currency's, lines, a payment's cash
and a credit memo's credit applied. Expected values come from the hand-made rows (tests/ledger_data.py)."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import duckdb
import pytest

from assets.canonical.build import install_source_records
from resources.migrations import migrate
from tests.ledger_data import expected, invoice, ledger_rows

NIGHT = date(2026, 11, 20)
CALLS = (
    "erp_companies(n) erp_customer_records(n) erp_invoice_records(n) erp_invoice_line_records(n) "
    "erp_credit_memo_records(n) erp_payment_records(n) erp_payment_application_records(n)"
)


def rows() -> dict:
    made = ledger_rows()
    made["invoices"] += [
        invoice(12, "DE", 1, "300.00", "0.00", "57.00", "357.00", status="voided"),
        invoice(13, "DE", 1, "80.00", "0.00", "0.00", "80.00", status="draft"),
        invoice(14, "UK", 3, "100.00", "0.00", "0.00", "100.00", currency="USD", exchange_rate=Decimal("0.787402")),
    ]
    return made


@pytest.fixture
def erp():
    made = rows()
    with duckdb.connect() as db:
        migrate(db)
        install_source_records(db, CALLS)
        for entity in ("DE", "UK"):
            db.execute(
                "INSERT INTO raw.companies (snapshot_date, system, object, entity, company_id) "
                "VALUES (?, 'ledger', 'companies', ?, 'ledger.db')",
                [NIGHT, entity],
            )
        for object_name in made:
            for record_id, (entity, _, payload) in expected(object_name, made).items():
                db.execute(
                    f"INSERT INTO valid.ledger__{object_name} VALUES (?, ?, ?, NULL, ?, 1, 'load', now())",
                    [NIGHT, entity, record_id, json.dumps(payload)],
                )
        yield lambda sql: db.execute(sql, {"n": NIGHT}).fetchall(), made


def money(value) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"))


def test_each_entity_is_a_ledger_company_that_keeps_a_hierarchy_but_no_time(erp):
    query, made = erp
    assert query(
        "SELECT vendor, keeps_hierarchy, keeps_time, legal_entity, source_id, company_id, name, home_currency "
        "FROM erp_companies($n) ORDER BY legal_entity"
    ) == [
        (
            "ledger",
            True,
            False,
            c["entity_code"],
            f"{c['entity_code']}:ledger.db",
            "ledger.db",
            c["name"],
            c["home_currency"],
        )
        for c in made["companies"]
    ]


def test_customers_keep_their_parent_and_their_balance_is_what_their_posted_invoices_leave_due(erp):
    query, made = erp
    due = {c["customer_id"]: Decimal(0) for c in made["customers"]}
    for i in made["invoices"]:
        if i["status"] not in ("draft", "voided"):
            due[i["customer_id"]] += i["amount_due"]
    for m in made["credit_memos"]:
        due[m["customer_id"]] -= m["remaining"]
    assert query(
        "SELECT source_id, name, parent_source_id, currency, is_active, tax_id, website, balance "
        "FROM erp_customer_records($n) ORDER BY source_id"
    ) == [
        (
            f"{c['entity_code']}:{c['customer_id']}",
            c["name"],
            f"{c['entity_code']}:{c['parent_customer_id']}" if c["parent_customer_id"] else None,
            c["currency"],
            c["is_active"],
            c["tax_id"],
            c["website"],
            money(due[c["customer_id"]]),
        )
        for c in sorted(made["customers"], key=lambda c: f"{c['entity_code']}:{c['customer_id']}")
    ]


def test_invoices_in_the_books_with_a_void_at_zero_and_no_draft(erp):
    query, made = erp
    posted = [i for i in made["invoices"] if i["status"] != "draft"]
    zero = {i["invoice_id"] for i in posted if i["status"] == "voided"}

    def amount(i, column):
        return Decimal("0.00") if i["invoice_id"] in zero else money(i[column])

    assert query(
        "SELECT source_id, customer_source_id, psa_invoice_ref, psa_link, document_number, issue_date, currency, "
        "total, amount_due, status, lines_total, discount_total, tax_total, exchange_rate "
        "FROM erp_invoice_records($n) ORDER BY record_id"
    ) == [
        (
            f"{i['entity_code']}:{i['invoice_id']}",
            f"{i['entity_code']}:{i['customer_id']}",
            i["reference"].removeprefix("harvest_invoice:"),
            "erp.reference.harvest_invoice",
            i["invoice_number"],
            i["issue_date"],
            i["currency"],
            amount(i, "total"),
            amount(i, "amount_due"),
            i["status"],
            amount(i, "lines_total"),
            amount(i, "discount_total"),
            amount(i, "tax_total"),
            i["exchange_rate"],
        )
        for i in sorted(posted, key=lambda i: str(i["invoice_id"]))
    ]


def test_lines_payments_credit_memos_and_what_each_application_settles(erp):
    query, made = erp
    entity = {i["invoice_id"]: i["entity_code"] for i in made["invoices"]}
    assert query(
        "SELECT source_id, line_number, kind, description, quantity, unit_price, amount "
        "FROM erp_invoice_line_records($n) ORDER BY source_id, line_number"
    ) == [
        (
            f"{entity[line['invoice_id']]}:{line['invoice_id']}",
            line["line_number"],
            line["item"],
            line["description"],
            Decimal(str(line["quantity"])).quantize(Decimal("0.0001")),
            money(line["unit_price"]),
            money(line["amount"]),
        )
        for line in made["invoice_lines"]
    ]
    assert query(
        "SELECT vendor, source_id, customer_source_id, payment_date, currency, amount FROM erp_payment_records($n)"
    ) == [
        (
            "ledger",
            f"{p['entity_code']}:{p['payment_id']}",
            f"{p['entity_code']}:{p['customer_id']}",
            p["payment_date"],
            p["currency"],
            money(p["amount"]),
        )
        for p in made["payments"]
    ]
    assert query(
        "SELECT vendor, source_id, customer_source_id, document_number, issue_date, total, remaining "
        "FROM erp_credit_memo_records($n)"
    ) == [
        (
            "ledger",
            f"{m['entity_code']}:{m['credit_memo_id']}",
            f"{m['entity_code']}:{m['customer_id']}",
            m["credit_number"],
            m["issue_date"],
            money(m["total"]),
            money(m["remaining"]),
        )
        for m in made["credit_memos"]
    ]
    # cash settles through its payment; a credit memo's credit has no payment and is named as the memo's
    assert query(
        "SELECT legal_entity, source_id, line_key, applied_on, amount, invoice_source_id, credit_memo_source_id "
        "FROM erp_payment_application_records($n) ORDER BY line_key"
    ) == [
        (
            entity[a["invoice_id"]],
            f"{entity[a['invoice_id']]}:"
            + (str(a["payment_id"]) if a["payment_id"] else f"credit_memo:{a['credit_memo_id']}"),
            str(a["application_id"]),
            a["applied_on"],
            money(a["amount"]),
            f"{entity[a['invoice_id']]}:{a['invoice_id']}",
            f"{entity[a['invoice_id']]}:{a['credit_memo_id']}" if a["credit_memo_id"] else None,
        )
        for a in made["payment_applications"]
    ]
