"""The `tieout-sandbox` command line: generate the sandbox firm (`--erp UK=xero` puts a legal entity on
Xero, `--erp DE=ledger` in the on-premises ledger database, `--crm DE=hubspot` a business unit's
customers in HubSpot, `--cutover DE=xero` moves a legal entity from QuickBooks to Xero two months before
the firm's as_of), or serve its vendor emulators for poking at with curl. Exit codes: 0 success, 2 the
command was wrong."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import threading
from pathlib import Path

from sandbox.emulators.salesforce import CUSTOM_FIELDS, rename_custom_fields
from sandbox.firm import build_sandbox, size_for
from sandbox.firm.customers import CRMS, ERPS
from sandbox.runtime import running_sandbox
from sandbox.store import SandboxStore

SYSTEMS = ("salesforce", "harvest", "quickbooks", "xero", "hubspot")
EXIT_OK, EXIT_USAGE = 0, 2


def default_directory() -> Path:
    """Where tieout's embedded default looks for the firm (TIEOUT_SANDBOX_DIR, else under TIEOUT_HOME),
    read here rather than from tieout's settings: the sandbox imports nothing of tieout."""
    home = Path(os.environ.get("TIEOUT_HOME", ".tieout"))
    return Path(os.environ.get("TIEOUT_SANDBOX_DIR") or home / "sandbox").resolve()


def custom_field(text: str) -> tuple[str, str]:
    holds, _, name = text.partition("=")
    if holds not in CUSTOM_FIELDS or not name.isidentifier():
        raise argparse.ArgumentTypeError(f"expected HOLDS=NAME with HOLDS one of {', '.join(CUSTOM_FIELDS)}")
    return holds, name


def entity_erp(text: str) -> tuple[str, str]:
    code, _, erp = text.partition("=")
    if not code or erp not in ERPS:
        raise argparse.ArgumentTypeError(f"expected CODE=ERP with ERP one of {', '.join(ERPS)}, e.g. UK=xero")
    return code, erp


def entity_crm(text: str) -> tuple[str, str]:
    code, _, crm = text.partition("=")
    if not code or crm not in CRMS:
        raise argparse.ArgumentTypeError(f"expected CODE=CRM with CRM one of {', '.join(CRMS)}, e.g. DE=hubspot")
    return code, crm


def build(args: argparse.Namespace) -> int:
    directory = Path(args.dir) if args.dir else default_directory()
    try:
        erps, crms, cutovers = dict(args.erp or []), dict(args.crm or []), dict(args.cutover or [])
        manifest = build_sandbox(
            directory, size=args.size, seed=args.seed, clean=args.clean, erps=erps, crms=crms, cutovers=cutovers
        )
    except ValueError as exc:  # an unknown legal entity, or a cutover from another ERP than QuickBooks
        print(f"tieout-sandbox: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if args.salesforce_field:
        rename_custom_fields(SandboxStore(directory / "state.db"), dict(args.salesforce_field))
    print(f"sandbox firm ({args.size}, seed {args.seed}) written to {directory}")
    print(f"planted discrepancies: {len(manifest.findings)}, malformed records: {len(manifest.malformed)}")
    return EXIT_OK


def serve(args: argparse.Namespace) -> int:
    ports = {system: getattr(args, f"{system}_port") for system in SYSTEMS}
    runtime = running_sandbox(Path(args.dir) if args.dir else default_directory(), args.size, ports)
    # Xero serves the legal entities a mixed firm puts on it: listed only when the firm has one
    on_xero = any(e.get("erp") == "xero" for e in runtime.legal_entities())
    served = [s for s in SYSTEMS if (s != "xero" or on_xero) and s in runtime.emulators]  # HubSpot: a unit on it
    served += ["ledger"] if runtime.has_ledger() else []  # a database file, not an emulator: its URL
    for system in served:  # the sandbox's own test credentials only
        print(f"{system}: {runtime.base_url(system)} {json.dumps(runtime.credentials(system))}", flush=True)
    try:
        print("serving; Ctrl-C stops", flush=True)
        threading.Event().wait()
    except KeyboardInterrupt:
        print("stopped", flush=True)
    return EXIT_OK


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="tieout-sandbox", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    for name, text, handler in (
        ("build", "generate the sandbox firm (replacing any)", build),
        ("serve", "serve the sandbox's vendor emulators on loopback", serve),
    ):
        command = commands.add_parser(name, help=text)
        command.set_defaults(handler=handler)
        command.add_argument(
            "--size", default="demo", help="small, demo, large or benchmark, optionally scaled as <size>:<factor>"
        )
        command.add_argument("--dir", help="sandbox directory (default $TIEOUT_SANDBOX_DIR or .tieout/sandbox)")
        command.add_argument("--seed", type=int, default=20261120)
    commands.choices["build"].add_argument(
        "--salesforce-field",
        action="append",
        type=custom_field,
        metavar="HOLDS=NAME",
        help=f"name a Salesforce custom field otherwise, e.g. legal_entity=Entity_Code__c ({', '.join(CUSTOM_FIELDS)})",
    )
    commands.choices["build"].add_argument(
        "--erp",
        action="append",
        type=entity_erp,
        metavar="CODE=ERP",
        help="put a legal entity on another ERP, e.g. UK=xero or DE=ledger (the on-premises ledger: ledger.db and "
        "ledger-drop/ beside the state; repeatable; the others stay on QuickBooks)",
    )
    commands.choices["build"].add_argument(
        "--crm",
        action="append",
        type=entity_crm,
        metavar="CODE=CRM",
        help="keep a legal entity's customers in another CRM, e.g. DE=hubspot (repeatable; the others stay in "
        "Salesforce)",
    )
    commands.choices["build"].add_argument(
        "--cutover",
        action="append",
        type=entity_erp,
        metavar="CODE=ERP",
        help="move a QuickBooks legal entity to another ERP on the first day of the month two months before the "
        "firm's as_of, e.g. DE=xero (repeatable): its older documents stay in QuickBooks, its open items are migrated",
    )
    commands.choices["build"].add_argument(
        "--clean", action="store_true", help="plant no discrepancy: a night of this firm must find nothing"
    )
    for system in SYSTEMS:
        commands.choices["serve"].add_argument(
            f"--{system}-port", type=int, default=0, help=f"{system} emulator's port (default: a free one)"
        )

    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:
        return EXIT_USAGE if exit_.code else EXIT_OK
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    try:
        size_for(args.size)  # an unknown size is a usage error, before any work
    except ValueError as exc:
        print(f"tieout-sandbox: {exc}", file=sys.stderr)
        return EXIT_USAGE
    return args.handler(args)


if __name__ == "__main__":
    sys.exit(main())
