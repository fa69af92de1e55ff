"""The nightly schedule: on in production (`TIEOUT_SCHEDULES=on`), off by default on a laptop."""

from dagster import PartitionKeyRange, RunRequest, build_schedule_from_partitioned_job

from assets.partitions import SCHEDULE, nightly_partitions
from pipelines.jobs import nightly_job

nightly_schedule = build_schedule_from_partitioned_job(
    nightly_job,
    name="nightly_schedule",
    description="Each night, the night of the day that just ended (the latest complete partition).",
    hour_of_day=SCHEDULE.nightly_hour,
    minute_of_hour=SCHEDULE.nightly_minute,
    default_status=SCHEDULE.status,
)


def nights(first: str, last: str) -> list[str]:
    """The nights from `first` to `last` (inclusive), oldest first. A date outside the nightly
    partitions, or a range that ends before it starts, is refused (naming the valid range) rather
    than silently run as nothing."""
    known = nightly_partitions.get_partition_keys()
    unknown = [key for key in dict.fromkeys((first, last)) if key not in set(known)]
    if unknown:
        raise ValueError(f"{', '.join(unknown)}: not a night that can run; nights run from {known[0]} to {known[-1]}")
    if first > last:
        raise ValueError(f"the range {first}..{last} ends before it starts")
    return list(nightly_partitions.get_partition_keys_in_range(PartitionKeyRange(first, last)))


def backfill_requests(first: str, last: str) -> list[RunRequest]:
    """One run request per night from `first` to `last` (inclusive), oldest first."""
    return [
        RunRequest(run_key=f"backfill-{key}", partition_key=key, tags={"tieout/backfill": f"{first}..{last}"})
        for key in nights(first, last)
    ]
