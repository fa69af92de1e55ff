"""What stopped a night: the failed blocking checks of a run, in their own words (the object, its
quarantined share, the threshold and the rules broken most), for the CLI and the alerts alike.
Dagster's own failure says only which check failed."""

from __future__ import annotations

from dagster import DagsterEventType


def blocking_failures(instance, run_id: str) -> list[str]:
    """One line per blocking check that failed in the run: `asset:check: description`."""
    entries = instance.all_logs(run_id, of_type=DagsterEventType.ASSET_CHECK_EVALUATION)
    evaluations = [entry.dagster_event.event_specific_data for entry in entries]
    return [
        f"{e.asset_key.to_user_string()}:{e.check_name}: {e.description}"
        for e in evaluations
        if e.blocking and not e.passed
    ]
