"""The summary sheet's figures: open findings counted and their money at risk summed by code, owner
queue and legal entity, with severity, aging buckets and the change since the previous night.

Money is summed per currency (a column per currency), never across currencies."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from decimal import Decimal

from reports.night import Night
from reports.tables import Column, Table
from reports.values import aging_days

SEVERITIES = ("high", "medium", "low")
DIMENSIONS = {  # title: the finding columns that make a row's key
    "By code": ("category", "code"),
    "By owner queue": ("owner_queue",),
    "By legal entity": ("legal_entity",),
}
NO_VALUE = "(none)"


@dataclass(frozen=True)
class AgingBuckets:
    """Buckets of a finding's age in days, from the upper bounds of all but the last (30, 60, 90 give
    0-30, 31-60, 61-90, 90+)."""

    bounds: tuple[int, ...] = (30, 60, 90)

    @property
    def labels(self) -> list[str]:
        lows = (0, *(b + 1 for b in self.bounds))
        return [f"{low}-{high}" for low, high in zip(lows, self.bounds)] + [f"{self.bounds[-1]}+"]

    def label(self, age_days: int) -> str:
        return next((label for label, bound in zip(self.labels, self.bounds) if age_days <= bound), self.labels[-1])


def currencies(night: Night) -> list[str]:
    return sorted({f["currency"] for f in night.open_findings if f.get("currency") and f.get("money_at_risk")})


def key_of(finding: dict, fields: tuple[str, ...]) -> tuple:
    return tuple(finding.get(name) or NO_VALUE for name in fields)


def breakdown(night: Night, title: str, buckets: AgingBuckets) -> Table:
    """One summary table: a row per value of the dimension, then the total."""
    fields = DIMENSIONS[title]
    money_columns = currencies(night)
    counts: dict[tuple, Counter] = defaultdict(Counter)
    money: dict[tuple, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    previous_ids = {f["finding_id"] for f in night.previous_open}
    for finding in night.open_findings:
        key = key_of(finding, fields)
        counts[key].update(["open", finding["severity"], buckets.label(aging_days(finding, night.snapshot_date))])
        if finding["finding_id"] not in previous_ids:
            counts[key]["new"] += 1
        if finding.get("money_at_risk") and finding.get("currency"):
            money[key][finding["currency"]] += finding["money_at_risk"]
    for finding in night.previous_open:
        counts[key_of(finding, fields)]["previous"] += 1
    for finding in night.findings:
        if finding["status"] == "resolved":
            counts[key_of(finding, fields)]["resolved"] += 1

    measures = ["open", *SEVERITIES, *buckets.labels, "previous", "new", "resolved"]
    columns = [Column(name) for name in fields]
    columns += [
        Column(name, "int")
        for name in ("open findings", *SEVERITIES, *buckets.labels, "previous night", "change", "new", "resolved")
    ]
    columns += [Column(f"money at risk {currency}", "money") for currency in money_columns]

    def line(label: tuple, count: Counter, amounts: dict[str, Decimal]) -> tuple:
        figures = [count[m] for m in measures]
        figures.insert(measures.index("new"), count["open"] - count["previous"])
        return (*label, *figures, *(amounts.get(c, Decimal("0.00")) for c in money_columns))

    table = Table(title, columns, [line(key, counts[key], money[key]) for key in sorted(counts)])
    total_count = sum(counts.values(), Counter())
    total_money = {c: sum((m.get(c, Decimal(0)) for m in money.values()), Decimal("0.00")) for c in money_columns}
    table.total_row = line(("Total",) + ("",) * (len(fields) - 1), total_count, total_money)
    return table


def headline(night: Night) -> list[tuple[str, object]]:
    """The figures at the top of the summary sheet, label and value."""
    states = Counter(c["state"] for c in night.corrections)
    lines: list[tuple[str, object]] = [
        ("Night", night.snapshot_date),
        ("Previous night", night.previous_date or "none"),
        ("Open findings", len(night.open_findings)),
        ("High severity", sum(1 for f in night.open_findings if f["severity"] == "high")),
        (
            "New since the previous night",
            sum(
                1 for f in night.open_findings if f["finding_id"] not in {p["finding_id"] for p in night.previous_open}
            ),
        ),
        ("Resolved since the previous night", sum(1 for f in night.findings if f["status"] == "resolved")),
    ]
    for currency in currencies(night):
        lines.append(
            (
                f"Money at risk {currency}",
                sum(
                    (
                        f["money_at_risk"]
                        for f in night.open_findings
                        if f.get("currency") == currency and f.get("money_at_risk")
                    ),
                    Decimal("0.00"),
                ),
            )
        )
    lines += [(f"Corrections {state}", states[state]) for state in ("proposed", "approved", "applied", "failed")]
    lines.append(("Quarantined source records", len(night.quarantine)))
    lines.append(
        (
            "Open findings held by quarantine (as last seen)",
            sum(1 for f in night.open_findings if f.get("held_by") == "quarantine"),
        )
    )
    lines.append(("Legal entities reconciled", ", ".join(e["legal_entity"] for e in night.coverage if e["reconciled"])))
    lines += [
        (f"Not reconciled tonight: {e['legal_entity']}", e["note"]) for e in night.coverage if not e["reconciled"]
    ]
    if night.missing_tables:
        lines.append(("Not available tonight", ", ".join(night.missing_tables)))
    return lines
