"""The bad-input corpus: malformed source records of many kinds, planted into a copy of the sandbox
firm's state so that the emulators serve them over HTTP like any other record. Each is a new record
cloned from a good one (so every good record stays as it was), then broken one way."""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from checks.rules import WARNING_RULES
from sandbox.firm.ids import salesforce_id
from sandbox.store import SandboxStore


@dataclass(frozen=True)
class Planted:
    kind: str
    system: str
    entity: str
    object: str
    record_id: str | None
    rule: str
    field: str

    @property
    def kept(self) -> bool:
        """A usable record the contract only warns about (quality.warnings), not quarantined."""
        return self.rule in WARNING_RULES

    @property
    def quarantine_row(self) -> tuple:
        return self.system, self.entity, self.object, self.record_id, self.rule, self.field


Break = Callable[[dict], None]


def setter(path: str, value) -> Break:
    def apply(payload: dict) -> None:
        *parents, last = path.split(".")
        for key in parents:
            payload = payload[key]
        payload[last] = value

    return apply


def renamer(old: str, new: str) -> Break:
    def apply(payload: dict) -> None:
        payload[new] = payload.pop(old)

    return apply


class Corpus:
    """Plants into `store`; `snapshot_date` is the night the corpus will be validated for."""

    def __init__(self, store: SandboxStore, snapshot_date: date):
        self.store, self.snapshot_date = store, snapshot_date
        us = next(e for e in store.meta("legal_entities") if e["code"] == "US")
        self.realm, self.entity = us["realm_id"], us["code"]
        self.planted: list[Planted] = []
        self._serial = 0

    # -- planting --------------------------------------------------------------------------
    def clone(
        self, kind: str, system: str, object_name: str, rule: str, field: str, *breaks: Break, record_id=None
    ) -> dict:
        """A new record of `object_name` like its first good one, broken by `breaks`, stored and listed."""
        tenant = self.realm if system == "quickbooks" else ""
        payload = copy.deepcopy(self.store.list(system, tenant, object_name, limit=1)[0])
        store_id = self._new_id(system, tenant, object_name, payload)
        for apply in breaks:
            apply(payload)
        sent_id = payload.get("Id", payload.get("id")) if record_id is None else record_id
        stamp = self.store.meta("as_of") + "T12:00:00Z"
        self.store.put(system, tenant, object_name, store_id, payload, stamp)
        self.planted.append(
            Planted(
                kind,
                system,
                self.entity if system == "quickbooks" else "",
                object_name,
                None if sent_id is None else str(sent_id),
                rule,
                field,
            )
        )
        return payload

    def _new_id(self, system: str, tenant: str, object_name: str, payload: dict) -> str:
        self._serial += 1
        if system == "salesforce":
            payload["Id"] = salesforce_id(payload["Id"][:3], 900_000 + self._serial)
            return payload["Id"]
        key = "Id" if system == "quickbooks" else "id"
        new = self.store.next_id(system, tenant, object_name, start=900_000)
        payload[key] = str(new) if system == "quickbooks" else new
        return str(new)

    # -- the kinds -------------------------------------------------------------------------
    def plant_all(self) -> list[Planted]:
        future = (self.snapshot_date + timedelta(days=30)).isoformat()
        harvest, qbo, sf = "harvest", "quickbooks", "salesforce"
        single = [
            ("null id", harvest, "time_entries", "id_missing", "id", setter("id", None)),
            ("hours as text", harvest, "time_entries", "wrong_type", "hours", setter("hours", "eight")),
            ("negative hours", harvest, "time_entries", "hours_out_of_range", "hours", setter("hours", -3.0)),
            ("30-hour entry", harvest, "time_entries", "hours_out_of_range", "hours", setter("hours", 30.0)),
            ("null hours", harvest, "time_entries", "value_missing", "hours", setter("hours", None)),
            ("future date", harvest, "time_entries", "date_in_future", "spent_date", setter("spent_date", future)),
            (
                "impossible date",
                harvest,
                "time_entries",
                "date_unparseable",
                "spent_date",
                setter("spent_date", "2026-02-30"),
            ),
            (
                "date before the window",
                harvest,
                "time_entries",
                "date_out_of_window",
                "spent_date",
                setter("spent_date", "1899-12-31"),
            ),
            (
                "project that does not exist",
                harvest,
                "time_entries",
                "reference_unresolved",
                "project.id",
                setter("project.id", 1),
            ),
            ("boolean as text", harvest, "time_entries", "wrong_type", "billable", setter("billable", "yes")),
            (
                "field renamed by the vendor",
                harvest,
                "time_entries",
                "field_missing",
                "hours",
                renamer("hours", "hours_logged"),
            ),
            ("unknown currency", harvest, "clients", "currency_unknown", "currency", setter("currency", "XYZ")),
            ("control characters", harvest, "clients", "text_unreadable", "name", setter("name", "Acme\x07\x1b Corp")),
            ("mis-decoded bytes", harvest, "clients", "text_unreadable", "name", setter("name", "Caf\ufffd Royal")),
            ("10,000-character name", harvest, "clients", "text_too_long", "name", setter("name", "N" * 10_000)),
            (
                "spreadsheet formula",
                harvest,
                "clients",
                "text_looks_like_formula",
                "name",
                setter("name", '=HYPERLINK("http://evil.example","Click")'),
            ),
            (
                "SQL in a name",
                harvest,
                "clients",
                "text_looks_like_sql",
                "name",
                setter("name", "Robert'); DROP TABLE clients;--"),
            ),
            ("sub-cent money", harvest, "expenses", "money_precision", "total_cost", setter("total_cost", 10.123)),
            ("money as text", harvest, "expenses", "wrong_type", "total_cost", setter("total_cost", "12.00")),
            (
                "invoice lines do not sum",
                harvest,
                "invoices",
                "invoice_lines_do_not_sum",
                "amount",
                lambda p: p.update(amount=p["amount"] + 100),
            ),
            ("unknown invoice state", harvest, "invoices", "status_not_in_enum", "state", setter("state", "pending")),
            ("unknown bill_by", harvest, "projects", "status_not_in_enum", "bill_by", setter("bill_by", "Weekly")),
            (
                "client that does not exist",
                harvest,
                "projects",
                "reference_unresolved",
                "client.id",
                setter("client.id", 1),
            ),
            (
                "missing parent customer",
                qbo,
                "Customer",
                "reference_unresolved",
                "ParentRef.value",
                setter("ParentRef", {"value": "999999"}),
                setter("Level", 1),
            ),
            (
                "sub-customer one level too deep",
                qbo,
                "Customer",
                "parent_level_wrong",
                "Level",
                setter("ParentRef", {"value": "1"}),
                setter("Level", 5),
            ),
            (
                "unknown customer currency",
                qbo,
                "Customer",
                "currency_unknown",
                "CurrencyRef.value",
                setter("CurrencyRef", {"value": "ABC"}),
            ),
            (
                "QuickBooks invoice lines do not sum",
                qbo,
                "Invoice",
                "invoice_lines_do_not_sum",
                "TotalAmt",
                lambda p: p.update(TotalAmt=p["TotalAmt"] + 1),
            ),
            ("invoice dated in the future", qbo, "Invoice", "date_in_future", "TxnDate", setter("TxnDate", future)),
            (
                "invoice for a customer that does not exist",
                qbo,
                "Invoice",
                "reference_unresolved",
                "CustomerRef.value",
                setter("CustomerRef", {"value": "999999"}),
            ),
            ("26-hour time activity", qbo, "TimeActivity", "hours_out_of_range", "Hours", setter("Hours", 26)),
            (
                "unknown billable status",
                qbo,
                "TimeActivity",
                "status_not_in_enum",
                "BillableStatus",
                setter("BillableStatus", "Pending"),
            ),
            (
                "unknown opportunity stage",
                sf,
                "Opportunity",
                "status_not_in_enum",
                "StageName",
                setter("StageName", "Verbal"),
            ),
            (
                "opportunity for an account that does not exist",
                sf,
                "Opportunity",
                "reference_unresolved",
                "AccountId",
                setter("AccountId", salesforce_id("001", 999_999)),
            ),
            ("amount as text", sf, "Opportunity", "wrong_type", "Amount", setter("Amount", "1,000.00")),
        ]
        for kind, system, object_name, rule, field, *breaks in single:
            self.clone(kind, system, object_name, rule, field, *breaks)
        self.duplicate_ids()
        self.parent_cycle()
        self.unnamed_customer()
        return self.planted

    def duplicate_ids(self) -> None:
        """Two records under one id: neither can be told to be the real one, so both are held."""
        first = self.clone("duplicate id", "harvest", "time_entries", "id_duplicate", "id")
        self.clone("duplicate id", "harvest", "time_entries", "id_duplicate", "id", setter("id", first["id"]))

    def parent_cycle(self) -> None:
        """Two sub-customers, each the other's parent."""
        a = self.clone("parent cycle", "quickbooks", "Customer", "parent_cycle", "ParentRef.value", setter("Level", 1))
        b = self.clone(
            "parent cycle",
            "quickbooks",
            "Customer",
            "parent_cycle",
            "ParentRef.value",
            setter("ParentRef", {"value": a["Id"]}),
            setter("Level", 1),
        )
        a["ParentRef"] = {"value": b["Id"]}
        self.store.put("quickbooks", self.realm, "Customer", a["Id"], a, self.store.meta("as_of") + "T12:00:00Z")

    def unnamed_customer(self) -> None:
        self.clone(
            "required field missing",
            "quickbooks",
            "Customer",
            "field_missing",
            "DisplayName",
            lambda p: p.pop("DisplayName"),
        )
