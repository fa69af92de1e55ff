"""HubSpot (a business unit's CRM): companies are read by batch read (100 ids a call) and a company's
parent by its v4 associations; a correction PATCHes the company's properties, one record a request.
HubSpot refuses a whole PATCH that names a property it does not know or may not be written, so a
record a request gives each correction its own verdict (a batch update would save calls, at 100
records a call, but fails or succeeds per batch). Setting a property to the value it has changes
nothing: a request may be resent after a timeout or a 5xx. HubSpot sends every value as a string."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from corrections.outbox import Correction
from corrections.writers import Outcome, SyncLog, current_fields, failed, grouped
from resources.http import ApiClient, SourceSystemError

HUBSPOT_PREFIX = "hubspot:"  # a HubSpot record's id in the canonical model and in findings
V3, V4 = "/crm/v3/objects", "/crm/v4/objects"
BATCH_READ = 100
CHILD_TO_PARENT = 14  # HubSpot's association type from a child company to its parent
NUMBER_PROPERTIES = frozenset({"open_ar"})  # compared as money, whatever string HubSpot sends


def number_or_text(value):
    """A HubSpot number property's string as a Decimal (text that is not a number stays text)."""
    try:
        return None if value in (None, "") else Decimal(str(value))
    except InvalidOperation:
        return value


def property_value(record: dict, name: str):
    """A company's property as compared with a correction's value: numbers as money, empty as none."""
    value = record.get(name)
    typed = number_or_text(value) if name in NUMBER_PROPERTIES else value
    return None if typed == "" else typed


class HubSpotTarget:
    system = "hubspot"

    def __init__(self, client: ApiClient | None, batch_size: int = BATCH_READ):
        self.client = client  # None: the firm has no HubSpot portal, and no finding names a HubSpot record
        self.batch_size = min(batch_size, BATCH_READ)  # corrections a drain round reads back in one batch read

    def _client(self) -> ApiClient:
        if self.client is None:
            raise SourceSystemError(self.system, "companies", None, None, "no HubSpot portal is configured")
        return self.client

    def read(self, object_name: str, ids: list[str], properties: list[str]) -> dict[str, dict]:
        """The records' properties by id (those that exist: HubSpot lists the others under `errors`)."""
        found: dict[str, dict] = {}
        wanted = sorted({i for i in ids if i.isdigit()})
        for start in range(0, len(wanted), BATCH_READ):
            body = self._client().request_json(
                "POST",
                f"{V3}/{object_name}/batch/read",
                object_name=object_name,
                json_body={"inputs": [{"id": i} for i in wanted[start : start + BATCH_READ]], "properties": properties},
            )
            found.update({str(r["id"]): r.get("properties") or {} for r in body.get("results") or []})
        return found

    def parent_company(self, company_id: str) -> str | None:
        """The company's parent company id, by its child-to-parent association (None at the top)."""
        body = self._client().request_json(
            "GET", f"{V4}/companies/{company_id}/associations/companies", object_name="companies"
        )
        return next(
            (
                str(r["toObjectId"])
                for r in body.get("results") or []
                if any(t.get("typeId") == CHILD_TO_PARENT for t in r.get("associationTypes") or [])
            ),
            None,
        )

    def current(self, corrections: list[Correction]) -> dict[str, str | None]:
        return current_fields(self.read, corrections, property_value)

    def write(self, corrections: list[Correction], log: SyncLog) -> list[Outcome]:
        outcomes: list[Outcome] = []
        for (object_name, record_id), group in grouped(corrections, lambda c: (c.target_object, c.record_id)).items():
            url = f"{V3}/{object_name}/{record_id}"
            body = {"properties": {c.field: c.value_after for c in group}}
            try:
                answer = self._client().request_json("PATCH", url, object_name=object_name, json_body=body)
            except SourceSystemError as exc:
                log.add(group, self.system, "PATCH", url, body, exc.status, None, str(exc))
                outcomes += failed(group, exc)
                continue
            log.add(group, self.system, "PATCH", url, body, 200, answer, None)
            outcomes += [Outcome(c.correction_id, True) for c in group]
        return outcomes
