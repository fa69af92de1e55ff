"""The deterministic sandbox firm: a consulting firm's Salesforce, Harvest and QuickBooks data (optionally
Xero or an on-premises ledger database for some legal entities, HubSpot for a business unit's customers), with planted
discrepancies and malformed records, and the manifest that says exactly what was planted."""

from __future__ import annotations

import gc
from datetime import date
from pathlib import Path

from .manifest import Manifest
from .sizes import SIZES, Size, size_for

__all__ = ["build_sandbox", "Manifest", "SIZES", "Size", "size_for"]


def build_sandbox(
    directory: Path,
    size: str = "demo",
    seed: int = 20261120,
    as_of: date = date(2026, 11, 20),
    clean: bool = False,
    erps: dict[str, str] | None = None,
    crms: dict[str, str] | None = None,
    cutovers: dict[str, str] | None = None,
) -> Manifest:
    """Create `directory/state.db` (replacing any old one) and `directory/manifest.json` (and a ledger entity's
    `directory/ledger.db` and `directory/ledger-drop/`).

    A `clean` firm is the same firm with no discrepancy planted (its malformed records stay: the
    quarantine must not make findings either), so a night of it must find nothing at all.

    `erps` puts chosen legal entities on another ERP than QuickBooks (`{"UK": "xero"}`: a mixed firm).
    Plants that need what Xero lacks (a customer hierarchy, project sub-customers, employees, time)
    then choose QuickBooks entities; the manifest lists what a night of the mixed firm must find.
    `{"DE": "ledger"}` keeps an entity's books in the on-premises ledger: `directory/ledger.db` (the
    tables of `sandbox/ledger_schema.sql`) and the same rows exported under `directory/ledger-drop/`;
    the ledger keeps a hierarchy but no project sub-customers, employees or time, so the time, WIP and
    INVOICE_MISSING_IN_PSA plants choose QuickBooks entities, and one subject of every other plant is
    steered into the ledger entity when one qualifies.

    `crms` puts the customers of chosen legal entities (an acquired business unit) in another CRM than
    Salesforce (`{"DE": "hubspot"}`): their accounts become HubSpot companies, their opportunities HubSpot
    deals, and their Harvest projects' codes `hubspot:<deal id>`. Plants that need what HubSpot cannot
    express (a parent that does not exist, a parent loop across entities) choose Salesforce customers.
    Both options combine.

    `cutovers` moves chosen QuickBooks legal entities to another ERP (`{"DE": "xero"}`) on the first day of
    the month two months before `as_of`: their customers live in both (Xero contacts for the same
    customers), QuickBooks keeps their project sub-customers, employees, time and the documents dated
    before the cutover, Xero has those dated from it and an opening item for every invoice open at the
    cutover. Plants Xero cannot evidence choose other entities, as for an entity on Xero; the planted
    variant adds INVOICE_POSTED_IN_BOTH_ERPS and OPEN_ITEM_NOT_MIGRATED there.

    The same (size, seed, as_of) always gives byte-identical state and manifest. The cyclic garbage
    collector is off meanwhile: the firm's objects live until the end and form no garbage cycles, and
    its passes over millions of them took a fifth of a benchmark-sized build to find nothing.
    """
    from .build import build

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    collecting = gc.isenabled()
    gc.disable()
    try:
        return build(directory, size, seed, as_of, clean, erps, crms, cutovers)
    finally:
        if collecting:
            gc.enable()
