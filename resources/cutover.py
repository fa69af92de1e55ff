"""An ERP cutover: a legal entity moving its books from one ERP to another on a date. Documents dated
before it live in the former ERP, those from it on in the current one, and the invoices open at the
cutover are migrated as opening items (shared/contracts/source-conventions.md). Both ERPs are read in
the same nights; each extraction records which side of the cutover its company is on (raw.companies),
so the canonical stage knows without asking a connector (docs/decisions.md 33)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date

ERPS = ("quickbooks", "xero", "ledger")
EXAMPLE = '{"DE": {"from": "quickbooks", "to": "xero", "on": "2026-10-01"}}'


@dataclass(frozen=True)
class Cutover:
    former: str
    current: str
    on: date

    def role(self, system: str) -> str | None:
        """`former` or `current` for the ERPs of the cutover, None for any other system."""
        return {self.former: "former", self.current: "current"}.get(system)


def _cutover(entity: str, value: object) -> Cutover:
    if not isinstance(value, dict) or set(value) != {"from", "to", "on"}:
        raise ValueError(f"{entity}: a cutover is an object with from, to and on, e.g. {EXAMPLE}")
    former, current = value["from"], value["to"]
    if former not in ERPS or current not in ERPS or former == current:
        raise ValueError(f"{entity}: a cutover goes from one of {', '.join(ERPS)} to another, not {former}->{current}")
    try:
        on = date.fromisoformat(str(value["on"]))
    except ValueError as exc:
        raise ValueError(f"{entity}: the cutover date must be YYYY-MM-DD, not {value['on']!r}") from exc
    return Cutover(former, current, on)


def configured(text: str) -> dict[str, Cutover]:
    """The cutovers TIEOUT_ERP_CUTOVERS sets (JSON: legal entity code to {from, to, on}); a clear error
    for anything else."""
    try:
        value = json.loads(text) if text else {}
    except json.JSONDecodeError as exc:
        raise ValueError(f"must be JSON, e.g. {EXAMPLE}") from exc
    if not isinstance(value, dict):
        raise ValueError(f"must be a JSON object of legal entity codes, e.g. {EXAMPLE}")
    return {entity: _cutover(entity, cutover) for entity, cutover in value.items()}


def of_sandbox(entities: list[dict]) -> dict[str, Cutover]:
    """The sandbox firm's cutovers: a legal entity row naming a `former_erp` and a `cutover_date`."""
    return {
        e["code"]: Cutover(e["former_erp"], e["erp"], date.fromisoformat(e["cutover_date"]))
        for e in entities
        if e.get("former_erp") and e.get("cutover_date")
    }


def cutovers_of(base_url: str, text: str, sandbox) -> dict[str, Cutover]:
    """An ERP resource's cutovers: those configured beside its URL, else the sandbox firm's."""
    return configured(text) if base_url else of_sandbox(sandbox.runtime().legal_entities())
