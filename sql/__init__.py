"""The set-based SQL that tieout runs inside DuckDB, kept as files so it reads as SQL."""

from __future__ import annotations

import re
from pathlib import Path

SQL_DIR = Path(__file__).resolve().parent
IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)?$")


def load(name: str, **identifiers: str) -> str:
    """The text of `sql/<name>`, with `{placeholder}`s replaced by validated identifiers (table
    names come from tieout's own specs, never from data; values go in as bound parameters)."""
    text = (SQL_DIR / name).read_text()
    for placeholder, identifier in identifiers.items():
        if not IDENTIFIER.match(identifier):
            raise ValueError(f"not a plain SQL identifier: {identifier!r}")
        text = text.replace("{" + placeholder + "}", identifier)
    return text


PARAMETER = re.compile(r"\$([a-z_][a-z0-9_]*)")
LINE_COMMENT = re.compile(r"--[^\n]*")


def run_script(connection, text: str, parameters: dict | None = None) -> None:
    """Run each statement of a script, binding only the `$name` parameters it uses. Comments are
    dropped first (our SQL keeps `--` out of string literals), so a `;` in a comment is harmless."""
    parameters = parameters or {}
    for statement in LINE_COMMENT.sub("", text).split(";"):
        if statement.strip():
            used = {name: parameters[name] for name in PARAMETER.findall(statement)}
            connection.execute(statement, used)
