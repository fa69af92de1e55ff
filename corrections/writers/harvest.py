"""Harvest: no idempotency of its own, so the drain reads every record before writing (and after);
one request per record (100 requests per 15 s). A field is PATCHed; an invoice's amount due is
corrected by recording a payment (Harvest derives `due_amount` and `state` from its payments)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from corrections.outbox import Correction
from corrections.writers import MISSING, Outcome, SyncLog, as_text, failed, grouped
from resources.http import ApiClient, SourceSystemError

AMOUNT_DUE = "due_amount"


class HarvestTarget:
    system = "harvest"

    def __init__(self, client: ApiClient, batch_size: int = 50):
        self.client, self.batch_size = client, batch_size

    def read(self, object_name: str, record_id: str) -> dict | None:
        try:
            return self.client.request_json("GET", f"/v2/{object_name}/{int(record_id)}", object_name=object_name)
        except SourceSystemError as exc:
            if exc.status == 404:
                return None
            raise

    def current(self, corrections: list[Correction]) -> dict[str, str | None]:
        values: dict[str, str | None] = {}
        for (object_name, record_id), group in grouped(corrections, lambda c: (c.target_object, c.record_id)).items():
            record = self.read(object_name, record_id)
            for c in group:
                values[c.correction_id] = MISSING if record is None else as_text(record.get(c.field))
        return values

    def write(self, corrections: list[Correction], log: SyncLog) -> list[Outcome]:
        return [self._send(c, log) for c in corrections]

    def _send(self, c: Correction, log: SyncLog) -> Outcome:
        if c.field == AMOUNT_DUE:
            method, url = "POST", f"/v2/invoices/{int(c.record_id)}/payments"
            amount = Decimal(c.value_before) - Decimal(c.value_after)
            body = {"amount": float(amount), "paid_date": date.today().isoformat(),
                    "notes": f"tieout correction {c.correction_id}: {c.rule}"}
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
