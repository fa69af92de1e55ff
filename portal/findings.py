"""The findings explorer's data: a night's findings in the user's queues with their standing work
(assignee, explanation), filtered and sorted as the page asks, with counts and money at risk; and one
finding's page: the source records side by side, its history across nights, its corrections with
their sync logs (from the source record to the posting at the target), and what people did to it."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from dataclasses import dataclass, fields
from datetime import date
from decimal import Decimal
from pathlib import Path

from corrections.outbox import decision_of
from corrections.warehouse import canonical_table, connect, install_customer_names, install_finding_work, rows
from portal import work
from reports.cells import neutralise
from reports.summary import AgingBuckets
from reports.values import as_reported
from sql import load

SORTS = {
    "money": lambda f: (-(f.get("money_at_risk") or 0), f["finding_id"]),
    "age": lambda f: (-f["aging_days"], f["finding_id"]),
    "code": lambda f: (f["code"], f["finding_id"]),
    "customer": lambda f: ((f.get("customer_name") or "").lower(), f["finding_id"]),
}
CSV_COLUMNS = (
    "finding_id",
    "code",
    "severity",
    "owner_queue",
    "legal_entity",
    "customer_name",
    "document_number",
    "currency",
    "expected_value",
    "actual_value",
    "money_at_risk",
    "aging_days",
    "age_days",
    "first_seen",
    "detail",
    "assignee",
    "explained_by",
    "explained_at",
    "explanation",
)
NOBODY = "nobody"  # the assignee filter's choice for findings no one is assigned
EXPLAINED = {"yes": True, "no": False}


@dataclass(frozen=True)
class Filters:
    """What the explorer's form asks for; empty means any."""

    code: str = ""
    legal_entity: str = ""
    severity: str = ""
    age: str = ""  # an aging bucket label: 0-30, 31-60, 61-90, 90+
    customer: str = ""  # part of the customer's name or global id
    text: str = ""  # part of the finding's sentence, document number or ids
    assignee: str = ""  # a portal user, or NOBODY
    explained: str = ""  # yes or no
    sort: str = "money"

    @classmethod
    def of(cls, query: dict[str, str]) -> Filters:
        values = {f.name: str(query.get(f.name, ""))[:200].strip() for f in fields(cls)}
        values["sort"] = values["sort"] if values["sort"] in SORTS else "money"
        return cls(**values)

    def keeps(self, finding: dict, buckets: AgingBuckets) -> bool:
        searched = " ".join(
            str(finding.get(k) or "") for k in ("detail", "document_number", "crm_id", "psa_id", "erp_id", "finding_id")
        )
        customer = f"{finding.get('customer_name') or ''} {finding.get('customer_global_id') or ''}"
        return (
            (not self.code or finding["code"] == self.code)
            and (not self.legal_entity or finding.get("legal_entity") == self.legal_entity)
            and (not self.severity or finding["severity"] == self.severity)
            and (not self.age or buckets.label(finding["aging_days"]) == self.age)
            and (not self.customer or self.customer.lower() in customer.lower())
            and (not self.text or self.text.lower() in searched.lower())
            and (not self.assignee or (finding.get("assignee") or NOBODY) == self.assignee)
            and (
                self.explained not in EXPLAINED
                or (finding.get("explained_by") is not None) == EXPLAINED[self.explained]
            )
        )


def night_findings(warehouse: Path, asked: str, queues: frozenset[str]) -> tuple[list[date], date | None, list[dict]]:
    """The nights with findings (newest first), the night asked for (else the newest), and that
    night's open findings in `queues` as the report shows them (aging_days, amounts), with their work."""
    with connect(warehouse) as connection:
        nights = [
            r[0]
            for r in connection.execute("SELECT DISTINCT snapshot_date FROM recon.findings ORDER BY 1 DESC").fetchall()
        ]
        if not nights:
            return [], None, []
        night = next((n for n in nights if n.isoformat() == asked), nights[0])
        install_customer_names(connection)
        install_finding_work(connection, night)
        found = rows(connection, load("portal/night_findings.sql"), {"snapshot_date": night, "queues": sorted(queues)})
    return nights, night, [as_reported(f, night) for f in found]


def explore(findings: list[dict], filters: Filters, buckets: AgingBuckets) -> list[dict]:
    return sorted((f for f in findings if filters.keeps(f, buckets)), key=SORTS[filters.sort])


def totals(findings: list[dict]) -> dict:
    """Count, and money at risk per currency, of the findings shown."""
    money: dict[str, Decimal] = defaultdict(Decimal)
    for finding in findings:
        if finding.get("money_at_risk"):
            money[finding.get("currency") or "?"] += finding["money_at_risk"]
    return {"count": len(findings), "money": dict(sorted(money.items()))}


def as_csv(findings: list[dict]) -> str:
    """The view as Excel opens it: a byte-order mark, CRLF, text cells neutralised."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for finding in findings:
        writer.writerow(
            [
                neutralise(str(v)) if isinstance(v := finding.get(c), str) else "" if v is None else v
                for c in CSV_COLUMNS
            ]
        )
    return "\ufeff" + buffer.getvalue()


def finding_page(warehouse: Path, finding_id: str) -> dict | None:
    """One finding as last seen, the records behind it that night, its nights, and its corrections
    with their sync logs, its standing work and what people did to it; None when no night has it."""
    with connect(warehouse) as connection:
        latest = rows(
            connection,
            "SELECT * FROM recon.findings WHERE finding_id = ? ORDER BY snapshot_date DESC LIMIT 1",
            [finding_id],
        )
        if not latest:
            return None
        finding = as_reported(latest[0], latest[0]["snapshot_date"])
        records = rows(
            connection,
            load(
                "portal/finding_records.sql",
                customers=canonical_table(connection, "customer"),
                invoices=canonical_table(connection, "invoice"),
            ),
            {
                "snapshot_date": finding["snapshot_date"],
                "customer_global_id": finding.get("customer_global_id"),
                "document_number": finding.get("document_number"),
            },
        )
        history = rows(
            connection,
            "SELECT snapshot_date, status, age_days, expected_value, actual_value, money_at_risk "
            "FROM recon.findings WHERE finding_id = ? ORDER BY snapshot_date",
            [finding_id],
        )
        install_finding_work(connection, finding["snapshot_date"])
        standing = rows(connection, "SELECT * FROM finding_work WHERE finding_id = ?", [finding_id])
        actions = work.history(connection, finding_id)
        corrections = rows(
            connection,
            "SELECT * FROM corrections.outbox WHERE finding_id = ? ORDER BY proposed_on, correction_id",
            [finding_id],
        )
        for correction in corrections:
            correction["decision"] = decision_of(correction)
            correction["sync_log"] = rows(
                connection,
                'SELECT "at", method, url, status, error FROM corrections.sync_log WHERE correction_id = ? ORDER BY "at"',
                [correction["correction_id"]],
            )
    return {
        "finding": finding,
        "records": records,
        "history": history,
        "corrections": corrections,
        "work": standing[0] if standing else {},
        "actions": actions,
    }
