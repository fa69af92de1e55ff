"""Argument types the `tieout` subcommands share, in a module of their own so that a subcommand's
parser (pipelines/corrections_cli.py) does not import the command that adds it."""

import argparse
from datetime import date


def calendar_date(text: str) -> str:
    """A --date, --from or --to value: a real day written YYYY-MM-DD (argparse names the option)."""
    try:
        return date.fromisoformat(text).isoformat()
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{text!r} is not a day written YYYY-MM-DD ({exc})") from None
