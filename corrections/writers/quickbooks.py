"""QuickBooks Online: reads by query `Id in (...)` per company, writes as sparse updates in batch
requests of 30 with a `requestid` derived from their content (QBO replays a repeated requestid
instead of applying it twice). A stale SyncToken (fault 5010) is re-read and retried once, unless the
re-read shows someone else changed the field."""

from __future__ import annotations

from corrections.outbox import Correction, content_key
from corrections.writers import MISSING, Outcome, SyncLog, as_text, failed, grouped
from resources.http import ApiClient, SourceSystemError

BATCH_LIMIT = 30
NAME_LISTS = {"Customer", "Employee", "Item"}  # queries hide inactive ones unless asked
STALE = "5010"
REFERENCES = {"ParentRef", "CustomerRef", "CurrencyRef"}  # fields written and compared as {"value": id}


def field_value(record: dict, field: str):
    value = record.get(field)
    return value.get("value") if field in REFERENCES and isinstance(value, dict) else value


def field_body(field: str, text: str | None) -> dict:
    """The sparse-update keys that set `field`; a parent also makes the customer a sub-customer."""
    if field == "ParentRef":
        return {"ParentRef": {"value": text}, "Job": True} if text else {"Job": False}
    return {field: {"value": text} if field in REFERENCES else text}


class QuickBooksTarget:
    system = "quickbooks"

    def __init__(
        self, client: ApiClient, realms: dict[str, str], minor_version: int = 75, batch_size: int = BATCH_LIMIT
    ):
        self.client, self.realms, self.minor_version = client, realms, minor_version
        self.batch_size = min(batch_size, BATCH_LIMIT)
        self._seen: dict[tuple[str, str, str], dict] = {}  # (entity code, object, id) -> last record read

    def query(self, entity: str, query: str) -> list[dict]:
        realm = self.realms[entity]
        object_name = query.split()[3]
        body = self.client.request_json(
            "GET",
            f"/v3/company/{realm}/query",
            object_name=f"{object_name} ({entity})",
            params={"query": query, "minorversion": self.minor_version},
        )
        return body["QueryResponse"].get(object_name, [])

    def read(self, entity: str, object_name: str, ids: list[str]) -> dict[str, dict]:
        """The records by Id in the legal entity's company (inactive ones too)."""
        found: dict[str, dict] = {}
        wanted = sorted({i for i in ids if i.isdigit()})
        active = " and Active in (true, false)" if object_name in NAME_LISTS else ""
        for start in range(0, len(wanted), 500):
            listed = ", ".join(f"'{i}'" for i in wanted[start : start + 500])
            records = self.query(entity, f"select * from {object_name} where Id in ({listed}){active} maxresults 1000")
            found.update({r["Id"]: r for r in records})
        for record_id, record in found.items():
            self._seen[(entity, object_name, record_id)] = record
        return found

    def current(self, corrections: list[Correction]) -> dict[str, str | None]:
        values: dict[str, str | None] = {}
        for (entity, object_name), group in grouped(corrections, lambda c: (c.legal_entity, c.target_object)).items():
            records = self.read(entity, object_name, [c.record_id for c in group])
            for c in group:
                record = records.get(c.record_id)
                values[c.correction_id] = MISSING if record is None else as_text(field_value(record, c.field))
        return values

    def write(self, corrections: list[Correction], log: SyncLog) -> list[Outcome]:
        outcomes: list[Outcome] = []
        for entity, group in grouped(corrections, lambda c: c.legal_entity).items():
            records = list(grouped(group, lambda c: (c.target_object, c.record_id)).values())
            for start in range(0, len(records), BATCH_LIMIT):
                outcomes += self._send_with_retry(entity, records[start : start + BATCH_LIMIT], log)
        return outcomes

    def _send_with_retry(self, entity: str, records: list[list[Correction]], log: SyncLog) -> list[Outcome]:
        outcomes, stale = self._send(entity, records, log)
        if not stale:
            return outcomes
        fresh = {
            (obj, record_id): record
            for obj, groups in grouped(stale, lambda cs: cs[0].target_object).items()
            for record_id, record in self.read(entity, obj, [cs[0].record_id for cs in groups]).items()
        }
        unchanged = [
            cs
            for cs in stale
            if all(
                (c.target_object, c.record_id) in fresh
                and as_text(field_value(fresh[(c.target_object, c.record_id)], c.field)) == c.value_before
                for c in cs
            )
        ]
        outcomes += [
            Outcome(c.correction_id, False, "changed in QuickBooks meanwhile (stale SyncToken)", superseded=True)
            for cs in stale
            if cs not in unchanged
            for c in cs
        ]
        if unchanged:
            retried, still_stale = self._send(entity, unchanged, log)
            outcomes += retried + [
                Outcome(c.correction_id, False, "stale SyncToken twice") for cs in still_stale for c in cs
            ]
        return outcomes

    def _send(self, entity: str, records: list[list[Correction]], log: SyncLog):
        """One batch request; the outcomes, and the records refused for a stale SyncToken."""
        items = []
        for group in records:
            first = group[0]
            seen = self._seen[(entity, first.target_object, first.record_id)]
            changes = {k: v for c in group for k, v in field_body(c.field, c.value_after).items()}
            items.append(
                {
                    "bId": f"{first.target_object}:{first.record_id}",
                    "operation": "update",
                    first.target_object: {
                        "Id": first.record_id,
                        "SyncToken": seen["SyncToken"],
                        "sparse": True,
                        **changes,
                    },
                }
            )
        realm = self.realms[entity]
        url = f"/v3/company/{realm}/batch"
        body = {"BatchItemRequest": items}
        request_id = content_key(realm, *(repr(item) for item in items))
        try:
            response = self.client.request_json(
                "POST",
                url,
                object_name=f"batch ({entity})",
                json_body=body,
                params={"requestid": request_id, "minorversion": self.minor_version},
                idempotent=True,  # the same requestid: QBO replays its first answer instead of applying it again
            )
        except SourceSystemError as exc:
            group = [c for cs in records for c in cs]
            log.add(group, self.system, "POST", url, body, exc.status, None, str(exc))
            return failed(group, exc), []
        answers = {a.get("bId"): a for a in response.get("BatchItemResponse", [])}
        outcomes, stale = [], []
        for group, item in zip(records, items):
            answer = answers.get(item["bId"], {})
            errors = (answer.get("Fault") or {}).get("Error") or []
            error = "; ".join(f"{e.get('code')}: {e.get('Detail') or e.get('Message')}" for e in errors) or (
                None if group[0].target_object in answer else "no answer for this item"
            )
            log.add(group, self.system, "POST", f"{url}?requestid={request_id}", item, 200, answer, error)
            if any(e.get("code") == STALE for e in errors):
                stale.append(group)
            else:
                outcomes += [Outcome(c.correction_id, error is None, error) for c in group]
        return outcomes, stale
