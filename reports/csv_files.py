"""CSV files as Excel opens them: UTF-8 with a byte-order mark, CRLF lines, every text cell
neutralised, money with two decimals, dates ISO."""

from __future__ import annotations

import csv
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from reports.cells import neutralise
from reports.tables import Table


def cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, (date, datetime)):
        return value.isoformat(sep=" ") if isinstance(value, datetime) else value.isoformat()
    return neutralise(str(value))


def write_csv(path: Path, table: Table) -> None:
    with open(path, "w", newline="", encoding="utf-8-sig") as handle:
        writer = csv.writer(handle, quoting=csv.QUOTE_MINIMAL)
        writer.writerow([neutralise(name) for name in table.names])
        writer.writerows([cell(v) for v in row] for row in table.rows)
