"""Rows of the on-premises ledger (`sandbox/ledger_schema.sql`) for the legal entities whose ERP it is.

The firm's conventions in the ledger's columns: a customer keeps its parent (`parent_customer_id`) and
names its Harvest client (`external_ref` `harvest_client:<id>`); a posting is an invoice against the
customer (no project sub-customers: a project's invoices go to its customer) with the Harvest number
(`invoice_number`) and invoice (`reference` `harvest_invoice:<id>`), its lines, discount and VAT; cash is
a payment applied to the invoice, a credit memo is applied to it directly (an application with no
payment). A voided invoice keeps its amounts with status `voided` and nothing due (it counts zero); a draft
(status `draft`, never posted: it counts nothing) is due in full, nothing applied to it. Keys
are the entity's own numbers in its block (`model.ledger_id`), so a rebuild gives the same rows;
`modified_at` is derived from the documents' dates as the other ERPs' update times are (never the wall
clock). Values are Python's (int, str, date, datetime in UTC without tzinfo, Decimal, bool, None):
`sandbox/ledger.py` writes them to the database and the exported files.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from ..ledger import KEYS
from .clock import at
from .model import CENT, Customer, Firm, Line, Posting, Receipt, ledger_id
from .render import all_postings

ZERO = Decimal("0")
QUANTITY = Decimal("0.0001")
RATE = Decimal("0.000001")
ITEMS = {"Service": "Services", "Expense": "Reimbursable Expenses"}  # the items QuickBooks' lines name too

Row = dict[str, object]


def _utc(moment: datetime) -> datetime:
    """A TIMESTAMP value: UTC, naive (as the column holds it)."""
    return moment.astimezone(UTC).replace(tzinfo=None)


def company(entity, started: date) -> Row:
    return {
        "entity_code": entity.code,
        "name": entity.name,
        "home_currency": entity.currency,
        "modified_at": _utc(at(started, 480)),
    }


def customer(c: Customer) -> Row:
    assert c.qbo_id is not None  # rendered for the ERP's customers only
    parent = c.erp_parent
    return {
        "customer_id": ledger_id(c.entity.code, c.qbo_id),
        "entity_code": c.entity.code,
        "name": c.erp_name,
        "parent_customer_id": ledger_id(c.entity.code, parent.qbo_id) if parent and parent.qbo_id else None,
        "currency": c.entity.currency,
        "is_active": c.erp_active,
        "tax_id": c.tax_id or None,
        "website": c.website or None,
        "external_ref": f"harvest_client:{c.harvest_id}" if c.harvest_id and c.links_psa else None,
        "modified_at": _utc(at(c.since, 700)),
    }


def reference(post: Posting) -> str | None:
    """The Harvest invoice the posting carries (a void keeps it: its status says it is void)."""
    return post.private_note.removeprefix("Voided - ") if post.private_note else None


def invoice(post: Posting, customer_id: int, modified: datetime) -> Row:
    lines_total = post.subtotal
    total = lines_total - post.discount + post.tax
    applied = sum((r.amount for r in post.receipts), ZERO)
    due = ZERO if post.voided else total - applied
    status = "voided" if post.voided else "draft" if post.draft else "paid" if post.receipts and due == 0 else "open"
    return {
        "invoice_id": ledger_id(post.entity.code, post.qbo_id),
        "entity_code": post.entity.code,
        "customer_id": customer_id,
        "invoice_number": post.doc_number,
        "issue_date": post.txn_date,
        "due_date": post.txn_date + timedelta(days=30),
        "currency": post.currency,
        "lines_total": lines_total.quantize(CENT),
        "discount_total": post.discount.quantize(CENT),
        "tax_total": post.tax.quantize(CENT),
        "total": total.quantize(CENT),
        "amount_due": due.quantize(CENT),
        "status": status,
        "reference": reference(post),
        # home-currency units per document unit, as QuickBooks (and Xero, inverted) give the firm's: 1
        "exchange_rate": None if post.currency == post.entity.currency else Decimal(1).quantize(RATE),
        "modified_at": modified,
    }


def invoice_line(post: Posting, number: int, line: Line, created: datetime) -> Row:
    return {
        "invoice_id": ledger_id(post.entity.code, post.qbo_id),
        "line_number": number,
        "item": ITEMS.get(line.kind, ITEMS["Service"]),
        "description": line.description,
        "quantity": line.quantity.quantize(QUANTITY),
        "unit_price": line.unit_price.quantize(CENT),
        "amount": line.amount.quantize(CENT),
        "modified_at": created,
    }


def payment(post: Posting, customer_id: int, r: Receipt) -> Row:
    return {
        "payment_id": ledger_id(post.entity.code, r.payment_id),
        "entity_code": post.entity.code,
        "customer_id": customer_id,
        "payment_date": r.day,
        "currency": post.currency,
        "amount": r.amount.quantize(CENT),
        "modified_at": _utc(at(r.day, 905)),
    }


def credit_memo(post: Posting, customer_id: int, r: Receipt) -> Row:
    """A credit memo wholly applied to the invoice it credits: nothing remaining."""
    assert r.credit_memo_id is not None and r.credit_memo_number is not None  # Billing.credit gives both
    return {
        "credit_memo_id": ledger_id(post.entity.code, r.credit_memo_id),
        "entity_code": post.entity.code,
        "customer_id": customer_id,
        "credit_number": r.credit_memo_number,
        "issue_date": r.day,
        "currency": post.currency,
        "total": r.amount.quantize(CENT),
        "remaining": ZERO.quantize(CENT),
        "modified_at": _utc(at(r.day, 840)),
    }


def application(post: Posting, r: Receipt) -> Row:
    """Cash or a credit memo's credit applied to the invoice; keyed by the receipt's own number (every
    receipt draws one from the entity's payment sequence)."""
    cash = r.kind == "cash"
    return {
        "application_id": ledger_id(post.entity.code, r.payment_id),
        "payment_id": ledger_id(post.entity.code, r.payment_id) if cash else None,
        "credit_memo_id": None if cash else ledger_id(post.entity.code, r.credit_memo_id or 0),
        "invoice_id": ledger_id(post.entity.code, post.qbo_id),
        "applied_on": r.day,
        "amount": r.amount.quantize(CENT),
        "modified_at": _utc(at(r.day, 905 if cash else 840)),
    }


def ledger_rows(firm: Firm) -> dict[str, list[Row]]:
    """Every table's rows for the entities on the ledger, each table in key order (empty when none is)."""
    rows: dict[str, list[Row]] = defaultdict(list)
    on_ledger = [e for e in firm.entities if e.on_ledger]
    if not on_ledger:
        return rows
    owner: dict[tuple[str, str], Customer] = {}  # (entity code, QuickBooks-style id) -> the customer billed
    for c in firm.customers:
        if c.qbo_id and c.entity.on_ledger:
            owner[(c.entity.code, c.qbo_id)] = c
    for p in firm.projects:
        if p.qbo_id and p.customer.entity.on_ledger:
            owner[(p.customer.entity.code, p.qbo_id)] = p.customer
    started = firm.as_of - timedelta(days=1200)
    rows["ledger_companies"] = [company(e, started) for e in on_ledger]
    rows["ledger_customers"] = [customer(c) for c in firm.customers if c.qbo_id and c.entity.on_ledger]
    for post in (p for p in all_postings(firm) if p.erp == "ledger"):
        billed = owner[(post.entity.code, post.customer_qbo_id)]
        assert billed.qbo_id is not None  # owner holds the ledger's customers
        customer_id = ledger_id(post.entity.code, billed.qbo_id)
        created = at(post.txn_date, 560)
        modified = max([created, *(at(r.day, 905 if r.kind == "cash" else 840) for r in post.receipts)])
        rows["ledger_invoices"].append(invoice(post, customer_id, _utc(modified)))
        rows["ledger_invoice_lines"] += [
            invoice_line(post, k, line, _utc(created)) for k, line in enumerate(post.lines, start=1)
        ]
        for r in post.receipts:
            if r.kind == "cash":
                rows["ledger_payments"].append(payment(post, customer_id, r))
            else:
                rows["ledger_credit_memos"].append(credit_memo(post, customer_id, r))
            rows["ledger_payment_applications"].append(application(post, r))
    for table, key in KEYS.items():
        rows[table].sort(key=lambda row: tuple(row[k] for k in key))
    return rows
