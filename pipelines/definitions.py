"""The tieout code location: what `dagster dev` (workspace.yaml) and the `tieout` command load."""

from dagster import Definitions, in_process_executor

from resources.settings import validate_settings


def _definitions() -> Definitions:
    """Every setting is checked before any module reads one (the partitions and schedules do, when
    imported), so a bad configuration fails the load naming each bad setting at once."""
    validate_settings()
    from assets.canonical import build_canonical_assets, canonical_checks, valid_source_keys
    from assets.corrections import correction_assets, correction_jobs, correction_schedules
    from assets.extraction import extraction_assets
    from assets.reconciliation import reconciliation_assets, reconciliation_checks
    from assets.reports import report_assets, report_checks
    from assets.retention import raw_retention
    from assets.validation import validation_assets, validation_checks
    from pipelines.alerts import alert_on_failed_checks, alert_on_run_failure
    from pipelines.jobs import nightly_job
    from pipelines.ledger_drop import ledger_drop_sensor
    from pipelines.resources import build_resources
    from pipelines.schedules import nightly_schedule

    return Definitions(
        assets=[
            *extraction_assets,
            *validation_assets,
            *build_canonical_assets(valid_source_keys()),
            *reconciliation_assets,
            *correction_assets,
            *report_assets,
            raw_retention,
        ],
        asset_checks=[*validation_checks, *canonical_checks, *reconciliation_checks, *report_checks],
        jobs=[nightly_job, *correction_jobs],
        schedules=[nightly_schedule, *correction_schedules],
        sensors=[alert_on_run_failure, alert_on_failed_checks, ledger_drop_sensor],
        resources=build_resources(),
        # One process per run: DuckDB admits one writing process, and a night's steps are I/O-bound on
        # the vendors' rate limits rather than CPU-bound (docs/decisions.md).
        executor=in_process_executor,
    )


defs = _definitions()
