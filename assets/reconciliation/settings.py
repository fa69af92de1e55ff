"""The reconciliation stage's settings: config/reconciliation.yaml, or the file
$TIEOUT_RECONCILIATION_CONFIG names. Read on every run, so a changed tolerance or owner applies to
the next night without a redeploy."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import yaml

DEFAULT_FILE = Path(__file__).resolve().parents[2] / "config" / "reconciliation.yaml"
SEVERITIES = ("low", "medium", "high")
QUEUES = ("finance", "pmo", "sales_ops")


@dataclass(frozen=True)
class SeverityRule:
    money_at_risk: float
    age_days: int


@dataclass(frozen=True)
class ReconciliationSettings:
    parameters: dict[str, object]
    high: SeverityRule
    medium: SeverityRule
    at_least: dict[str, str] = field(default_factory=dict)
    owner_queues: dict[str, str] = field(default_factory=dict)
    max_overnight_growth_factor: float = 2.0
    growth_check_min_previous: int = 20

    def aging_buckets_days(self) -> tuple[int, ...] | None:
        """The aging buckets' upper bounds (parameters.aging_buckets_days), when configured."""
        value = self.parameters.get("aging_buckets_days")
        if value is None:
            return None
        if not isinstance(value, list) or not value or not all(isinstance(day, int) for day in value):
            raise ValueError(f"parameters.aging_buckets_days must be a list of whole days, not {value!r}")
        return tuple(value)

    def bound(self, names: set[str], snapshot_date, where: str) -> dict[str, object]:
        """The values of the `$names` a query uses; a name the configuration lacks is an error."""
        available = {**self.parameters, "snapshot_date": snapshot_date}
        missing = names - set(available)
        if missing:
            raise ValueError(
                f"{where} uses ${', $'.join(sorted(missing))}, which config/reconciliation.yaml "
                "(parameters) does not define"
            )
        return {name: available[name] for name in names}


def reconciliation_settings() -> ReconciliationSettings:
    path = Path(os.environ.get("TIEOUT_RECONCILIATION_CONFIG") or DEFAULT_FILE)
    values = yaml.safe_load(path.read_text()) or {}
    unknown = set(values) - {"parameters", "severity", "owner_queues", "checks"}
    if unknown:
        raise ValueError(f"{path}: unknown reconciliation settings {sorted(unknown)}")
    severity = values.get("severity", {})
    at_least = severity.get("at_least") or {}
    owners = values.get("owner_queues") or {}
    wrong = {code: level for code, level in at_least.items() if level not in SEVERITIES}
    wrong |= {code: queue for code, queue in owners.items() if queue not in QUEUES}
    if wrong:
        raise ValueError(f"{path}: unknown severities or queues {wrong}")
    checks = values.get("checks") or {}
    return ReconciliationSettings(
        parameters=dict(values.get("parameters") or {}),
        high=SeverityRule(**severity["high"]),
        medium=SeverityRule(**severity["medium"]),
        at_least=dict(at_least),
        owner_queues=dict(owners),
        **checks,
    )
