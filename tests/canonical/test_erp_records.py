"""The ERP macros (sql/canonical/erp_records.sql) on Xero records the sandbox firm never renders: a
foreign-currency invoice, a void, a draft, a discount, a deleted payment, a refund and an overpayment, a
deleted allocation, contacts with and without a default currency, an organisation the quarantine holds.
Expected values are worked by hand from Xero's documented meaning of each field, not from the SQL."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal

import duckdb
import pytest

from assets.canonical.build import install_source_records
from resources.migrations import migrate
from sandbox.emulators.xero_documents import ms_date

NIGHT = date(2026, 11, 20)
CALLS = (
    "erp_companies(n) erp_customer_records(n) erp_invoice_records(n) erp_invoice_line_records(n) "
    "erp_credit_memo_records(n) erp_payment_records(n) erp_payment_application_records(n)"
)


def uid(n: int) -> str:
    return f"00000000-0000-4000-8000-{n:012d}"


def day(y: int, m: int, d: int) -> str:
    return ms_date(datetime(y, m, d, tzinfo=UTC))


def put(db, table: str, records: list[dict], id_key: str) -> None:
    for record in records:
        db.execute(
            f"INSERT INTO valid.xero__{table} VALUES (?, 'UK', ?, NULL, ?, 1, 'load', now())",
            [NIGHT, record[id_key], json.dumps(record)],
        )


def invoice(n: int, contact: int, status: str, total: float, due: float, **more) -> dict:
    return {
        "InvoiceID": uid(n),
        "Type": "ACCREC",
        "InvoiceNumber": f"INV-{n}",
        "Reference": f"harvest_invoice:{n}",
        "Contact": {"ContactID": uid(contact)},
        "Date": day(2026, 10, 1),
        "DueDate": day(2026, 10, 31),
        "CurrencyCode": "GBP",
        "Status": status,
        "LineAmountTypes": "Exclusive",
        "SubTotal": round(total / 1.2, 2),
        "TotalTax": round(total - round(total / 1.2, 2), 2),
        "Total": total,
        "AmountDue": due,
        "LineItems": [{"Description": "Services", "Quantity": 1, "UnitAmount": total, "LineAmount": total}],
        **more,
    }


@pytest.fixture
def erp():
    with duckdb.connect() as db:
        migrate(db)
        install_source_records(db, CALLS)  # makes the valid tables this warehouse never had
        db.execute(
            "INSERT INTO raw.companies (snapshot_date, system, object, entity, company_id) VALUES (?, 'xero', 'Organisation', 'UK', ?)",
            [NIGHT, uid(1)],
        )
        # the organisation's own record is quarantined tonight: not in valid.xero__organisation
        put(
            db,
            "contacts",
            [
                {"ContactID": uid(10), "Name": "Acme Ltd", "ContactStatus": "ACTIVE", "DefaultCurrency": "EUR"},
                {"ContactID": uid(11), "Name": "Globex", "ContactStatus": "ARCHIVED", "IsCustomer": True},
                {"ContactID": uid(12), "Name": "Paper Supplies", "ContactStatus": "ACTIVE", "IsSupplier": True},
                {"ContactID": uid(13), "Name": "New Client", "ContactStatus": "ACTIVE"},
            ],
            "ContactID",
        )
        put(
            db,
            "invoices",
            [
                # USD at 1.27 US dollars to the pound: 1,270.00 USD is 1,000.00 GBP in the books
                invoice(20, 11, "AUTHORISED", 1270.0, 1270.0, CurrencyCode="USD", CurrencyRate=1.27),
                invoice(21, 11, "VOIDED", 600.0, 0.0),  # voided: left the books, its amounts count zero
                invoice(22, 11, "DRAFT", 300.0, 300.0),  # never posted
                invoice(23, 10, "PAID", 540.0, 0.0, TotalDiscount=50.0, CurrencyCode="EUR"),
                {**invoice(24, 12, "AUTHORISED", 99.0, 99.0), "Type": "ACCPAY"},  # a bill, not a sale
            ],
            "InvoiceID",
        )
        paid = {"Invoice": {"InvoiceID": uid(23), "Type": "ACCREC"}, "Status": "AUTHORISED", "Amount": 240.0}
        put(
            db,
            "payments",
            [
                {**paid, "PaymentID": uid(30), "Date": day(2026, 10, 10), "PaymentType": "ACCRECPAYMENT"},
                {**paid, "PaymentID": uid(31), "Date": day(2026, 10, 11)},  # no PaymentType: its invoice says AR
                {**paid, "PaymentID": uid(32), "Date": day(2026, 10, 12), "Status": "DELETED"},
                {**paid, "PaymentID": uid(33), "Date": day(2026, 10, 13), "PaymentType": "ARCREDITPAYMENT"},
                {"PaymentID": uid(34), "Date": day(2026, 10, 14), "Amount": 5.0, "PaymentType": "AROVERPAYMENTPAYMENT"},
            ],
            "PaymentID",
        )
        put(
            db,
            "creditnotes",
            [
                {
                    "CreditNoteID": uid(40),
                    "Type": "ACCRECCREDIT",
                    "CreditNoteNumber": "CN-40",
                    "Contact": {"ContactID": uid(10)},
                    "Date": day(2026, 10, 15),
                    "CurrencyCode": "EUR",
                    "Status": "PAID",
                    "Total": 60.0,
                    "RemainingCredit": 0.0,
                    "Allocations": [
                        {"Invoice": {"InvoiceID": uid(23)}, "Amount": 60.0, "Date": day(2026, 10, 16)},
                        {
                            "Invoice": {"InvoiceID": uid(20)},
                            "Amount": 10.0,
                            "Date": day(2026, 10, 17),
                            "IsDeleted": True,
                        },
                    ],
                }
            ],
            "CreditNoteID",
        )
        yield lambda sql: db.execute(sql, {"n": NIGHT}).fetchall()


def test_the_organisation_is_known_from_its_tenant_while_its_record_is_held(erp):
    assert erp(
        "SELECT vendor, keeps_hierarchy, keeps_time, legal_entity, company_id, name, home_currency "
        "FROM erp_companies($n)"
    ) == [("xero", False, False, "UK", uid(1), None, None)]


def test_customers_are_contacts_not_only_suppliers_with_the_currency_they_are_billed_in(erp):
    assert erp(
        "SELECT source_id, name, is_active, currency, parent_source_id FROM erp_customer_records($n) ORDER BY source_id"
    ) == [
        (f"UK:{uid(10)}", "Acme Ltd", True, "EUR", None),  # its DefaultCurrency
        (f"UK:{uid(11)}", "Globex", False, None, None),  # invoiced in USD and GBP: no one currency
        (f"UK:{uid(13)}", "New Client", True, None, None),  # never invoiced, states none
    ]


def test_invoices_in_the_books_with_voids_at_zero_and_the_rate_turned_into_the_home_currency(erp):
    rows = erp(
        "SELECT source_id, psa_invoice_ref, issue_date, currency, total, amount_due, status, lines_total, "
        "discount_total, tax_total, exchange_rate FROM erp_invoice_records($n) ORDER BY source_id"
    )
    assert rows == [
        (
            f"UK:{uid(20)}",
            "20",
            date(2026, 10, 1),
            "USD",
            Decimal("1270.00"),
            Decimal("1270.00"),
            "open",
            Decimal("1058.33"),
            Decimal("0.00"),
            Decimal("211.67"),
            Decimal("0.787402"),
        ),
        (
            f"UK:{uid(21)}",
            "21",
            date(2026, 10, 1),
            "GBP",
            Decimal("0.00"),
            Decimal("0.00"),
            "voided",
            Decimal("0.00"),
            Decimal("0.00"),
            Decimal("0.00"),
            None,
        ),
        (
            f"UK:{uid(23)}",
            "23",
            date(2026, 10, 1),
            "EUR",
            Decimal("540.00"),
            Decimal("0.00"),
            "paid",
            Decimal("500.00"),
            Decimal("50.00"),
            Decimal("90.00"),
            None,
        ),
    ]


def test_receipts_are_invoice_payments_and_live_credit_allocations(erp):
    assert erp(
        "SELECT source_id, customer_source_id, payment_date, amount FROM erp_payment_records($n) ORDER BY source_id"
    ) == [
        (f"UK:{uid(30)}", f"UK:{uid(10)}", date(2026, 10, 10), Decimal("240.00")),
        (f"UK:{uid(31)}", f"UK:{uid(10)}", date(2026, 10, 11), Decimal("240.00")),
    ]
    assert erp(
        "SELECT source_id, invoice_source_id, credit_memo_source_id, applied_on, amount "
        "FROM erp_payment_application_records($n) ORDER BY source_id, applied_on"
    ) == [
        (f"UK:{uid(30)}", f"UK:{uid(23)}", None, date(2026, 10, 10), Decimal("240.00")),
        (f"UK:{uid(31)}", f"UK:{uid(23)}", None, date(2026, 10, 11), Decimal("240.00")),
        (f"UK:{uid(40)}", f"UK:{uid(23)}", f"UK:{uid(40)}", date(2026, 10, 16), Decimal("60.00")),
    ]
    assert erp("SELECT source_id, document_number, total, remaining FROM erp_credit_memo_records($n)") == [
        (f"UK:{uid(40)}", "CN-40", Decimal("60.00"), Decimal("0.00"))
    ]
