"""An ERP cutover on hand-made records the sandbox firm never renders (its one cutover goes from
QuickBooks to Xero): FR moves from Xero to QuickBooks on 2026-10-01, and each case is one way books
look across a cutover. The canonical invoice tables, the invoice match and the invoice codes run on
them; each case states the findings a controller would expect, worked from findings.md."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime

import duckdb
import pytest

from assets.canonical.build import build_table
from assets.reconciliation.findings import DETECTED_COLUMNS, FINDINGS, code_files, detect
from assets.reconciliation.invoice_match import build_invoice_match
from corrections.targets import erp_vendors_on
from resources.cutover import configured
from resources.migrations import migrate
from resources.settings.reconciliation import ReconciliationSettings
from sql import load, run_script
from sql.tables import BY_NAME

NIGHT = date(2026, 11, 20)
CUTOVER = "2026-10-01"
INVOICE_CODES = {f.code for f in code_files() if f.path.parent.name == "invoice_cash"} - {
    "AR_BALANCE_MISMATCH",
    "CERTIFIED_PERIOD_CHANGED",
}
CANONICAL = ("legal_entity", "invoice", "credit_memo", "payment", "payment_application")


def uid(n: int) -> str:
    return f"abcdef00-0000-4000-8000-{n:012d}"


def ms(y: int, m: int, d: int) -> str:
    return f"/Date({int(datetime(y, m, d, tzinfo=UTC).timestamp() * 1000)}+0000)/"


class Books:
    """One night's valid records and companies, in a private in-memory warehouse."""

    def __init__(self, cutover: str | None = CUTOVER, entity: str = "FR"):
        self.db, self.entity = duckdb.connect(), entity
        migrate(self.db)
        self.db.execute("CREATE SCHEMA IF NOT EXISTS canonical")
        for table in ("customer", "engagement"):  # no customers or projects: invoices stand on their own
            self.db.execute(
                f"CREATE TABLE canonical.{table} (snapshot_date DATE, system VARCHAR, source_id VARCHAR, "
                "global_id VARCHAR, customer_global_id VARCHAR, legal_entity VARCHAR)"
            )
        for table in ("harvest__invoices", "quickbooks__creditmemo", "xero__creditnotes"):
            run_script(self.db, load("raw/create_snapshot_tables.sql", raw_table=f"valid.{table}"))
        if cutover:  # without one, the entity keeps its books in QuickBooks alone
            self.company("xero", "Organisation", uid(1), "former", cutover)
        self.company("quickbooks", "CompanyInfo", "9001", "current" if cutover else None, cutover)
        self.put("quickbooks__companyinfo", "1", {"CompanyName": "FR SARL"})
        self.put("quickbooks__preferences", "1", {"CurrencyPrefs": {"HomeCurrency": {"value": "EUR"}}})
        self.put("xero__organisation", uid(1), {"Name": "FR SARL", "BaseCurrency": "EUR"})

    def company(self, system, obj, company_id, role, on) -> None:
        self.db.execute(
            "INSERT INTO raw.companies VALUES (?, ?, ?, ?, ?, ?, ?)",
            [NIGHT, system, obj, self.entity, company_id, role, on if role else None],
        )

    def put(self, table: str, record_id: str, payload: dict, entity: str | None = None) -> None:
        run_script(self.db, load("raw/create_snapshot_tables.sql", raw_table=f"valid.{table}"))
        self.db.execute(
            f"INSERT INTO valid.{table} VALUES (?, ?, ?, NULL, ?, 1, 'load', now())",
            [NIGHT, self.entity if entity is None else entity, record_id, json.dumps(payload)],
        )

    def psa(self, n: int, issued: str, total: float, due: float, state: str = "open") -> None:
        self.put(
            "harvest__invoices",
            str(n),
            {
                "id": n,
                "number": f"H-{n}",
                "issue_date": issued,
                "due_date": issued,
                "currency": "EUR",
                "amount": total,
                "due_amount": due,
                "state": state,
                "client": {"id": 1},
                "line_items": [{"amount": total}],
            },
            entity="",
        )

    def xero(self, n: int, number: str, on: tuple, total: float, due: float, reference: str, status="AUTHORISED"):
        self.put(
            "xero__invoices",
            uid(n),
            {
                "InvoiceID": uid(n),
                "Type": "ACCREC",
                "InvoiceNumber": number,
                "Reference": reference,
                "Contact": {"ContactID": uid(900)},
                "Date": ms(*on),
                "DueDate": ms(*on),
                "CurrencyCode": "EUR",
                "Status": status,
                "SubTotal": total,
                "TotalTax": 0,
                "Total": total,
                "AmountDue": due,
            },
        )

    def xero_payment(self, n: int, invoice: int, on: tuple, amount: float) -> None:
        self.put(
            "xero__payments",
            uid(n),
            {
                "PaymentID": uid(n),
                "Invoice": {"InvoiceID": uid(invoice), "Type": "ACCREC"},
                "Status": "AUTHORISED",
                "PaymentType": "ACCRECPAYMENT",
                "Date": ms(*on),
                "Amount": amount,
            },
        )

    def quickbooks(self, n: int, number: str, on: str, total: float, balance: float, note: str) -> None:
        self.put(
            "quickbooks__invoice",
            str(n),
            {
                "Id": str(n),
                "DocNumber": number,
                "TxnDate": on,
                "DueDate": on,
                "CurrencyRef": {"value": "EUR"},
                "TotalAmt": total,
                "Balance": balance,
                "PrivateNote": note,
                "CustomerRef": {"value": "5"},
                "Line": [{"DetailType": "SalesItemLineDetail", "Amount": total}],
            },
        )

    def quickbooks_payment(self, n: int, on: str, invoice: int, amount: float) -> None:
        self.put(
            "quickbooks__payment",
            str(n),
            {
                "Id": str(n),
                "TxnDate": on,
                "TotalAmt": amount,
                "CurrencyRef": {"value": "EUR"},
                "CustomerRef": {"value": "5"},
                "Line": [{"Amount": amount, "LinkedTxn": [{"TxnId": str(invoice), "TxnType": "Invoice"}]}],
            },
        )

    def findings(self) -> set[tuple[str, str]]:
        """(code, subject) of each invoice finding the night's records give."""
        for table in CANONICAL:
            build_table(self.db, BY_NAME[table], NIGHT, {})
        settings = ReconciliationSettings.load()
        build_invoice_match(self.db, NIGHT, settings)
        # the invoice codes' subjects (findings.prepare_detection defines every code's, over tables these
        # books do not have)
        run_script(self.db, load("reconciliation/findings/macros.sql"))
        subjects = load("reconciliation/findings/subjects.sql")
        self.db.execute(re.search(r"CREATE OR REPLACE TEMP MACRO psa_invoice_postings.*?;", subjects, re.S)[0])
        self.db.execute(
            f"CREATE TEMP TABLE detected AS SELECT category, {', '.join(DETECTED_COLUMNS)} FROM {FINDINGS} LIMIT 0"
        )
        for code_file in code_files():
            if code_file.code in INVOICE_CODES:
                detect(self.db, code_file, NIGHT, settings)
        return set(self.db.execute("SELECT code, subject_key FROM detected").fetchall())


def test_an_old_invoice_settled_on_its_opening_item_is_paid_whatever_the_old_erp_did_after():
    """Paid in QuickBooks on its opening item after the cutover; Xero's balance cleared by an entry of its
    own on 2 October (to a conversion account): one payment, reflected, nothing to report."""
    books = Books()
    books.psa(101, "2026-09-10", 1000, 0, "paid")
    books.xero(50, "H-101", (2026, 9, 10), 1000, 0, "harvest_invoice:101", status="PAID")
    books.xero_payment(60, 50, (2026, 10, 2), 1000)
    books.quickbooks(7001, "H-101", CUTOVER, 1000, 0, f"migrated:xero:{uid(50)}")
    books.quickbooks_payment(8001, "2026-10-15", 7001, 1000)
    assert books.findings() == set()


def test_an_opening_item_naming_its_old_invoice_in_capitals_carries_it_on():
    """Xero's ids are case-insensitive GUIDs: the opening item is found, so nothing is missing."""
    books = Books()
    books.psa(101, "2026-09-10", 1000, 1000)
    books.xero(50, "H-101", (2026, 9, 10), 1000, 1000, "harvest_invoice:101")
    books.quickbooks(7001, "H-101", CUTOVER, 1000, 1000, f"migrated:xero:{uid(50).upper()}")
    assert books.findings() == set()


def test_an_invoice_open_at_the_cutover_and_not_migrated_is_reported_with_what_was_open():
    """Half paid in Xero before the cutover, the rest open, and no opening item in QuickBooks."""
    books = Books()
    books.psa(101, "2026-09-10", 1000, 400)
    books.xero(50, "H-101", (2026, 9, 10), 1000, 400, "harvest_invoice:101")
    books.xero_payment(60, 50, (2026, 9, 20), 600)
    assert books.findings() == {("OPEN_ITEM_NOT_MIGRATED", f"FR:{uid(50)}")}
    (expected, actual, difference) = books.db.execute(
        "SELECT expected_value, actual_value, amount_difference FROM detected"
    ).fetchone()
    assert (expected, actual, float(difference)) == ("400.00", None, -400.0)


def test_a_split_whose_parts_fall_either_side_of_the_cutover_is_not_posted_twice():
    """Part 1 in Xero on 30 September, part 2 in QuickBooks on 1 October: together the invoice. Part 1,
    open at the cutover, was not migrated: that is the only finding."""
    books = Books()
    books.psa(103, "2026-09-30", 2000, 2000)
    books.xero(52, "H-103-1", (2026, 9, 30), 1000, 1000, "harvest_invoice:103")
    books.quickbooks(7003, "H-103-2", CUTOVER, 1000, 1000, "harvest_invoice:103")
    assert books.findings() == {("OPEN_ITEM_NOT_MIGRATED", f"FR:{uid(52)}")}


def test_an_invoice_posted_in_both_erps_is_reported_once_and_compared_in_its_own():
    """Issued before the cutover, posted in Xero and again in QuickBooks: one finding naming the
    QuickBooks posting; the amount, date and duplicate codes compare the Xero one, which agrees."""
    books = Books()
    books.psa(104, "2026-09-15", 800, 0, "paid")
    books.xero(53, "H-104", (2026, 9, 15), 800, 0, "harvest_invoice:104", status="PAID")
    books.xero_payment(61, 53, (2026, 9, 25), 800)
    books.quickbooks(7004, "H-104", "2026-10-05", 800, 800, "harvest_invoice:104")
    assert books.findings() == {("INVOICE_POSTED_IN_BOTH_ERPS", "104")}
    assert books.db.execute("SELECT erp_id FROM detected").fetchall() == [("FR:7004",)]


@pytest.mark.parametrize("note", ["migrated:sage:7 harvest_invoice:300", "migrated:xero:7 harvest_invoice:300"])
def test_a_migrated_note_means_nothing_without_a_cutover(note):
    """US-style books with no cutover: an old import's note does not make a posting an opening item
    (QuickBooks invoice 7, unrelated and paid, is not taken for the invoice it names)."""
    books = Books(cutover=None)
    books.psa(300, "2026-09-01", 800, 800)
    books.quickbooks(77, "H-300", "2026-09-01", 800, 800, note)
    books.psa(301, "2026-09-05", 500, 0, "paid")
    books.quickbooks(7, "H-301", "2026-09-05", 500, 0, "harvest_invoice:301")
    assert books.findings() == set()


def test_opening_items_keyed_in_before_the_cutover_date_change_nothing_yet():
    """The cutover is on 1 December, after the night: Xero keeps the books and the invoice was paid there."""
    books = Books(cutover="2026-12-01")
    books.psa(101, "2026-09-10", 1000, 0, "paid")
    books.xero(50, "H-101", (2026, 9, 10), 1000, 0, "harvest_invoice:101", status="PAID")
    books.xero_payment(60, 50, (2026, 11, 15), 1000)
    books.quickbooks(7001, "OB-1", "2026-12-01", 1000, 1000, f"migrated:xero:{uid(50)}")
    assert books.findings() == set()


def test_corrections_go_to_the_erp_that_kept_the_books_on_the_night():
    """A night's corrections are proposed to the ERP whose books that night reconciled, whatever the
    day they are planned on."""
    cutovers = configured('{"FR": {"from": "xero", "to": "quickbooks", "on": "2026-10-01"}}')
    realms, tenants = {"US": "9130", "FR": "9001"}, {"FR": uid(1)}
    assert erp_vendors_on(date(2026, 9, 30), realms, tenants, cutovers, ["DE"]) == {
        "US": "quickbooks",
        "FR": "xero",
        "DE": "ledger",
    }
    assert erp_vendors_on(date(2026, 10, 1), realms, tenants, cutovers, ["DE"])["FR"] == "quickbooks"
