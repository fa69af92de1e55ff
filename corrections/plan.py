"""A night's plan: the open findings of `recon.findings`, their proposed corrections, and the
outbox rows they become. Planning reads the vendors but never writes to them."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from corrections.outbox import Correction, insert_proposals
from corrections.ownership import Ownership
from corrections.proposals import RULES, propose
from corrections.sources import Sources
from corrections.warehouse import rows, transaction
from sql import load, run_script


def open_findings(warehouse_path: str | Path, snapshot_date: date, ownership: Ownership) -> list[dict]:
    """The night's open findings whose code has both a policy and a proposal rule."""
    codes = [code for code in RULES if ownership.policy(code)]
    with transaction(warehouse_path) as connection:
        return rows(connection, load("corrections/open_findings.sql"), {"snapshot_date": snapshot_date, "codes": codes})


def plan_night(
    warehouse_path: str | Path, snapshot_date: date, sources: Sources, ownership: Ownership
) -> list[Correction]:
    """What the night's findings would change (a dry run: nothing is written anywhere)."""
    return propose(open_findings(warehouse_path, snapshot_date, ownership), sources, ownership)


def record_plan(warehouse_path: str | Path, snapshot_date: date, corrections: list[Correction]) -> dict:
    """Put the plan into the outbox (auto corrections approved by policy) and link the night's
    findings to their corrections (`corrections.finding_links`); counts by outcome."""
    with transaction(warehouse_path) as connection:
        counts = insert_proposals(connection, corrections, snapshot_date)
        run_script(connection, load("corrections/link_findings.sql"), {"snapshot_date": snapshot_date})
        return counts


def listing(corrections: list[Correction]) -> list[dict]:
    """The plan as rows a person reads: what changes where, from what to what, and why."""
    return [
        {
            "code": c.code,
            "policy": c.policy,
            "target": f"{c.target_system} {c.target_object} {c.record_id}",
            "field": c.field,
            "before": c.value_before,
            "after": c.value_after,
            "rule": c.rule,
            "note": c.note,
            "finding_id": c.finding_id,
        }
        for c in corrections
    ]
