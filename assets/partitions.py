"""The nightly partitioning shared by every asset: one partition per snapshot (reconciliation) date."""

import os

from dagster import DailyPartitionsDefinition

nightly_partitions = DailyPartitionsDefinition(
    start_date=os.environ.get("TIEOUT_FIRST_SNAPSHOT_DATE", "2025-01-01"),
    timezone=os.environ.get("TIEOUT_TIMEZONE", "UTC"),
    end_offset=1,  # tonight's date is materializable before midnight, for a manual run
)
