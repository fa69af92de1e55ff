"""Salesforce: reads by SOQL `Id IN (...)`, writes through sObject Collections (200 records a call,
allOrNone false, one result per record). Every correction updates a record that exists, by its Id:
an upsert by external id could create an account if a person changed the key meanwhile."""

from __future__ import annotations

from corrections.outbox import Correction
from corrections.writers import Outcome, SyncLog, current_fields, failed, grouped
from resources.http import ApiClient, SourceSystemError

MAX_COLLECTION = 200


class SalesforceTarget:
    system = "salesforce"

    def __init__(self, client: ApiClient, api_version: str, number_fields: set[str], batch_size: int = MAX_COLLECTION):
        self.client, self.api_version, self.number_fields = client, api_version, number_fields
        self.batch_size = min(batch_size, MAX_COLLECTION)

    def read(self, object_name: str, ids: list[str], fields: list[str]) -> dict[str, dict]:
        """The records by Id (those that exist), with `fields`."""
        found: dict[str, dict] = {}
        wanted = sorted(set(ids))
        for start in range(0, len(wanted), MAX_COLLECTION):
            chunk = ", ".join(f"'{i}'" for i in wanted[start : start + MAX_COLLECTION] if i.isalnum())
            soql = f"SELECT {', '.join(dict.fromkeys(['Id', *fields]))} FROM {object_name} WHERE Id IN ({chunk})"
            body = self.client.request_json(
                "GET", f"/services/data/{self.api_version}/query", object_name=object_name, params={"q": soql}
            )
            found.update({r["Id"]: r for r in body["records"]})
        return found

    def current(self, corrections: list[Correction]) -> dict[str, str | None]:
        return current_fields(self.read, corrections)

    def write(self, corrections: list[Correction], log: SyncLog) -> list[Outcome]:
        by_record = grouped(corrections, lambda c: (c.target_object, c.record_id))
        items = [
            (
                {
                    "attributes": {"type": obj},
                    "Id": record_id,
                    **{c.field: self._typed(c.field, c.value_after) for c in group},
                },
                group,
            )
            for (obj, record_id), group in by_record.items()
        ]
        outcomes: list[Outcome] = []
        for start in range(0, len(items), MAX_COLLECTION):
            outcomes += self._send(items[start : start + MAX_COLLECTION], log)
        return outcomes

    def _send(self, items: list[tuple[dict, list[Correction]]], log: SyncLog) -> list[Outcome]:
        url = f"/services/data/{self.api_version}/composite/sobjects"
        body = {"allOrNone": False, "records": [record for record, _ in items]}
        try:
            results = self.client.request_json("PATCH", url, object_name="sObject Collection", json_body=body)
        except SourceSystemError as exc:
            group = [c for _, cs in items for c in cs]
            log.add(group, self.system, "PATCH", url, body, exc.status, None, str(exc))
            return failed(group, exc)
        outcomes = []
        for (record, group), result in zip(items, results):
            error = (
                None
                if result.get("success")
                else "; ".join(f"{e.get('statusCode')}: {e.get('message')}" for e in result.get("errors", []))
            )
            log.add(group, self.system, "PATCH", url, record, 200, result, error)
            outcomes += [Outcome(c.correction_id, error is None, error) for c in group]
        return outcomes

    def _typed(self, field: str, text: str | None):
        return None if text is None else float(text) if field in self.number_fields else text
