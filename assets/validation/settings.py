"""The validation stage's settings: config/quality.yaml, or the file $TIEOUT_QUALITY_CONFIG names."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import yaml

DEFAULT_FILE = Path(__file__).resolve().parents[2] / "config" / "quality.yaml"


@dataclass(frozen=True)
class QualitySettings:
    max_quarantine_share: float = 0.05
    max_quarantine_share_by_object: dict[str, float] = field(default_factory=dict)
    earliest_date: date = date(2000, 1, 1)
    future_grace_days: int = 1
    failure_sample_rows: int = 20
    slice_records: int = 100_000

    def threshold(self, system: str, object_name: str) -> float:
        return float(self.max_quarantine_share_by_object.get(f"{system}/{object_name}", self.max_quarantine_share))


def quality_settings() -> QualitySettings:
    """Read on every run, so a changed threshold applies to the next night without a redeploy."""
    path = Path(os.environ.get("TIEOUT_QUALITY_CONFIG") or DEFAULT_FILE)
    if not path.exists():
        return QualitySettings()
    values = yaml.safe_load(path.read_text()) or {}
    unknown = set(values) - set(QualitySettings.__dataclass_fields__)
    if unknown:
        raise ValueError(f"{path}: unknown quality settings {sorted(unknown)}")
    if isinstance(values.get("earliest_date"), str):
        values["earliest_date"] = date.fromisoformat(values["earliest_date"])
    return QualitySettings(**values)
