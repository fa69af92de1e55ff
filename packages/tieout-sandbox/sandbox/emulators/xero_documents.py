"""Xero's records as the Accounting API serialises them, and what Xero computes on them rather than
accepts: `/Date(ms+0000)/` dates, line amounts and document totals, and the effect of a payment on the
invoice it pays. Pure functions of records, shared by the emulator and whoever stores Xero records
(test fixtures, the sandbox firm) through `put_records`.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sandbox.emulators.xero_where import parse_ms_date
from sandbox.store import SandboxStore

SYSTEM = "xero"
IDS = {
    "Contacts": "ContactID",
    "Invoices": "InvoiceID",
    "Payments": "PaymentID",
    "CreditNotes": "CreditNoteID",
    "Organisation": "OrganisationID",
}


def ms_date(moment: datetime) -> str:
    """A moment as Xero serialises it: `/Date(1767225600000+0000)/`."""
    return f"/Date({round(moment.timestamp() * 1000)}+0000)/"


def store_stamp(record: dict) -> str:
    """The store's `updated_at` of a record: its UpdatedDateUTC (an organisation has only its
    CreatedDateUTC) in one sortable ISO format."""
    return parse_ms_date(record.get("UpdatedDateUTC") or record["CreatedDateUTC"]).isoformat(timespec="milliseconds")


def put_records(store: SandboxStore, tenant: str, collection: str, records: list[dict]) -> None:
    """Records in Xero's shape, stored as the emulator serves them (fixtures and the sandbox firm)."""
    store.put_many(SYSTEM, tenant, collection, [(r[IDS[collection]], r, store_stamp(r)) for r in records])


def when(value: object) -> datetime:
    """A date a client sent: `/Date(ms[+hhmm])/` (the SDK) or ISO 8601, naive meaning UTC."""
    text = str(value)
    moment = parse_ms_date(text) if text.startswith("/Date(") else datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def with_totals(record: dict) -> None:
    """Line amounts and the document's totals, as Xero computes them rather than accepts them."""
    lines = []
    for line in record.get("LineItems") or []:
        quantity, unit = float(line.get("Quantity", 1)), float(line.get("UnitAmount", 0))
        discount = float(line.get("DiscountRate") or 0)
        lines.append(
            {
                **line,
                "LineItemID": line.get("LineItemID") or str(uuid.uuid4()),
                "Quantity": quantity,
                "UnitAmount": unit,
                "TaxAmount": float(line.get("TaxAmount") or 0),
                "LineAmount": round(quantity * unit * (1 - discount / 100), 2),
            }
        )
    tax = round(sum(line["TaxAmount"] for line in lines), 2)
    gross = round(sum(line["LineAmount"] for line in lines), 2)
    subtotal = round(gross - tax, 2) if record["LineAmountTypes"] == "Inclusive" else gross
    total = round(subtotal + tax, 2)
    due = round(total - record["AmountPaid"] - record["AmountCredited"], 2)
    record.update(LineItems=lines, SubTotal=subtotal, TotalTax=tax, Total=total)
    record["AmountDue"] = 0.0 if record["Status"] in ("VOIDED", "DELETED") else due


def payment_of(invoice: dict, element: dict, account: dict, amount: float, now: str) -> dict:
    """The Payment record Xero keeps for a payment of `amount` against `invoice`."""
    return {
        "PaymentID": str(uuid.uuid4()),
        "Date": ms_date(when(element["Date"])) if element.get("Date") else now,
        "Amount": amount,
        "BankAmount": amount,
        "Reference": str(element.get("Reference") or ""),
        "CurrencyRate": float(element.get("CurrencyRate") or 1.0),
        "IsReconciled": False,
        "Status": "AUTHORISED",
        "PaymentType": "ACCRECPAYMENT" if invoice["Type"] == "ACCREC" else "ACCPAYPAYMENT",
        "UpdatedDateUTC": now,
        "HasAccount": True,
        "HasValidationErrors": False,
        "Account": account,
        "Invoice": {k: invoice[k] for k in ("InvoiceID", "InvoiceNumber", "Type", "Contact", "CurrencyCode")},
    }


def paid(invoice: dict, payment: dict) -> dict:
    """The invoice once `payment` is applied: less due, PAID (on the payment's date) when nothing is."""
    due = round(invoice["AmountDue"] - payment["Amount"], 2)
    settled = {"Status": "PAID", "FullyPaidOnDate": payment["Date"]} if due == 0 else {}
    applied = {"PaymentID": payment["PaymentID"], "Date": payment["Date"], "Amount": payment["Amount"]}
    return {
        **invoice,
        "AmountPaid": round(invoice["AmountPaid"] + payment["Amount"], 2),
        "AmountDue": due,
        "Payments": [*invoice.get("Payments", []), applied],
        "UpdatedDateUTC": payment["UpdatedDateUTC"],
        **settled,
    }
