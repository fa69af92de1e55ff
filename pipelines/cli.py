"""The `tieout` command line: a night, a backfill, corrections, the portal (the sandbox has its own,
`tieout-sandbox`). Exit codes scripts can rely on:
0 success, 1 the run failed, 2 the command was wrong."""

from __future__ import annotations

import argparse
import fcntl
import logging
import os
import shutil
import sys
import uuid
from datetime import UTC, date, datetime
from pathlib import Path

from pipelines.arguments import calendar_date
from pipelines.exit_codes import EXIT_INTERRUPTED, EXIT_OK, EXIT_RUN_FAILED, EXIT_USAGE

LOCAL_INSTANCE_CONFIG = Path(__file__).resolve().parents[1] / "deploy" / "local" / "dagster.yaml"


def _instance():
    """The Dagster instance in DAGSTER_HOME (defaulting under TIEOUT_HOME), so runs started here
    show in the UI. A new home gets deploy/local/dagster.yaml: its warehouse pool is what makes two
    overlapping runs take turns at DuckDB's single writer instead of failing on its file lock."""
    from dagster import DagsterInstance

    from resources.settings import home

    if not os.environ.get("DAGSTER_HOME"):
        os.environ["DAGSTER_HOME"] = str(home() / "dagster")
    dagster_home = Path(os.environ["DAGSTER_HOME"])
    dagster_home.mkdir(parents=True, exist_ok=True)
    # Two runs starting at once on a new home would both create its SQLite tables and one would fail
    # ("table ... already exists"): the config and the storage are set up under a lock on the home.
    with open(dagster_home / ".tieout-setup.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        config = dagster_home / "dagster.yaml"
        if not config.exists():
            shutil.copy(LOCAL_INSTANCE_CONFIG, config)
        instance = DagsterInstance.get()
        # the event log's index (with the pools' slots) is created on first use: use it now
        instance.event_log_storage.get_concurrency_keys()
    return instance


# How a step that Ctrl-C stopped ends: by Dagster's own SIGINT handler, or by the KeyboardInterrupt the
# warehouse raises for a query the signal reached (resources.warehouse.interruptions_kept).
INTERRUPTED = ("DagsterExecutionInterruptedError", "KeyboardInterrupt")


def run_nights(snapshot_dates: list[str], mode: str, refetch: bool = False) -> int:
    from pipelines.definitions import defs
    from pipelines.failed_checks import blocking_failures, error_message
    from pipelines.interrupts import InterruptGuard
    from pipelines.progress import StepProgress

    job = defs.resolve_job_def("nightly")
    instance = _instance()
    # On a terminal the progress bar and the closing lines below (the first error, what stopped the
    # night) are the output: Dagster's step tracebacks would break the bar. In a log file (cron, CI)
    # each asset's INFO line and every traceback are kept, not Dagster's DEBUG event stream.
    level = "CRITICAL" if sys.stderr.isatty() else "INFO"
    run_config = {**_extraction_config(mode, refetch), "loggers": {"console": {"config": {"log_level": level}}}}
    for position, snapshot_date in enumerate(snapshot_dates, start=1):
        print(f"[{position}/{len(snapshot_dates)}] night of {snapshot_date}: running", flush=True)
        run_id = str(uuid.uuid4())
        interrupted = f"interrupted: night {snapshot_date} not finished; run it again"
        try:
            with (
                StepProgress(instance, run_id, len(job.nodes_in_topological_order), f"night of {snapshot_date}"),
                InterruptGuard(instance, run_id) as guard,
            ):
                result = job.execute_in_process(
                    partition_key=snapshot_date,
                    instance=instance,
                    run_config=run_config,
                    raise_on_error=False,
                    run_id=run_id,
                )
        except KeyboardInterrupt:  # Ctrl-C between two steps, outside Dagster's own handler: the bar's
            print("\n" + interrupted, file=sys.stderr, flush=True)  # line may not be closed yet
            return EXIT_INTERRUPTED
        errors = [
            event.step_failure_data.error for event in result.get_step_failure_events() if event.step_failure_data.error
        ]
        if any(error.cls_name in INTERRUPTED for error in errors):  # Ctrl-C during a step
            print(interrupted, file=sys.stderr, flush=True)
            return EXIT_INTERRUPTED
        materialized = sum(1 for event in result.all_events if event.event_type_value == "ASSET_MATERIALIZATION")
        status = f"FAILED ({error_message(errors[0])})" if errors else "succeeded" if result.success else "FAILED"
        print(
            f"[{position}/{len(snapshot_dates)}] night of {snapshot_date}: {status}, "
            f"{materialized} assets materialized (run {result.run_id})",
            flush=True,
        )
        if not result.success:
            for line in blocking_failures(instance, result.run_id):
                print(f"stopped by {line}", flush=True)
            return EXIT_RUN_FAILED
        if guard.saw_ctrl_c and position < len(snapshot_dates):
            # Ctrl-C was lost and the night ended before it was sent again: the next nights are not started
            print(f"interrupted: nights from {snapshot_dates[position]} not run", file=sys.stderr, flush=True)
            return EXIT_INTERRUPTED
    from assets.reports.workbook import reports_root
    from reports.build import report_directory

    print(f"reports: {report_directory(reports_root(), date.fromisoformat(snapshot_dates[-1]))}", flush=True)
    return EXIT_OK


def migrate_command() -> int:
    """`tieout migrate`: bring the warehouse to this code's schema now and say what that took (a
    night's steps do the same on opening it). One whose history does not fit is refused."""
    import duckdb

    from resources.migrations import known_migrations, migrate
    from resources.settings.environment import WarehouseSettings

    database = WarehouseSettings.load().database
    database.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(database)) as connection:
        for migration in migrate(connection):
            print(f"applied {migration.label}", flush=True)
    print(f"warehouse {database}: at {known_migrations()[-1].label}", flush=True)
    return EXIT_OK


def _extraction_config(mode: str, refetch: bool = False) -> dict:
    """Run config forcing every extraction asset into `mode` (auto needs none), and asking it to
    refetch a past night in the name of the user running the command."""
    import getpass

    from assets.extraction import extraction_assets

    config: dict = {"mode": mode} if mode != "auto" else {}
    if refetch:
        config.update(refetch=True, requested_by=getpass.getuser())
    if not config:
        return {}
    return {"ops": {asset.op.name: {"config": config} for asset in extraction_assets}}


BACKFILL_NOTE = (
    "note: the vendors' APIs give only today's state. A night already stored is rebuilt from its "
    "stored snapshot; a night never extracted before a stored one is refused (run it with --refetch to "
    "store today's state under it); a night after the last stored one gets the sources as they are now."
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="tieout", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser("run", help="run the nightly pipeline for one snapshot date")
    run.add_argument(
        "--date",
        type=calendar_date,
        help="snapshot date, YYYY-MM-DD (default yesterday in the firm's time zone, the day the night closes)",
    )
    run.add_argument(
        "--mode",
        choices=["auto", "full", "incremental"],
        default="auto",
        help="extraction mode (auto: incremental with a periodic full sweep)",
    )
    run.add_argument(
        "--refetch",
        action="store_true",
        help="fetch a past night again from the sources as they are now (logged with your user name; the "
        "stored snapshot is kept in raw.superseded_snapshots); without it a night with a later one is kept",
    )

    backfill = commands.add_parser("backfill", help="run the nightly pipeline for each date of a range, in order")
    backfill.add_argument("--from", dest="start", type=calendar_date, required=True, help="first date, YYYY-MM-DD")
    backfill.add_argument("--to", dest="end", type=calendar_date, required=True, help="last date, YYYY-MM-DD")
    backfill.add_argument("--mode", choices=["auto", "full", "incremental"], default="auto")

    commands.add_parser("migrate", help="upgrade the warehouse to this release's schema (a night's steps do it too)")

    from pipelines.corrections_cli import add_corrections_commands
    from portal.cli import add_portal_commands

    add_corrections_commands(commands)
    add_portal_commands(commands)

    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:
        return EXIT_USAGE if exit_.code else EXIT_OK
    # on a terminal a night's progress bar is the output: only warnings may interrupt it
    quiet = args.command in ("run", "backfill") and sys.stderr.isatty()
    logging.basicConfig(
        level=logging.WARNING if quiet else logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s"
    )
    try:
        from resources.settings import validate_settings  # here: `tieout --help` needs no Dagster

        validate_settings()
        if args.command in ("run", "backfill"):
            from pipelines.schedules import nights
            from resources.settings.environment import ScheduleSettings

            if args.command == "run":
                night = args.date or ScheduleSettings.load().last_night(datetime.now(UTC)).isoformat()
                first, last = night, night
            else:
                first, last = args.start, args.end
                print(BACKFILL_NOTE, flush=True)
            return run_nights(nights(first, last), args.mode, getattr(args, "refetch", False))
        if args.command == "migrate":
            return migrate_command()
        if args.command == "portal":
            return args.portal_main(args)
        return args.handler(args)
    except ValueError as exc:
        print(f"tieout: {exc}", file=sys.stderr)
        return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
