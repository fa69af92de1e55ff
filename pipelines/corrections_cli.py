"""`tieout corrections ...`: plan (dry run or into the outbox), list, approve, reject, write back.
Added to the `tieout` command by pipelines/cli.py."""

from __future__ import annotations

import getpass
import json
import sys
from datetime import UTC, date, datetime

from corrections.approval import approve_corrections, list_corrections, reject_corrections
from pipelines.arguments import calendar_date
from pipelines.exit_codes import EXIT_OK, EXIT_RUN_FAILED, EXIT_USAGE
from resources.settings.environment import ScheduleSettings, WarehouseSettings

SHOWN = (
    "correction_id",
    "code",
    "state",
    "policy",
    "target_system",
    "target_object",
    "record_id",
    "field",
    "value_before",
    "value_after",
    "note",
    "approved_by",
    "last_error",
)


def add_corrections_commands(subparsers) -> None:
    """Add `corrections` and its subcommands to the `tieout` parser's subparsers."""
    corrections = subparsers.add_parser("corrections", help="corrections pushed back to the source systems")
    commands = corrections.add_subparsers(dest="corrections_command", required=True)
    plan = commands.add_parser("plan", help="propose the night's corrections (a dry run unless --record)")
    plan.add_argument(
        "--date",
        type=calendar_date,
        help="snapshot date, YYYY-MM-DD (default yesterday in the firm's time zone)",
    )
    plan.add_argument("--record", action="store_true", help="put the proposals into the outbox")
    listing = commands.add_parser("list", help="the outbox")
    listing.add_argument("--state", action="append", help="only this state (repeatable)")
    listing.add_argument("--queue", action="append", help="only this owner queue (repeatable)")
    for name, text in (("approve", "approve proposed corrections"), ("reject", "reject proposed corrections")):
        command = commands.add_parser(name, help=text)
        command.add_argument("correction_ids", nargs="+")
        command.add_argument("--by", default=getpass.getuser(), help="who decides (default: the login name)")
        if name == "reject":
            command.add_argument("--reason", required=True)
    writeback = commands.add_parser("writeback", help="send approved corrections to their systems")
    writeback.add_argument("--dry-run", action="store_true", help="list what would be written; write nothing")
    writeback.add_argument(
        "--system",
        action="append",
        choices=["salesforce", "harvest", "quickbooks", "xero"],
        help="only this target system (repeatable; default all)",
    )
    corrections.set_defaults(handler=corrections_command)


def corrections_command(args) -> int:
    """Run one `tieout corrections` subcommand; print JSON lines."""
    warehouse = str(WarehouseSettings.load().database)
    if args.corrections_command == "list":
        return _print(list_corrections(warehouse, args.state, args.queue))
    if args.corrections_command in ("approve", "reject"):
        unknown = set(args.correction_ids) - {row["correction_id"] for row in list_corrections(warehouse)}
        if unknown:
            print(f"tieout: no such correction in the outbox: {', '.join(sorted(unknown))}", file=sys.stderr)
            return EXIT_USAGE
        if args.corrections_command == "approve":
            return _print(approve_corrections(warehouse, args.correction_ids, args.by))
        return _print(reject_corrections(warehouse, args.correction_ids, args.by, args.reason))
    from corrections.ownership import load_ownership
    from corrections.targets import targets_from_configured
    from pipelines.resources import build_resources

    ownership = load_ownership()
    if args.corrections_command == "plan":
        from corrections.plan import listing, plan_night, record_plan

        night = date.fromisoformat(args.date) if args.date else ScheduleSettings.load().last_night(datetime.now(UTC))
        targets = targets_from_configured(build_resources(), ownership, night)
        planned = plan_night(warehouse, night, targets.sources(), ownership)
        _print(listing(planned))
        if args.record:
            print(json.dumps({"recorded": record_plan(warehouse, night, planned)}))
        return EXIT_OK
    from corrections.writeback import drain, preview

    targets = targets_from_configured(build_resources(), ownership)
    chosen = {name: t for name, t in targets.by_system().items() if not args.system or name in args.system}
    if args.dry_run:
        return _print(preview(warehouse, chosen))
    report = drain(warehouse, chosen, ownership)
    print(json.dumps({"outcomes": report.outcomes, "stopped": report.stopped, "seconds": report.seconds}))
    return EXIT_RUN_FAILED if report.stopped else EXIT_OK


def _print(rows: list[dict]) -> int:
    for row in rows:
        print(json.dumps({k: row[k] for k in SHOWN if k in row} if "state" in row else row, default=str))
    return EXIT_OK
