"""The reconciliation stage's settings: config/reconciliation.yaml, or the file
$TIEOUT_RECONCILIATION_CONFIG names. Read on every run, so a changed tolerance or owner applies to
the next night without a redeploy."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from resources.settings.base import CONFIG, FileModel, FileSettings

Severity = Literal["low", "medium", "high"]
Queue = Literal["finance", "pmo", "sales_ops"]


class SeverityRule(FileModel):
    money_at_risk: float = Field(ge=0)
    age_days: int = Field(ge=0)


class SeverityRules(FileModel):
    high: SeverityRule
    medium: SeverityRule
    at_least: dict[str, Severity] = Field(default_factory=dict)


class FindingChecks(FileModel):
    max_overnight_growth_factor: float = Field(default=2.0, gt=0)
    growth_check_min_previous: int = Field(default=20, ge=0)


class ReconciliationSettings(FileSettings):
    default_file = CONFIG / "reconciliation.yaml"
    file_setting = "reconciliation_config"

    parameters: dict[str, object] = Field(default_factory=dict)
    severity: SeverityRules
    owner_queues: dict[str, Queue] = Field(default_factory=dict)
    checks: FindingChecks = FindingChecks()

    @model_validator(mode="after")
    def whole_day_buckets(self) -> ReconciliationSettings:
        self.aging_buckets_days()
        return self

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
