"""What stopped a night: the failed blocking checks of a run, in their own words (the object, its
quarantined share, the threshold and the rules broken most), and the errors of its failed steps (a
refused token refresh says what to do), for the CLI and the alerts alike. Dagster's own failure says
only which check or step failed."""

from __future__ import annotations

from dagster import AssetCheckEvaluation, DagsterEventType, DagsterInstance
from dagster._utils.error import SerializableErrorInfo


def check_evaluations(instance: DagsterInstance, run_id: str) -> list[AssetCheckEvaluation]:
    """Every asset check evaluated in the run, in order."""
    entries = instance.all_logs(run_id, of_type=DagsterEventType.ASSET_CHECK_EVALUATION)
    events = [entry.dagster_event.event_specific_data for entry in entries if entry.dagster_event]
    return [event for event in events if isinstance(event, AssetCheckEvaluation)]


def check_name(evaluation: AssetCheckEvaluation) -> str:
    return f"{evaluation.asset_key.to_user_string()}:{evaluation.check_name}"


def blocking_failures(instance: DagsterInstance, run_id: str) -> list[str]:
    """One line per blocking check that failed in the run: `asset:check: description`."""
    return [
        f"{check_name(e)}: {e.description}" for e in check_evaluations(instance, run_id) if e.blocking and not e.passed
    ]


def error_message(error: SerializableErrorInfo) -> str:
    """The step's own error: Dagster wraps an exception raised in an asset in one naming only the op."""
    while error.cls_name == "DagsterExecutionStepExecutionError" and error.cause is not None:
        error = error.cause
    return error.message.strip()


def step_errors(instance: DagsterInstance, run_id: str) -> list[str]:
    """Each distinct error message of the run's failed steps, first seen first."""
    entries = instance.all_logs(run_id, of_type=DagsterEventType.STEP_FAILURE)
    errors = [entry.dagster_event.step_failure_data.error for entry in entries if entry.dagster_event]
    return list(dict.fromkeys(error_message(error) for error in errors if error is not None))
