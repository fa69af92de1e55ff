"""Xero Accounting API 2.0 records of a legal entity whose ERP is Xero, as the API serialises them.

The firm's conventions in Xero's own fields: a customer is a Contact (`ContactNumber`
`harvest_client:<id>`); a posting is an ACCREC Invoice (`InvoiceNumber` the Harvest number, `Reference`
`harvest_invoice:<id>`); cash is a Payment; a credit memo is an ACCRECCREDIT CreditNote allocated to
the invoice. Xero has no customer hierarchy and no project sub-customers. Time lives in Xero Projects: a
project per PSA project (its name ends `[harvest_project:<id>]`, for the customer's contact), a task per
hourly rate, the entity's people as project users (matched by e-mail), a time entry per billable PSA entry
(`harvest_time_entry:<id>` in its description, INVOICED once billed). Ids are the entity's `erp_id`s: UUIDs
derived from the firm's own numbers, so a rebuild gives the same records.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sandbox.emulators.xero_documents import ms_date

from .clock import at
from .model import CENT, Customer, Entity, Person, Posting, Project, Receipt

ZERO = Decimal("0")
ACCOUNT_CODES = {"Service": "200", "Expense": "260"}  # Xero's default Sales and Other Revenue
BANK = {"Code": "090"}  # the business bank account of Xero's default chart
VERSIONS = {"US": "US", "UK": "UK", "DE": "GLOBAL"}


def num(value: Decimal) -> float:
    return float(value)


def _day(day: date) -> str:
    return ms_date(at(day, 0))


def organisation(entity: Entity, created: date) -> dict:
    assert entity.xero_tenant_id is not None  # rendered for Xero entities only
    return {
        "OrganisationID": entity.xero_tenant_id,
        "Name": entity.name,
        "LegalName": entity.name,
        "PaysTax": entity.vat > 0,
        "Version": VERSIONS.get(entity.code, "GLOBAL"),
        "OrganisationType": "COMPANY",
        "BaseCurrency": entity.currency,
        "CountryCode": entity.country,
        "IsDemoCompany": False,
        "OrganisationStatus": "ACTIVE",
        "FinancialYearEndDay": 31,
        "FinancialYearEndMonth": 12,
        "OrganisationEntityType": "COMPANY",
        "CreatedDateUTC": ms_date(at(created, 480)),
    }


def contact(c: Customer) -> dict:
    assert c.qbo_id is not None  # rendered for the ERP's customers only
    record = {
        "ContactID": c.entity.erp_id("Contact", c.qbo_id),
        "ContactStatus": "ACTIVE" if c.erp_active else "ARCHIVED",
        "Name": c.erp_name,
        "TaxNumber": c.tax_id,
        "IsSupplier": False,
        "IsCustomer": True,
        "DefaultCurrency": c.entity.currency,
        "UpdatedDateUTC": ms_date(at(c.since, 700)),
        "HasValidationErrors": False,
    }
    if c.harvest_id and c.links_psa:
        record["ContactNumber"] = f"harvest_client:{c.harvest_id}"
    if c.website:
        record["Website"] = c.website
    return record


def contact_ref(c: Customer) -> dict:
    assert c.qbo_id is not None  # invoices name the ERP's customers only
    return {"ContactID": c.entity.erp_id("Contact", c.qbo_id), "Name": c.erp_name}


def _shares(total: Decimal, weights: list[Decimal]) -> list[Decimal]:
    """`total` split in proportion to `weights`, the last taking the rest, so the parts add up to the cent."""
    whole = sum(weights, ZERO)
    parts = [(total * w / whole).quantize(CENT) if whole else ZERO for w in weights[:-1]]
    return [*parts, total - sum(parts, ZERO)]


def line_items(post: Posting) -> list[dict]:
    """The posting's lines with its discount and VAT spread over them (Xero keeps both per line)."""
    amounts = [line.amount for line in post.lines]
    discounts, taxes = _shares(post.discount, amounts), _shares(post.tax, amounts)
    items = []
    for k, (line, discount, tax) in enumerate(zip(post.lines, discounts, taxes, strict=True)):
        item = {
            "LineItemID": post.entity.erp_id("LineItem", f"{post.qbo_id}:{k}"),
            "Description": line.description,
            "Quantity": num(line.quantity),
            "UnitAmount": num(line.unit_price),
            "AccountCode": ACCOUNT_CODES.get(line.kind, "200"),
            "TaxAmount": num(tax),
            "LineAmount": num(line.amount - discount),
        }
        if discount:
            item["DiscountAmount"] = num(discount)
        items.append(item)
    return items


def reference(post: Posting) -> str | None:
    """The Harvest invoice the posting carries (a void keeps it: Xero's Status says it is void)."""
    return post.private_note.removeprefix("Voided - ") if post.private_note else None


def invoice(post: Posting, customer: Customer, updated: datetime) -> dict:
    entity = post.entity
    subtotal, tax = post.subtotal - post.discount, post.tax
    total = subtotal + tax
    paid = sum((r.amount for r in post.receipts if r.kind == "cash"), ZERO)
    credited = sum((r.amount for r in post.receipts if r.kind == "credit"), ZERO)
    due = ZERO if post.voided else total - paid - credited
    status = "VOIDED" if post.voided else "PAID" if post.receipts and due == 0 else "AUTHORISED"
    record: dict = {
        "Type": "ACCREC",
        "InvoiceID": entity.erp_id("Invoice", post.qbo_id),
        "InvoiceNumber": post.doc_number,
        "Contact": contact_ref(customer),
        "Date": _day(post.txn_date),
        "DueDate": _day(post.txn_date + timedelta(days=30)),
        "Status": status,
        "LineAmountTypes": "Exclusive",
        "LineItems": line_items(post),
        "SubTotal": num(subtotal),
        "TotalTax": num(tax),
        "Total": num(total),
        "AmountDue": num(due),
        "AmountPaid": num(paid),
        "AmountCredited": num(credited),
        "CurrencyCode": post.currency,
        "CurrencyRate": 1.0,
        "IsDiscounted": bool(post.discount),
        "HasAttachments": False,
        "HasErrors": False,
        "UpdatedDateUTC": ms_date(updated),
    }
    ref = reference(post)
    if ref:
        record["Reference"] = ref
    if post.discount:
        record["TotalDiscount"] = num(post.discount)
    if status == "PAID":
        record["FullyPaidOnDate"] = _day(max(r.day for r in post.receipts))
    cash = [r for r in post.receipts if r.kind == "cash"]
    if cash:
        record["Payments"] = [
            {"PaymentID": entity.erp_id("Payment", r.payment_id), "Date": _day(r.day), "Amount": num(r.amount)}
            for r in cash
        ]
    credits = [r for r in post.receipts if r.kind == "credit"]
    if credits:
        record["CreditNotes"] = [
            {
                "CreditNoteID": entity.erp_id("CreditNote", _memo_id(r)),
                "CreditNoteNumber": r.credit_memo_number,
                "AppliedAmount": num(r.amount),
                "Date": _day(r.day),
            }
            for r in credits
        ]
    return record


def _memo_id(r: Receipt) -> str:
    assert r.credit_memo_id is not None  # Billing.credit gives every credit receipt its memo
    return r.credit_memo_id


def _invoice_ref(post: Posting) -> dict:
    return {"InvoiceID": post.entity.erp_id("Invoice", post.qbo_id), "InvoiceNumber": post.doc_number}


def payment(post: Posting, customer: Customer, r: Receipt) -> dict:
    """A cash receipt on the invoice: Xero's Payment, in the invoice's currency."""
    entity = post.entity
    return {
        "PaymentID": entity.erp_id("Payment", r.payment_id),
        "Date": _day(r.day),
        "Amount": num(r.amount),
        "BankAmount": num(r.amount),
        "CurrencyRate": 1.0,
        "Reference": "Payment received",
        "IsReconciled": True,
        "Status": "AUTHORISED",
        "PaymentType": "ACCRECPAYMENT",
        "UpdatedDateUTC": ms_date(at(r.day, 905)),
        "HasAccount": True,
        "HasValidationErrors": False,
        "Account": {"AccountID": entity.erp_id("Account", BANK["Code"]), **BANK},
        "Invoice": {
            **_invoice_ref(post),
            "Type": "ACCREC",
            "Contact": contact_ref(customer),
            "CurrencyCode": post.currency,
        },
    }


def credit_note(post: Posting, customer: Customer, r: Receipt) -> dict:
    """A credit memo applied to the invoice: an ACCRECCREDIT note fully allocated to it (so PAID, with
    no credit remaining), one line of the credited amount as the QuickBooks memo has."""
    entity = post.entity
    return {
        "Type": "ACCRECCREDIT",
        "CreditNoteID": entity.erp_id("CreditNote", _memo_id(r)),
        "CreditNoteNumber": r.credit_memo_number,
        "Contact": contact_ref(customer),
        "Date": _day(r.day),
        "Status": "PAID",
        "LineAmountTypes": "Exclusive",
        "LineItems": [
            {
                "LineItemID": entity.erp_id("LineItem", f"credit:{_memo_id(r)}"),
                "Description": f"Credit against invoice {post.doc_number}",
                "Quantity": 1.0,
                "UnitAmount": num(r.amount),
                "AccountCode": ACCOUNT_CODES["Service"],
                "TaxAmount": 0.0,
                "LineAmount": num(r.amount),
            }
        ],
        "SubTotal": num(r.amount),
        "TotalTax": 0.0,
        "Total": num(r.amount),
        "RemainingCredit": 0.0,
        "CurrencyCode": post.currency,
        "CurrencyRate": 1.0,
        "FullyPaidOnDate": _day(r.day),
        "UpdatedDateUTC": ms_date(at(r.day, 840)),
        "Allocations": [
            {
                "AllocationID": entity.erp_id("Allocation", _memo_id(r)),
                "Invoice": _invoice_ref(post),
                "Amount": num(r.amount),
                "Date": _day(r.day),
            }
        ],
    }


# -- Xero Projects: an entity's projects, their tasks and time, its people as project users ---------------
def project(p: Project) -> dict:
    """A PSA project of a customer of the entity, as a Xero project for that customer's contact, named for
    the Harvest project (`[harvest_project:<id>]`)."""
    c, entity = p.customer, p.customer.entity
    assert p.qbo_id is not None and c.qbo_id is not None  # rendered for the ERP's projects only
    return {
        "projectId": entity.erp_id("Project", p.qbo_id),
        "contactId": entity.erp_id("Contact", c.qbo_id),
        "name": f"{p.name} [harvest_project:{p.harvest_id}]",
        "currencyCode": entity.currency,
        "status": "INPROGRESS" if p.is_active else "CLOSED",
    }


def task(p: Project, rate: Decimal) -> dict:
    """The project's task charged by the hour at `rate` (Xero keeps a time entry's rate on its task)."""
    entity = p.customer.entity
    assert p.qbo_id is not None  # rendered for the ERP's projects only
    return {
        "taskId": entity.erp_id("Task", f"{p.qbo_id}:{rate}"),
        "name": f"Consulting at {rate:.2f}",
        "rate": {"currency": entity.currency, "value": num(rate)},
        "chargeType": "TIME",
        "projectId": entity.erp_id("Project", p.qbo_id),
        "status": "ACTIVE",
    }


def project_user(person: Person) -> dict:
    assert person.qbo_id is not None  # build_people numbers everyone as the ERP does
    return {"userId": person.entity.erp_id("User", person.qbo_id), "name": person.name, "email": person.erp_email}


def time_entry(
    p: Project,
    own: str,
    person: Person,
    day: date,
    hours: Decimal,
    rate: Decimal,
    billed: bool,
    description: str,
    entered: datetime,
) -> dict:
    """Time logged on the project's task at `rate`: INVOICED once billed, ACTIVE (unbilled) before."""
    entity, charged = p.customer.entity, task(p, rate)
    assert person.qbo_id is not None
    return {
        "timeEntryId": entity.erp_id("TimeEntry", own),
        "userId": entity.erp_id("User", person.qbo_id),
        "projectId": charged["projectId"],
        "taskId": charged["taskId"],
        "dateUtc": f"{day.isoformat()}T00:00:00Z",
        "dateEnteredUtc": entered.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "duration": int(hours * 60),
        "description": description,
        "status": "INVOICED" if billed else "ACTIVE",
    }
