"""Formula injection, neutralised in one place: text from the source systems that a spreadsheet
would take for a formula (or for a DDE payload) is written with a leading apostrophe."""

from __future__ import annotations

import re

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# A negative amount that tieout itself wrote into a numeric CSV column: a constant, not a formula.
PLAIN_NUMBER = re.compile(r"^-?[0-9]+(\.[0-9]+)?$")


def neutralise(text: str) -> str:
    """`text` as a spreadsheet shows it inertly: a value starting with `=`, `+`, `-`, `@`, tab or
    carriage return gets a leading `'` (OWASP's CSV injection advice); any other text is unchanged."""
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def is_live(cell: str) -> bool:
    """Whether a cell as read back from a file would be evaluated as a formula: what no file of a
    report may hold (a plain negative number is a constant)."""
    return cell.startswith(FORMULA_PREFIXES) and not PLAIN_NUMBER.match(cell)
