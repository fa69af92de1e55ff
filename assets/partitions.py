"""The nightly partitioning shared by every asset: one partition per snapshot date, the business day
that a night closes (the 02:00 run of the 21st reconciles the 20th)."""

from dagster import DailyPartitionsDefinition

from resources.settings.environment import ScheduleSettings

# read once: the partitions, the nightly schedule and the writeback schedule all keep to it
SCHEDULE = ScheduleSettings.load()
nightly_partitions = DailyPartitionsDefinition(
    start_date=SCHEDULE.first_snapshot_date.isoformat(), timezone=SCHEDULE.timezone
)
