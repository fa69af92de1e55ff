"""What a source object's contract is made of: the fields it must carry (from which the typed frame
is flattened in SQL and the structural checks are derived) and a pandera DataFrameModel holding its
business rules. `Contract.schema` joins both into one pandera schema.

The typed frame has, per field `f`: `f` (the value in its type, NULL when absent, null, or of the
wrong JSON type), `f__type` (the JSON type as sent: `VARCHAR`, `DOUBLE`, `NULL`..., `UNPARSEABLE` for
a date string that is not a date, `ABSENT` when the key is missing) and `f__json` (the JSON literal
as sent where the typed value cannot stand for it, for reporting). Per reference: `f__resolves`
(NULL when `f` is). Plus `raw_row`, `entity`, `record_id`, `record_key`, the night's `horizon` and
`earliest` dates, and `in_cycle` for an object with a parent hierarchy.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable
from dataclasses import dataclass

import pandera.polars as pa
import polars as pl
from pandera.api.polars.types import PolarsData

from checks import rules

KINDS = ("text", "name", "number", "money", "integer", "boolean", "date", "timestamp", "ref", "currency")
JSON_TYPES = {
    "text": ("VARCHAR",),
    "name": ("VARCHAR",),
    "currency": ("VARCHAR",),
    "date": ("VARCHAR",),
    "timestamp": ("VARCHAR",),
    "boolean": ("BOOLEAN",),
    "integer": ("BIGINT", "UBIGINT"),
    "number": ("BIGINT", "UBIGINT", "DOUBLE"),
    "money": ("BIGINT", "UBIGINT", "DOUBLE"),
    "ref": ("VARCHAR", "BIGINT", "UBIGINT"),
}
SQL_TYPES = {
    "number": "DOUBLE",
    "money": "DOUBLE",
    "integer": "BIGINT",
    "boolean": "BOOLEAN",
    "date": "DATE",
    "timestamp": "TIMESTAMPTZ",
}
# How a date or timestamp is written: ISO 8601, or Microsoft's JSON date `/Date(<ms since the epoch>+0000)/`
# (Xero), whose milliseconds are UTC
DATE_FORMS = ("iso", "ms")
# How a number is written: as a JSON number ("iso", the default), or as a string holding one (HubSpot
# sends every property as a string): a string that is not a number is unparseable, an empty one null
NUMBER_FORMS = ("string",)
NUMERIC_KINDS = ("number", "money", "integer")
UNPARSEABLE, ABSENT = "UNPARSEABLE", "ABSENT"
JSON_TYPE_NAMES = ("NULL", "BOOLEAN", "BIGINT", "UBIGINT", "DOUBLE", "VARCHAR", "ARRAY", "OBJECT", UNPARSEABLE, ABSENT)


@dataclass(frozen=True)
class Field:
    """One field of a source object, by its JSON path in the vendor's payload (`project.id`)."""

    path: str
    kind: str
    required: bool = True
    past: bool = False  # a date something happened on: never after the snapshot date
    currency: str | None = None  # money: the column holding the document's currency
    max_length: int | None = None  # name: the vendor's limit
    name: str = ""  # the typed frame's column; the path with dots as underscores by default
    form: str = "iso"  # how the vendor writes it: dates and timestamps DATE_FORMS, numbers NUMBER_FORMS

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"unknown field kind {self.kind!r}")
        dated = self.kind in ("date", "timestamp") and self.form in DATE_FORMS
        numeric = self.kind in NUMERIC_KINDS and self.form in NUMBER_FORMS
        if self.form != "iso" and not (dated or numeric):
            raise ValueError(
                f"field {self.path}: form {self.form!r} is for dates and timestamps {DATE_FORMS} "
                f"or numbers {NUMBER_FORMS}"
            )
        if not self.name:
            object.__setattr__(self, "name", self.path.replace(".", "_"))

    @property
    def json_path(self) -> str:
        return "$." + ".".join(f'"{part}"' for part in self.path.split("."))

    @property
    def in_string(self) -> bool:
        """A number sent as a string."""
        return self.kind in NUMERIC_KINDS and self.form == "string"

    @property
    def json_types(self) -> tuple[str, ...]:
        """The JSON types its value may be sent as."""
        return (*JSON_TYPES[self.kind], "VARCHAR") if self.in_string else JSON_TYPES[self.kind]


@dataclass(frozen=True)
class Reference:
    """`field` must name a record of `object` in the same system (and legal entity); `fetch` copies
    the target's fields (column -> JSON path) into the frame for rules that compare with it."""

    field: str
    object: str
    fetch: dict[str, tuple[str, str]] = dataclasses.field(default_factory=dict)  # column -> (JSON path, SQL type)


@dataclass(frozen=True)
class Contract:
    system: str
    object: str
    id_path: str
    fields: tuple[Field, ...]
    model: type[pa.DataFrameModel]
    known: frozenset[str]  # every top-level key the vendor documents (anything else is schema drift)
    references: tuple[Reference, ...] = ()
    derived: dict[str, str] = dataclasses.field(default_factory=dict)  # column -> SQL expression over `payload`
    # a parent reference in the same object (a JSON path, or a `derived` column): `in_cycle` says if its chain loops
    parent: str | None = None

    @property
    def required_keys(self) -> list[str]:
        return sorted({f.path.split(".")[0] for f in self.fields if f.required})

    def path_of(self, column: str) -> str:
        """The vendor's name for a typed-frame column (what quarantine rows report)."""
        base = column.split("__")[0]
        if base in ("record_id", "record_key"):
            return self.id_path
        return next((f.path for f in self.fields if f.name == base), base)

    @functools.cached_property
    def schema(self) -> pa.DataFrameSchema:
        """The model's rules plus the structural ones every field and reference implies (built once: a
        night checks it slice by slice)."""
        schema = self.model.to_schema()
        checks = {f"{f.name}__type": structural_checks(f) for f in self.fields}
        checks.update({f.name: value_checks(f) for f in self.fields if f.kind in ("currency", "name")})
        checks.update(
            {
                f"{r.field}__resolves": [column_check(rules.REFERENCE_UNRESOLVED, lambda resolves: resolves)]
                for r in self.references
            }
        )
        for column, added in checks.items():
            if column in schema.columns:
                schema = schema.update_column(column, checks=[*schema.columns[column].checks, *added])
            else:
                schema = schema.add_columns({column: pa.Column(nullable=True, checks=added)})
        schema.checks = list(schema.checks) + [check for f in self.fields for check in frame_checks_of(f)]
        return schema


def holds(data: PolarsData, expression: pl.Expr) -> pl.LazyFrame:
    """A polars check's outcome: `expression` over the checked frame, one boolean a row; a null
    outcome passes (a value that is not there is the structural rules' to report)."""
    return data.lazyframe.select(expression.fill_null(True))


def column_check(name: str, test: Callable[[pl.Expr], pl.Expr], **options) -> pa.Check:
    """A check of one column: `test` turns the column's expression into the rows that pass."""
    return pa.Check(lambda data: holds(data, test(pl.col(data.key))), name=name, **options)


def frame_check(name: str, expression: pl.Expr) -> pa.Check:
    """A check across columns, named `<rule>:<column>` for the column it reports."""
    return pa.Check(lambda data: holds(data, expression), name=name)


def structural_checks(f: Field) -> list[pa.Check]:
    """Checks on one field's JSON type as sent: present, not null, of its kind, a date if one."""
    allowed = (*f.json_types, "NULL", UNPARSEABLE, ABSENT)

    def sent_as(test: Callable[[pl.Expr], pl.Expr]) -> Callable[[pl.Expr], pl.Expr]:
        return lambda column: test(column.cast(pl.String))

    checks = (
        [
            column_check(rules.FIELD_MISSING, sent_as(lambda t: t != ABSENT)),
            column_check(rules.VALUE_MISSING, sent_as(lambda t: t != "NULL")),
        ]
        if f.required
        else []
    )
    checks.append(column_check(rules.WRONG_TYPE, sent_as(lambda t: t.is_in(allowed))))
    if f.kind in ("date", "timestamp"):
        checks.append(column_check(rules.DATE_UNPARSEABLE, sent_as(lambda t: t != UNPARSEABLE)))
    if f.in_string:
        checks.append(column_check(rules.NUMBER_UNPARSEABLE, sent_as(lambda t: t != UNPARSEABLE)))
    return checks


def value_checks(f: Field) -> list[pa.Check]:
    """Checks on a text field's decoded value."""
    if f.kind == "currency":
        return [column_check(rules.CURRENCY_UNKNOWN, lambda c: c.is_in(sorted(rules.CURRENCIES)))]
    return text_checks(f.max_length) if f.kind == "name" else []


def text_checks(max_length: int | None) -> list[pa.Check]:
    checks = [
        column_check(rules.TEXT_UNREADABLE, lambda c: ~c.str.contains(rules.UNREADABLE)),
        column_check(rules.TEXT_LOOKS_LIKE_FORMULA, lambda c: ~c.str.contains(rules.FORMULA)),
        column_check(rules.TEXT_LOOKS_LIKE_SQL, lambda c: ~c.str.contains(rules.SQL)),
    ]
    if max_length:
        checks.append(column_check(rules.TEXT_TOO_LONG, lambda c: c.str.len_chars() <= max_length))
    return checks


def frame_checks_of(f: Field) -> list[pa.Check]:
    """Row checks that compare a field with another column; named `<rule>:<column>`."""
    checks = []
    moment = pl.col(f.name).cast(pl.Datetime("us"))
    if f.past:
        checks.append(frame_check(f"{rules.DATE_IN_FUTURE}:{f.name}", ~(moment > pl.col("horizon"))))
    if f.kind in ("date", "timestamp"):
        checks.append(frame_check(f"{rules.DATE_OUT_OF_WINDOW}:{f.name}", ~(moment < pl.col("earliest"))))
    if f.kind == "money" and f.currency:
        checks.append(frame_check(f"{rules.MONEY_PRECISION}:{f.name}", money_precision_ok(f.name, f.currency)))
    return checks


def money_precision_ok(column: str, currency: str) -> pl.Expr:
    """No more decimals sent than the currency has (a literal that is no number is another rule's)."""
    literal = pl.col(f"{column}__json")
    numeric = literal.is_not_null() & pl.col(column).is_not_null()
    return ~numeric | (rules.decimals_sent(literal) <= rules.minor_units(pl.col(currency)))


def one_of(column: str, allowed: tuple[str, ...]):
    """A model check that `column` holds one of the vendor's enumerated values (null is the structural rules')."""
    return pa.check(column, name=rules.STATUS_NOT_IN_ENUM)(
        lambda cls, data: holds(data, pl.col(data.key).is_in(allowed))
    )


def row_rule(name: str, expression: pl.Expr):
    """A model check across columns, named `<rule>:<column>` for the column it reports."""
    return pa.dataframe_check(name=name)(lambda cls, data: holds(data, expression))


class SourceRecord(pa.DataFrameModel):
    """Every source record: an id, unique within its object and legal entity."""

    record_id: str = pa.Field(nullable=True)
    record_key: str = pa.Field(nullable=True)

    # (inherited checks are reported under their method's name: the names are the rules')
    @pa.check("record_id", name=rules.ID_MISSING)
    def id_missing(cls, data: PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(pl.col(data.key).is_not_null())

    @pa.check("record_key", name=rules.ID_DUPLICATE)
    def id_duplicate(cls, data: PolarsData) -> pl.LazyFrame:
        return holds(data, ~pl.col(data.key).is_duplicated() | pl.col(data.key).is_null())

    class Config:
        strict = False
