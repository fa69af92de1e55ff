"""One night of a sandbox firm through every stage, called straight (no Dagster run, no HTTP), so
that the benchmark can time and measure each stage on its own: raw (the store copied into the raw
tables), contracts (validation into `valid.*` and the quarantine), the canonical model, and
reconciliation (customer and invoice matching, every finding code, the tie-out)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from datetime import date
from pathlib import Path

from assets.canonical.build import build_table
from assets.reconciliation.coverage import build_coverage
from assets.reconciliation.findings import build_findings
from assets.reconciliation.invoice_match import build_invoice_match
from assets.reconciliation.matching import build_customer_match
from assets.reconciliation.tieout import build_tieout
from assets.validation.night import validate_night
from benchmarks.raw_load import load_store_into_raw
from checks import CONTRACTS
from resources.migrations import migrate
from resources.settings.crm import DEFAULT_CRM_FIELDS
from resources.settings.quality import QualitySettings
from resources.settings.reconciliation import ReconciliationSettings
from sql.tables import TABLES, XREF

Stage = Callable[[object, date], dict]


def _realms(state_db: Path) -> dict[str, str]:
    with sqlite3.connect(f"file:{state_db}?mode=ro", uri=True) as store:
        (entities,) = store.execute("SELECT value FROM meta WHERE key = 'legal_entities'").fetchone()
    return {e["code"]: e["realm_id"] for e in json.loads(entities)}


def raw(state_db: Path) -> Stage:
    """The store's records as the night's raw snapshots, in a warehouse migrated first (the migrations
    create every schema the later stages write to, as the pipeline's warehouse resource does)."""

    def stage(connection, snapshot_date: date) -> dict:
        migrate(connection)
        return load_store_into_raw(connection, state_db, snapshot_date)

    return stage


def contracts(connection, snapshot_date: date) -> dict:
    settings = QualitySettings.load()
    results = {
        f"{system}/{name}": validate_night(connection, contract, snapshot_date, settings)
        for (system, name), contract in CONTRACTS.items()
    }
    return {key: {"valid": r.valid, "quarantined": r.quarantined} for key, r in results.items()}


def canonical(state_db: Path) -> Stage:
    """The canonical model with the connectors' default CRM field names and the firm's realms."""
    settings: dict[str, str] = DEFAULT_CRM_FIELDS.parameters()
    settings["realms"] = json.dumps(_realms(state_db))
    return lambda connection, snapshot_date: {
        table.table: build_table(connection, table, snapshot_date, settings) for table in (*TABLES, XREF)
    }


def reconciliation(connection, snapshot_date: date) -> dict:
    settings = ReconciliationSettings.load()
    build_customer_match(connection, snapshot_date, settings)
    matched = build_invoice_match(connection, snapshot_date, settings)
    build_coverage(connection, snapshot_date)
    findings = build_findings(connection, snapshot_date, settings)
    return {
        **matched,
        "findings": sum(findings.values()),
        "tieout_cells": build_tieout(connection, snapshot_date, settings),
    }


def night(state_db: Path) -> dict[str, Stage]:
    """The stages in order, by name."""
    return {
        "raw": raw(state_db),
        "contracts": contracts,
        "canonical": canonical(state_db),
        "reconciliation": reconciliation,
    }
