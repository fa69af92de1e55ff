"""What the canonical model must say about a generated sandbox firm, worked out in plain Python from
the records the vendors serve (minus those the manifest lists as malformed) and the conventions of
shared/contracts/source-conventions.md: who anchors each global id and which cross-reference links
every other record to it."""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from pathlib import Path

from sandbox.store import SandboxStore

Record = tuple[str, str]  # (system, source_id)
PREFIXES = {
    "customer": "cus",
    "engagement": "eng",
    "resource": "res",
    "time_entry": "tim",
    "expense": "exp",
    "invoice": "inv",
    "payment": "pay",
    "credit_memo": "crd",
}
CANONICAL_SYSTEM = {"salesforce": "crm", "harvest": "psa", "quickbooks": "erp"}


def global_id(entity_type: str, anchor: Record) -> str:
    return f"{PREFIXES[entity_type]}_" + hashlib.md5(f"{anchor[0]}:{anchor[1]}".encode()).hexdigest()[:16]


def tag(text: str | None, name: str) -> str | None:
    found = re.search(rf"{name}:(\d+)", text or "")
    return found.group(1) if found else None


class GeneratedFirm:
    def __init__(self, directory: Path):
        self.store = SandboxStore(directory / "state.db")
        self.manifest = json.loads((directory / "manifest.json").read_text())
        self.entities = {e["code"]: e["realm_id"] for e in self.manifest["legal_entities"]}
        realm_code = {realm: code for code, realm in self.entities.items()}
        self.malformed = {
            (m["system"], realm_code.get(m["tenant"], m["tenant"]), m["object"], m["record_id"])
            for m in self.manifest["malformed"]
        }

    def records(self, system: str, object_name: str) -> dict[str, dict]:
        """source_id -> payload of the object's well-formed records."""
        tenants = self.entities.items() if system == "quickbooks" else [("", "")]
        out = {}
        for code, tenant in tenants:
            for payload in self.store.list(system, tenant, object_name):
                own = payload.get("Id", payload.get("id"))
                if own is None or (system, code, object_name, str(own)) in self.malformed:
                    continue
                out[f"{code}:{own}" if code else str(own)] = payload
        return out

    def findings(self, code: str) -> list[dict]:
        return [f for f in self.manifest["findings"] if f["code"] == code]

    # -- expected links: {record: (anchor, link)} per entity type -------------------------------
    def expected(self, entity_type: str, crm_fields: dict[str, str]) -> dict[Record, tuple[str, str]]:
        links = getattr(self, f"_{entity_type}")(crm_fields)
        return {record: (global_id(entity_type, anchor), link) for record, (anchor, link) in links.items()}

    @staticmethod
    def _claimed(claims: dict[str, list[str]], key: str) -> str | None:
        owners = claims.get(key, [])
        return owners[0] if len(owners) == 1 else None

    def _customer(self, fields):
        accounts = self.records("salesforce", "Account")
        links = {("crm", a): (("crm", a), "anchor") for a in accounts}
        for system, object_name, field, _own_id in (
            ("psa", "clients", fields["psa_client_id_field"], None),
            ("erp", "Customer", fields["erp_customer_id_field"], None),
        ):
            claims: dict[str, list[str]] = {}
            for a, payload in accounts.items():
                if payload.get(field):
                    claims.setdefault(str(payload[field]), []).append(a)
            source = "harvest" if system == "psa" else "quickbooks"
            for rid, payload in self.records(source, object_name).items():
                if payload.get("IsProject"):
                    continue
                owner = self._claimed(claims, rid)
                links[(system, rid)] = (("crm", owner), f"crm.{field}") if owner else ((system, rid), "anchor")
        return links

    def _engagement(self, fields):
        projects = self.records("harvest", "projects")
        links = {("psa", p): (("psa", p), "anchor") for p in projects}
        codes = Counter(p["code"] for p in projects.values() if p.get("code"))
        by_code = {p["code"]: pid for pid, p in projects.items() if p.get("code") and codes[p["code"]] == 1}
        field = fields["psa_project_id_field"]
        for oid, opp in self.records("salesforce", "Opportunity").items():
            if opp.get(field) and str(opp[field]) in projects:
                links[("crm", oid)] = (("psa", str(opp[field])), f"crm.{field}")
            elif oid in by_code:
                links[("crm", oid)] = (("psa", by_code[oid]), "psa.project.code")
            else:
                links[("crm", oid)] = (("crm", oid), "anchor")
        for rid, c in self.records("quickbooks", "Customer").items():
            if c.get("IsProject"):
                project = tag(c.get("Notes"), "harvest_project")
                links[("erp", rid)] = (
                    (("psa", project), "erp.Notes.harvest_project") if project in projects else (("erp", rid), "anchor")
                )
        return links

    def _resource(self, _):
        users = self.records("harvest", "users")
        emails = Counter(u["email"].lower() for u in users.values())
        by_email = {u["email"].lower(): uid for uid, u in users.items() if emails[u["email"].lower()] == 1}
        links = {("psa", u): (("psa", u), "anchor") for u in users}
        for rid, e in self.records("quickbooks", "Employee").items():
            user = by_email.get(((e.get("PrimaryEmailAddr") or {}).get("Address") or "").lower())
            links[("erp", rid)] = (("psa", user), "email") if user else (("erp", rid), "anchor")
        return links

    def _tagged(self, psa_object: str, erp_object: str, erp_field: str, name: str):
        own = self.records("harvest", psa_object)
        links = {("psa", r): (("psa", r), "anchor") for r in own}
        for rid, payload in self.records("quickbooks", erp_object).items():
            target = tag(payload.get(erp_field), name)
            links[("erp", rid)] = (
                (("psa", target), f"erp.{erp_field}.{name}") if target in own else (("erp", rid), "anchor")
            )
        return links

    def _time_entry(self, _):
        return self._tagged("time_entries", "TimeActivity", "Description", "harvest_time_entry")

    def _invoice(self, _):
        return self._tagged("invoices", "Invoice", "PrivateNote", "harvest_invoice")

    def _anchored(self, system: str, object_name: str):
        return {
            (CANONICAL_SYSTEM[system], r): ((CANONICAL_SYSTEM[system], r), "anchor")
            for r in self.records(system, object_name)
        }

    def _expense(self, _):
        return self._anchored("harvest", "expenses")

    def _payment(self, _):
        return self._anchored("quickbooks", "Payment")

    def _credit_memo(self, _):
        return self._anchored("quickbooks", "CreditMemo")
