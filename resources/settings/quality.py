"""The validation stage's settings: config/quality.yaml, or the file $TIEOUT_QUALITY_CONFIG names.
Read on every run, so a changed threshold applies to the next night without a redeploy."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import Field

from resources.settings.base import CONFIG, FileSettings

Share = Annotated[float, Field(ge=0, le=1)]


class QualitySettings(FileSettings):
    default_file = CONFIG / "quality.yaml"
    file_setting = "quality_config"

    max_quarantine_share: Share = 0.05
    max_quarantine_share_by_object: dict[str, Share] = Field(default_factory=dict)
    earliest_date: date = date(2000, 1, 1)
    future_grace_days: int = Field(default=1, ge=0)
    failure_sample_rows: int = Field(default=20, ge=0)
    slice_records: int = Field(default=100_000, gt=0)
    contract_recheck: Literal["slice", "night"] = "slice"
    revalidate: Literal["changed", "night"] = "changed"

    def threshold(self, system: str, object_name: str) -> float:
        return float(self.max_quarantine_share_by_object.get(f"{system}/{object_name}", self.max_quarantine_share))
