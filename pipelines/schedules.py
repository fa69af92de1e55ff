"""The nightly schedule: on in production (`TIEOUT_SCHEDULES=on`), off by default on a laptop."""

import os

from dagster import DefaultScheduleStatus, build_schedule_from_partitioned_job

from pipelines.jobs import nightly_job


def _status() -> DefaultScheduleStatus:
    return DefaultScheduleStatus.RUNNING if os.environ.get("TIEOUT_SCHEDULES") == "on" else DefaultScheduleStatus.STOPPED


nightly_schedule = build_schedule_from_partitioned_job(
    nightly_job,
    name="nightly_schedule",
    description="Each night, the night of the day that just ended (the latest complete partition).",
    hour_of_day=int(os.environ.get("TIEOUT_NIGHTLY_HOUR", "2")),
    minute_of_hour=int(os.environ.get("TIEOUT_NIGHTLY_MINUTE", "0")),
    default_status=_status(),
)
