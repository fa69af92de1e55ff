"""The nightly partitioning shared by every asset: one partition per snapshot date, the business day
that a night closes (the 02:00 run of the 21st reconciles the 20th)."""

import os

from dagster import DailyPartitionsDefinition

nightly_partitions = DailyPartitionsDefinition(
    start_date=os.environ.get("TIEOUT_FIRST_SNAPSHOT_DATE", "2025-01-01"),
    timezone=os.environ.get("TIEOUT_TIMEZONE", "UTC"),
)
