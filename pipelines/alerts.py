"""The sensors that alert (resources/alerts.py): run failures and failed asset checks, so operations
know by morning whether last night worked."""

from __future__ import annotations

from dagster import (
    DagsterRunStatus,
    DefaultSensorStatus,
    RunFailureSensorContext,
    RunStatusSensorContext,
    run_failure_sensor,
    run_status_sensor,
)

from pipelines.failed_checks import blocking_failures, check_evaluations, check_name, step_errors
from pipelines.jobs import nightly_job
from resources.alerts import post_alert
from resources.settings.environment import AlertSettings


def _sensor_status() -> DefaultSensorStatus:
    return DefaultSensorStatus.RUNNING if AlertSettings.load().alert_webhook_url else DefaultSensorStatus.STOPPED


@run_failure_sensor(name="alert_on_run_failure", default_status=_sensor_status(), monitor_all_code_locations=False)
def alert_on_run_failure(context: RunFailureSensorContext) -> None:
    run = context.dagster_run
    partition = run.tags.get("dagster/partition", "")
    stopped_by = blocking_failures(context.instance, run.run_id) or step_errors(context.instance, run.run_id)
    reason = "\n".join(stopped_by) if stopped_by else context.failure_event.message
    post_alert(f":red_circle: tieout run `{run.job_name}` {partition} failed: {reason}")


@run_status_sensor(
    name="alert_on_failed_checks",
    run_status=DagsterRunStatus.SUCCESS,
    monitored_jobs=[nightly_job],
    default_status=_sensor_status(),
)
def alert_on_failed_checks(context: RunStatusSensorContext) -> None:
    """A run can succeed while a non-blocking check fails; finance still needs to know."""
    failed = [e for e in check_evaluations(context.instance, context.dagster_run.run_id) if not e.passed]
    if failed:
        names = ", ".join(check_name(e) for e in failed)
        partition = context.dagster_run.tags.get("dagster/partition", "")
        post_alert(f":warning: tieout night {partition}: {len(failed)} check(s) failed: {names}")
