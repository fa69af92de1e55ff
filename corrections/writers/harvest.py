"""Harvest: no idempotency of its own, so the drain reads every record before writing (and after);
one request per record (100 requests per 15 s). A field is PATCHed; an ERP cash payment Harvest
lacks is recorded as one Harvest payment on the invoice, dated and tagged from the ERP payment (the
tag is how a later read finds it, so a payment is never recorded twice)."""

from __future__ import annotations

import re
from decimal import Decimal

from corrections.outbox import Correction
from corrections.writers import MISSING, Outcome, SyncLog, as_text, failed, grouped
from resources.http import ApiClient, SourceSystemError

PAID_AT_NOON = "T12:00:00Z"  # the ERP payment's day at noon UTC: the same date in the account's time zone
PAYMENT = "payment:"  # field of a payment correction: `payment:<ERP payment id>`, e.g. `payment:US:204`


def payment_field(erp_payment_id: str) -> str:
    return f"{PAYMENT}{erp_payment_id}"


def payment_text(amount, paid_date: str) -> str:
    """A Harvest payment as the outbox shows it: `11505.73 paid 2026-11-11`."""
    return f"{as_text(Decimal(str(amount)))} paid {paid_date}"


def payment_tag(erp_payment_id: str, vendor: str = "quickbooks") -> str:
    """`quickbooks_payment:US:204`, `xero_payment:UK:<PaymentID>`, `ledger_payment:DE:30000152`: the ERP
    that holds the payment."""
    return f"{vendor}_payment:{erp_payment_id}"


class HarvestTarget:
    system = "harvest"

    def __init__(self, client: ApiClient, batch_size: int = 50, erp_vendors: dict[str, str] | None = None):
        self.client, self.batch_size = client, batch_size
        self.erp_vendors = erp_vendors or {}  # legal entity code -> its ERP (QuickBooks where not named)

    def tag(self, c: Correction) -> str:
        """The tag of a payment correction's ERP payment, naming the ERP of its legal entity."""
        erp_payment_id = c.field.removeprefix(PAYMENT)
        return payment_tag(erp_payment_id, self.erp_vendors.get(erp_payment_id.partition(":")[0], "quickbooks"))

    def read(self, object_name: str, record_id: str) -> dict | None:
        try:
            return self.client.request_json("GET", f"/v2/{object_name}/{int(record_id)}", object_name=object_name)
        except SourceSystemError as exc:
            if exc.status == 404:
                return None
            raise

    def payments(self, invoice_id: str) -> list[dict] | None:
        """The invoice's recorded payments (None if the invoice is gone)."""
        try:
            body = self.client.request_json(
                "GET",
                f"/v2/invoices/{int(invoice_id)}/payments",
                object_name="invoice_payments",
                params={"per_page": 2000},
            )
        except SourceSystemError as exc:
            if exc.status == 404:
                return None
            raise
        return body.get("invoice_payments", [])

    def current(self, corrections: list[Correction]) -> dict[str, str | None]:
        values: dict[str, str | None] = {}
        for (object_name, record_id), group in grouped(corrections, lambda c: (c.target_object, c.record_id)).items():
            if any(c.field.startswith(PAYMENT) for c in group):
                payments = self.payments(record_id)
                for c in group:
                    values[c.correction_id] = MISSING if payments is None else recorded(payments, c, self.tag(c))
                continue
            record = self.read(object_name, record_id)
            for c in group:
                values[c.correction_id] = MISSING if record is None else as_text(record.get(c.field))
        return values

    def write(self, corrections: list[Correction], log: SyncLog) -> list[Outcome]:
        return [self._send(c, log) for c in corrections]

    def _send(self, c: Correction, log: SyncLog) -> Outcome:
        if c.field.startswith(PAYMENT):
            amount, _, paid_date = (c.value_after or "").partition(" paid ")
            method, url = "POST", f"/v2/invoices/{int(c.record_id)}/payments"
            body = {
                "amount": float(amount),
                "paid_at": f"{paid_date}{PAID_AT_NOON}",
                "notes": f"{self.tag(c)} (tieout correction {c.correction_id})",
            }
        else:
            method, url = "PATCH", f"/v2/{c.target_object}/{int(c.record_id)}"
            body = {c.field: c.value_after}
        try:
            response = self.client.request_json(method, url, object_name=c.target_object, json_body=body)
        except SourceSystemError as exc:
            log.add([c], self.system, method, url, body, exc.status, None, str(exc))
            return failed([c], exc)[0]
        log.add([c], self.system, method, url, body, 201 if method == "POST" else 200, response)
        return Outcome(c.correction_id, True)


def recorded(payments: list[dict], c: Correction, tag: str) -> str | None:
    """The Harvest payment recording the correction's ERP payment, as text (None while there is none):
    one tieout tagged, or one the firm's own sync recorded with the same amount and date."""
    shown = [payment_text(p.get("amount") or 0, p.get("paid_date") or "") for p in payments]
    tagged = re.compile(rf"(?<![\w:-]){re.escape(tag)}(?![\w:-])")  # `...:DE:3000015` is not `...:DE:30000152`
    for payment, text in zip(payments, shown):
        if tagged.search(payment.get("notes") or ""):
            return text
    return c.value_after if c.value_after in shown else None
