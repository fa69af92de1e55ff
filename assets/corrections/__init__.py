"""Corrections in Dagster: the `corrections/proposed` asset, the writeback and approval jobs, the
writeback schedule."""

from assets.corrections.jobs import approve_corrections_job, writeback, writeback_schedule
from assets.corrections.proposed import corrections_proposed

correction_assets = [corrections_proposed]
correction_jobs = [writeback, approve_corrections_job]
correction_schedules = [writeback_schedule]

__all__ = ["correction_assets", "correction_jobs", "correction_schedules"]
