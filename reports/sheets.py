"""The report's detail tables: the findings of each category, each owner queue's work list, the
corrections, the quarantine, the tie-out statement and the findings people explained, with the
columns finance reads first."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal
from typing import Any

from corrections.outbox import decision_of
from reports.night import Night
from reports.tables import Column, Table, table_from_rows
from reports.values import as_reported

CATEGORIES = {
    "customer": "Customers",
    "engagement": "Engagements",
    "time_wip": "Time and WIP",
    "invoice_cash": "Invoices and cash",
}
QUEUES = ("finance", "pmo", "sales_ops")
UNASSIGNED = "unassigned"

FINDING_COLUMNS = [
    Column("finding_id", width=22),
    Column("code", width=28),
    Column("severity"),
    Column("status"),
    Column("owner_queue"),
    Column("legal_entity"),
    Column("document_number"),
    Column("currency"),
    Column("expected_value", "amount_or_text"),
    Column("actual_value", "amount_or_text"),
    Column("amount_difference", "money"),
    Column("money_at_risk", "money"),
    Column("event_date", "date"),
    Column("aging_days", "int"),
    Column("age_days", "int"),
    Column("first_seen", "date"),
    Column("last_seen", "date"),
    Column("held_by"),
    Column("explained_by"),
    Column("explained_at", "datetime"),
    Column("explanation", width=40),
    Column("detail", width=80),
    Column("customer_global_id"),
    Column("project_global_id"),
    Column("crm_id"),
    Column("psa_id"),
    Column("erp_id"),
    Column("correction_id"),
    Column("confidence", "number"),
]
CORRECTION_COLUMNS = [
    Column("correction_id", width=22),
    Column("state"),
    Column("code", width=28),
    Column("policy"),
    Column("target_system"),
    Column("target_object"),
    Column("legal_entity"),
    Column("record_id"),
    Column("field"),
    Column("value_before", width=30),
    Column("value_after", width=30),
    Column("rule"),
    Column("proposed_on", "date"),
    Column("decision", width=24),
    Column("approved_by"),
    Column("approved_at", "datetime"),
    Column("attempts", "int"),
    Column("last_error", width=40),
    Column("applied_at", "datetime"),
    Column("verified_at", "datetime"),
    Column("finding_id", width=22),
]
EXPLAINED_COLUMNS = [
    Column("finding_id", width=22),
    Column("code", width=28),
    Column("legal_entity"),
    Column("document_number"),
    Column("currency"),
    Column("amount_difference", "money"),
    Column("explained_by"),
    Column("explained_at", "datetime"),
    Column("explanation", width=60),
    Column("detail", width=80),
]
QUARANTINE_COLUMNS = [
    Column("system"),
    Column("entity"),
    Column("object"),
    Column("record_id"),
    Column("rule", width=28),
    Column("field"),
    Column("value", width=30),
    Column("detail", width=80),
]
TIEOUT_KEYS = ("legal_entity", "month", "currency")
TOTAL = "total"
SEVERITY_ORDER = {"high": 0, "medium": 1, "low": 2}


def by_urgency(finding: dict) -> tuple:
    """Open before resolved, then high severity, most money, oldest, stable by id."""
    return (
        finding["status"] != "open",
        SEVERITY_ORDER.get(finding["severity"], 3),
        -(finding.get("money_at_risk") or 0),
        -int(finding["age_days"]),
        finding["finding_id"],
    )


def findings_table(night: Night, title: str, findings) -> Table:
    reported = [as_reported(f, night.snapshot_date) for f in findings]
    return table_from_rows(title, FINDING_COLUMNS, sorted(reported, key=by_urgency))


def category_tables(night: Night) -> list[Table]:
    """One table per category, every category present even when it has no finding tonight."""
    return [
        findings_table(night, title, (f for f in night.findings if f["category"] == category))
        for category, title in CATEGORIES.items()
    ]


def queue_of(finding: dict) -> str:
    return finding.get("owner_queue") or UNASSIGNED


def queue_tables(night: Night) -> dict[str, Table]:
    """Each owner queue's work list: its open findings (every default queue, and any other that has
    findings tonight)."""
    queues = list(QUEUES) + sorted({queue_of(f) for f in night.open_findings} - set(QUEUES))
    return {
        queue: findings_table(night, queue, (f for f in night.open_findings if queue_of(f) == queue))
        for queue in queues
    }


def corrections_table(night: Night) -> Table:
    """The night's corrections, each saying who let it go ("approved by policy" is not a person)."""
    return table_from_rows(
        "Corrections", CORRECTION_COLUMNS, [{**c, "decision": decision_of(c)} for c in night.corrections]
    )


def explained_table(night: Night) -> Table:
    """The open findings a person explained in the portal, as the night's tie-out counted them: who,
    when and why."""
    explained = [f for f in night.open_findings if f.get("explained_by")]
    return table_from_rows("Explained", EXPLAINED_COLUMNS, sorted(explained, key=lambda f: f["finding_id"]))


def quarantine_table(night: Night) -> Table:
    return table_from_rows("Quarantine", QUARANTINE_COLUMNS, night.quarantine)


def kind_of(values: list) -> str:
    present = [v for v in values if v is not None]
    if present and all(isinstance(v, Decimal) for v in present):
        return "money"
    if present and all(isinstance(v, int) and not isinstance(v, bool) for v in present):
        return "int"
    return "text"


def tieout_table(night: Night) -> Table:
    """The tie-out statement: the table's rows per legal entity, month and currency (month as
    YYYY-MM), then a total per legal entity and currency of every money column."""
    records: list[dict] = [
        {k: v.strftime("%Y-%m") if k == "month" and isinstance(v, date) else v for k, v in r.items()}
        for r in night.tieout
    ]
    if not records:
        return Table("Tie-out", [Column(k) for k in TIEOUT_KEYS])
    names = list(records[0])
    columns = [Column(n, kind_of([r[n] for r in records])) for n in names]
    table = table_from_rows("Tie-out", columns, records)
    summed = [c.name for c in columns if c.kind in ("money", "int")]
    keys = [n for n in ("legal_entity", "currency") if n in names]
    totals: dict[tuple, dict[str, Any]] = defaultdict(lambda: defaultdict(int))
    for record in records:
        for name in summed:
            totals[tuple(record[k] or "" for k in keys)][name] += record[name] or 0
    for key, sums in sorted(totals.items()):
        labels = {**dict(zip(keys, key)), "month": TOTAL}
        table.rows.append(tuple(sums[n] if n in summed else labels.get(n) for n in names))
    return table
