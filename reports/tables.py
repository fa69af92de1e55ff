"""A report's content as typed tables, independent of the file format: the workbook's sheets and
the CSVs are written from the same `Table`s, so they cannot disagree."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

KINDS = ("text", "int", "money", "number", "date", "datetime", "amount_or_text")


@dataclass(frozen=True)
class Column:
    name: str
    kind: str = "text"
    width: int | None = None  # characters; None: fitted to the content

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"unknown column kind {self.kind!r}")


@dataclass
class Table:
    title: str
    columns: list[Column]
    rows: list[tuple] = field(default_factory=list)
    total_row: tuple | None = None  # shown bold under the rows; not counted as a row

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> list:
        position = self.names.index(name)
        return [row[position] for row in self.rows]


def typed(value, kind: str):
    """A warehouse value as the column's kind says (DuckDB gives Decimal for money, date for dates)."""
    if value is None:
        return None
    if kind == "money":
        return Decimal(value).quantize(Decimal("0.01"))
    if kind == "int":
        return int(value)
    if kind == "number":
        return float(value)
    if kind == "amount_or_text":
        return value if isinstance(value, Decimal) else str(value)
    if kind in ("date", "datetime"):
        if not isinstance(value, (date, datetime)):
            raise TypeError(f"not a date: {value!r}")
        return value
    return str(value)


def table_from_rows(title: str, columns: list[Column], records: list[dict]) -> Table:
    """A table of `records` (dicts keyed by column name), each value typed by its column."""
    return Table(title, columns, [tuple(typed(r.get(c.name), c.kind) for c in columns) for r in records])
