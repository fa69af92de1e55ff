"""`tieout portal ...`: serve the portal, or hash a password for config/portal.yaml."""

from __future__ import annotations

import argparse
import getpass
import sys


def add_portal_commands(subparsers) -> None:
    """Add `portal serve` and `portal hash-password` to the `tieout` command's subparsers; the parsed
    arguments carry `portal_main`, which runs the command and returns the exit code."""
    portal = subparsers.add_parser("portal", help="the report portal (web application on loopback)")
    commands = portal.add_subparsers(dest="portal_command", required=True)
    serve = commands.add_parser("serve", help="serve the portal (default 127.0.0.1:8765, config/portal.yaml)")
    serve.add_argument("--config", help="portal configuration (default $TIEOUT_PORTAL_CONFIG or config/portal.yaml)")
    serve.add_argument("--host", help="address to listen on (default the configuration's, 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port (default the configuration's, 8765)")
    hashing = commands.add_parser("hash-password", help="print an argon2 hash for a user's password_hash")
    hashing.add_argument("--stdin", action="store_true", help="read the password from standard input")
    portal.set_defaults(portal_main=portal_main)


def portal_main(args: argparse.Namespace) -> int:
    if args.portal_command == "hash-password":
        from portal.security import hash_password

        password = sys.stdin.readline().rstrip("\n") if args.stdin else getpass.getpass("password: ")
        if not password:
            print("tieout: an empty password cannot be hashed", file=sys.stderr)
            return 2
        print(hash_password(password))
        return 0
    from portal.config import load_config
    from portal.server import serve

    config = load_config(args.config)
    host, port = args.host or config.host, config.port if args.port is None else args.port
    print(
        f"tieout portal on http://{host}:{port} (reports {config.reports_dir}, audit log {config.audit_log})",
        flush=True,
    )
    serve(config, host, port)
    return 0
