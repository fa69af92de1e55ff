"""Xero: one organisation (tenant) per legal entity, each with its own client (the `Xero-tenant-id`
header, its own 60-a-minute limit). Reads list a collection by `IDs=` (contacts with `includeArchived`,
or Xero would hide an archived one), page by page; writes POST the changed fields by id, up to
`batch_size` records a request per tenant. A POST by id sets the fields it names, so sending the same
value twice changes nothing: the request may be resent after a timeout or a 5xx.

Xero saves a batch whole or not at all: one element it refuses (a 400 ValidationException) fails the
request. Such a batch is sent again one record a request, so that each correction gets its own
verdict: the refused one fails for good with Xero's message, the others are written."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from corrections.outbox import Correction
from corrections.writers import MISSING, Outcome, SyncLog, as_text, failed, grouped
from resources.extraction import MS_DATE
from resources.http import ApiClient, SourceSystemError

API = "/api.xro/2.0"
# Xero's guidance is to keep a batch of records to 50 a request (larger ones risk its timeout)
BATCH_LIMIT = 50
PAGE_SIZE = 100  # Xero's page; a shorter one is the last
IDS = {"Contacts": "ContactID", "Invoices": "InvoiceID", "CreditNotes": "CreditNoteID", "Payments": "PaymentID"}
WITH_ARCHIVED = {"Contacts"}  # lists that leave archived records out unless asked
UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
INVALID = 400  # a ValidationException: Xero refused an element of the request


def is_xero_id(text: str | None) -> bool:
    return bool(text and UUID.match(text))


def xero_day(text: str | None) -> str | None:
    """A Xero date (`/Date(1788134400000+0000)/`, or ISO text) as YYYY-MM-DD, in UTC."""
    if not text:
        return None
    found = re.match(MS_DATE, text)
    if found:
        return datetime.fromtimestamp(int(found.group(1)) / 1000, UTC).date().isoformat()
    return text[:10]


class XeroTarget:
    system = "xero"

    def __init__(self, clients: dict[str, ApiClient], batch_size: int = BATCH_LIMIT):
        self.clients = clients  # legal entity code -> its tenant's client
        self.batch_size = min(batch_size, BATCH_LIMIT)

    def query(self, entity: str, collection: str, **filters: str) -> list[dict]:
        """Every record of the collection that the list filters (`IDs`, `ContactIDs`, `InvoiceNumbers`,
        `Statuses`, `where`, ...) select in the legal entity's organisation, page by page."""
        params = {**filters, **({"includeArchived": "true"} if collection in WITH_ARCHIVED else {})}
        found: list[dict] = []
        page = 1
        while True:
            body = self.clients[entity].request_json(
                "GET",
                f"{API}/{collection}",
                object_name=f"{collection} ({entity})",
                page=page,
                params={**params, "page": page},
            )
            records = body.get(collection) or []
            found += records
            if len(records) < PAGE_SIZE:
                return found
            page += 1

    def read(self, entity: str, collection: str, ids: list[str]) -> dict[str, dict]:
        """The records by id (lower-case, as Xero writes them) in the legal entity's organisation."""
        wanted = sorted({i.lower() for i in ids if is_xero_id(i)})
        found: dict[str, dict] = {}
        for start in range(0, len(wanted), PAGE_SIZE):
            records = self.query(entity, collection, IDs=",".join(wanted[start : start + PAGE_SIZE]))
            found.update({str(r[IDS[collection]]).lower(): r for r in records})
        return found

    def organisation(self, entity: str) -> dict:
        body = self.clients[entity].request_json("GET", f"{API}/Organisation", object_name=f"Organisation ({entity})")
        return next(iter(body.get("Organisations") or []), {})

    def current(self, corrections: list[Correction]) -> dict[str, str | None]:
        values: dict[str, str | None] = {}
        for (entity, collection), group in grouped(corrections, lambda c: (c.legal_entity, c.target_object)).items():
            records = self.read(entity, collection, [c.record_id for c in group])
            for c in group:
                record = records.get(c.record_id.lower())
                values[c.correction_id] = MISSING if record is None else as_text(record.get(c.field))
        return values

    def write(self, corrections: list[Correction], log: SyncLog) -> list[Outcome]:
        outcomes: list[Outcome] = []
        for (entity, collection), group in grouped(corrections, lambda c: (c.legal_entity, c.target_object)).items():
            records = list(grouped(group, lambda c: c.record_id).values())
            for start in range(0, len(records), self.batch_size):
                batch = records[start : start + self.batch_size]
                outcomes += self._send(entity, collection, batch, log, alone=len(batch) == 1)
        return outcomes

    def _send(
        self, entity: str, collection: str, records: list[list[Correction]], log: SyncLog, alone: bool
    ) -> list[Outcome]:
        """One POST of the records' changed fields; a batch Xero refuses for one element's sake is
        sent again one record a request."""
        url = f"{API}/{collection}"
        elements = [{IDS[collection]: cs[0].record_id, **{c.field: c.value_after for c in cs}} for cs in records]
        body = {collection: elements}
        corrections = [c for cs in records for c in cs]
        try:
            response = self.clients[entity].request_json(
                "POST",
                url,
                object_name=f"{collection} ({entity})",
                json_body=body,
                idempotent=True,  # an update by id to a given value: applying it twice changes nothing
            )
        except SourceSystemError as exc:
            if exc.status == INVALID and not alone:
                log.add(corrections, self.system, "POST", url, body, exc.status, None, f"{exc} (sent again one by one)")
                return [o for cs in records for o in self._send(entity, collection, [cs], log, alone=True)]
            log.add(corrections, self.system, "POST", url, body, exc.status, None, str(exc))
            return failed(corrections, exc)
        saved = {str(r.get(IDS[collection], "")).lower(): r for r in (response or {}).get(collection) or []}
        outcomes = []
        for cs, element in zip(records, elements):
            answer = saved.get(cs[0].record_id.lower())
            error = None if answer is not None else "Xero's answer does not list this record"
            log.add(cs, self.system, "POST", url, element, 200, answer, error)
            outcomes += [Outcome(c.correction_id, error is None, error) for c in cs]
        return outcomes
