"""A small sandbox firm served over HTTP, a private warehouse, and `recon.findings` rows written
straight from the firm's manifest (the reconciliation stage is built separately)."""

import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import duckdb
import pytest

from corrections.ownership import load_ownership
from corrections.targets import Targets, targets_from_resources
from resources.harvest import HarvestResource
from resources.hubspot import HubSpotResource
from resources.ledger import LedgerResource
from resources.migrations import migrate
from resources.quickbooks import QuickBooksResource
from resources.salesforce import SalesforceResource
from resources.sandbox import SandboxResource
from resources.xero import XeroResource
from sandbox.firm import build_sandbox
from sandbox.runtime import SandboxRuntime, running_sandbox, stop_sandbox
from sandbox.store import SandboxStore
from tests.conftest import AS_OF, SNAPSHOT_DATE

CATEGORY = {
    "AR_BALANCE_MISMATCH": "invoice_cash",
    "PAYMENT_NOT_REFLECTED": "invoice_cash",
    "INVOICE_STATUS_MISMATCH": "invoice_cash",
    "CREDIT_MEMO_NOT_REFLECTED": "invoice_cash",
    "TIME_BILLED_STATUS_MISMATCH": "time_wip",
}


@dataclass
class Firm:
    directory: Path
    runtime: SandboxRuntime
    store: SandboxStore
    manifest: dict
    warehouse: Path
    targets: Targets

    def planted(self, *codes: str) -> list[dict]:
        return [f for f in self.manifest["findings"] if f["code"] in codes]

    def realm(self, code: str) -> str:
        return next(e["realm_id"] for e in self.runtime.legal_entities() if e["code"] == code)

    def misnamed_in(self, system: str) -> dict:
        """The planted name discrepancy whose wrong name is in `system` (harvest or quickbooks)."""
        return next(f for f in self.planted("CUSTOMER_NAME_MISMATCH") if self.target_of(f)[0] == system)

    def target_of(self, planted: dict) -> tuple[str, str, str, str]:
        """(system, object, record id, field) that an auto correction of the planted discrepancy changes:
        for a name, the side that holds the wrong one."""
        code, erp_record = planted["code"], (planted["erp_id"] or ":").split(":")[1]
        if code == "AR_BALANCE_MISMATCH":
            return "salesforce", "Account", planted["crm_id"], "Open_AR__c"
        if code == "TIME_BILLED_STATUS_MISMATCH":
            return "quickbooks", "TimeActivity", erp_record, "BillableStatus"
        client = self.store.get("harvest", "", "clients", planted["psa_id"])
        if client and client["name"] == planted["actual_value"]:
            return "harvest", "clients", planted["psa_id"], "name"
        return "quickbooks", "Customer", erp_record, "DisplayName"

    def expected_dry_run(self, codes=None) -> dict[tuple, tuple]:
        """target -> (before, after) of each auto correction that sets a field, off the manifest: the target
        holds the actual value, set to the expected. (A missing payment is a new Harvest payment per ERP
        payment, not a field: tests/corrections/test_controller_rules.py checks those off the store.)"""
        return {
            self.target_of(planted): (planted["actual_value"], planted["expected_value"])
            for planted in self.planted(*(codes or SETTING_CODES))
        }


def finding_row(planted: dict, snapshot_date: str = SNAPSHOT_DATE) -> dict:
    """A `recon.findings` row (shared/contracts/findings.md columns) for a planted discrepancy."""
    subject = "|".join(
        sorted(planted.get("pair") or [str(planted[k]) for k in ("crm_id", "psa_id", "erp_id") if planted[k]])
    )
    return {
        "snapshot_date": snapshot_date,
        "finding_id": "fnd_" + hashlib.md5(f"{planted['code']}|{subject}".encode()).hexdigest()[:16],
        "code": planted["code"],
        "category": CATEGORY.get(planted["code"], "customer"),
        "severity": "medium",
        "owner_queue": "finance",
        "legal_entity": planted["legal_entity"],
        "customer_global_id": None,
        "project_global_id": None,
        "crm_id": planted["crm_id"],
        "psa_id": planted["psa_id"],
        "erp_id": planted["erp_id"],
        "document_number": planted["document_number"],
        "currency": planted["currency"],
        "expected_value": planted["expected_value"],
        "actual_value": planted["actual_value"],
        "amount_difference": planted["amount_difference"],
        "detail": planted["note"],
        "first_seen": snapshot_date,
        "last_seen": snapshot_date,
        "age_days": 0,
        "status": "open",
        "subject_key": subject,
    }


def write_planted_findings(warehouse: Path, planted: list[dict], snapshot_date: str = SNAPSHOT_DATE) -> list[dict]:
    """Replace the night's `recon.findings` with rows for these planted discrepancies."""
    rows = [finding_row(p, snapshot_date) for p in planted]
    with duckdb.connect(str(warehouse)) as db:
        migrate(db)
        db.execute("DELETE FROM recon.findings WHERE snapshot_date = ?", [snapshot_date])
        for row in rows:
            db.execute(
                f"INSERT INTO recon.findings ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})",
                list(row.values()),
            )
    return rows


def sandbox_resources(directory: Path) -> dict:
    sandbox = SandboxResource(directory=str(directory), size="small")
    return {
        "salesforce": SalesforceResource(sandbox=sandbox),
        "harvest": HarvestResource(sandbox=sandbox),
        "quickbooks": QuickBooksResource(sandbox=sandbox),
        "xero": XeroResource(sandbox=sandbox),
        "hubspot": HubSpotResource(sandbox=sandbox),
        "ledger": LedgerResource(sandbox=sandbox),
    }


F = TypeVar("F", bound=Firm)


def served(cls: type[F], directory: Path, warehouse: Path) -> F:
    """The firm in `directory`, its emulators running, its corrections' targets read from its resources."""
    runtime = running_sandbox(directory, "small")
    targets = targets_from_resources(*sandbox_resources(directory).values(), load_ownership())
    manifest = json.loads((directory / "manifest.json").read_text())
    return cls(directory, runtime, runtime.store, manifest, warehouse, targets)


@contextmanager
def mixed_firm(cls: type[F], tmp_path: Path, **mix) -> Iterator[F]:
    """A small firm of the vendor mix `mix` (build_sandbox's erps=, crms=) built, served, then stopped."""
    directory = tmp_path / "mixed-firm"
    build_sandbox(directory, size="small", as_of=AS_OF, **mix)
    yield served(cls, directory, tmp_path / "warehouse.duckdb")
    stop_sandbox(directory)


@pytest.fixture
def firm(small_firm, tmp_path) -> Firm:
    return served(Firm, small_firm, tmp_path / "warehouse.duckdb")


SETTING_CODES = ("AR_BALANCE_MISMATCH", "CUSTOMER_NAME_MISMATCH", "TIME_BILLED_STATUS_MISMATCH")
AUTO_CODES = (*SETTING_CODES, "PAYMENT_NOT_REFLECTED")


def writes(store: SandboxStore, since_n: int = 0) -> list:
    """The vendors' request log entries that change something (not GET, not a query, not a token refresh)."""
    return [
        r
        for r in store.requests(since_n=since_n)
        if r.method != "GET" and not r.path.endswith("/query") and "/oauth2/" not in r.path
    ]


def outbox(warehouse: Path) -> dict[str, dict]:
    from corrections.approval import list_corrections

    return {row["correction_id"]: row for row in list_corrections(warehouse)}


def plan_and_record(firm: Firm, codes=AUTO_CODES, snapshot_date: str = SNAPSHOT_DATE) -> list:
    """Findings for the planted discrepancies of `codes`, proposed into the outbox."""
    from datetime import date

    from corrections.plan import plan_night, record_plan

    write_planted_findings(firm.warehouse, firm.planted(*codes), snapshot_date)
    night = date.fromisoformat(snapshot_date)
    planned = plan_night(firm.warehouse, night, firm.targets.sources(), load_ownership())
    record_plan(firm.warehouse, night, planned)
    return planned


def proposed(planned: list) -> set[tuple]:
    """(system, object, record, field, before, after, policy) of each planned correction."""
    return {
        (c.target_system, c.target_object, c.record_id, c.field, c.value_before, c.value_after, c.policy)
        for c in planned
    }
