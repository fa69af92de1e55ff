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


def run_script(connection, text: str, parameters: dict | None = None) -> None:
    """Run each statement of a script, binding only the `$name` parameters it uses."""
    parameters = parameters or {}
    for statement in text.split(";"):
        if not statement.strip() or all(line.strip().startswith("--") or not line.strip()
                                        for line in statement.splitlines()):
            continue
        used = {name: parameters[name] for name in PARAMETER.findall(statement)}
        connection.execute(statement, used)
