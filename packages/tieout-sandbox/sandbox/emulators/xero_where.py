"""The `where` filter of Xero's Accounting API, for the expressions SDK users send.

Xero evaluates a .NET LINQ-like expression; emulated are comparisons of a (dotted) field with a
literal, `==`, `!=`, `<`, `<=`, `>`, `>=`, joined with `AND`/`&&` and `OR`/`||` (AND binds tighter):
`Type=="ACCREC" AND Status!="VOIDED"`, `IsCustomer==true`, `Contact.ContactID==Guid("...")`,
`Date>=DateTime(2026,01,01)`, `AmountDue>0`. Literals are strings, `true`/`false`, `null`, numbers,
`Guid("...")` and `DateTime(y,m,d[,h,m,s])`. Method calls (`Name.Contains("x")`), parentheses and
negation are not emulated: they are refused as a parse error, never silently ignored.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

MS_DATE = re.compile(r"/Date\((?P<ms>-?\d+)(?P<offset>[+-]\d{4})?\)/")
TOKEN = re.compile(
    r'\s*(?:(?P<string>"(?:[^"\\]|\\.)*")|(?P<call>(?:Guid|DateTime)\([^)]*\))'
    r"|(?P<op>==|!=|>=|<=|>|<|&&|\|\|)|(?P<word>-?\d+(?:\.\d+)?|[A-Za-z_][A-Za-z0-9_.]*))"
)
OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    "==": operator.eq,
    "!=": operator.ne,
    ">=": operator.ge,
    "<=": operator.le,
    ">": operator.gt,
    "<": operator.lt,
}
JOINS = {"AND": "AND", "&&": "AND", "OR": "OR", "||": "OR"}


class WhereError(ValueError):
    """An expression the filter cannot evaluate; Xero answers it with a QueryParseException."""


def parse_ms_date(text: str) -> datetime:
    """A `/Date(ms+hhmm)/` value as Xero serialises it, as an aware UTC datetime."""
    match = MS_DATE.fullmatch(text)
    if match is None:
        raise ValueError(f"not a /Date()/ value: {text!r}")
    return datetime.fromtimestamp(int(match["ms"]) / 1000, UTC)


def field_value(record: dict, dotted: str) -> object:
    """A record's field by a dotted path (`Contact.ContactID`); None when any step is missing."""
    value: object = record
    for part in dotted.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


@dataclass(frozen=True)
class Comparison:
    field: str
    op: str
    value: object

    def holds(self, record: dict) -> bool:
        actual = field_value(record, self.field)
        if isinstance(self.value, datetime) and isinstance(actual, str):
            actual = parse_ms_date(actual)
        elif isinstance(self.value, str) and isinstance(actual, str) and self.op in ("==", "!="):
            actual, value = actual.casefold(), self.value.casefold()  # Guids and codes compare regardless of case
            return OPERATORS[self.op](actual, value)
        if self.op not in ("==", "!=") and (actual is None or type(actual) is bool):
            return False
        try:
            return OPERATORS[self.op](actual, self.value)
        except TypeError:
            return False


@dataclass(frozen=True)
class Where:
    """A disjunction of conjunctions of comparisons."""

    any_of: tuple[tuple[Comparison, ...], ...]

    def matches(self, record: dict) -> bool:
        return any(all(c.holds(record) for c in conjunction) for conjunction in self.any_of)


def parse_where(text: str, fields: frozenset[str]) -> Where:
    """The expression as a `Where`; `fields` are the top-level fields the record type has."""
    tokens = _tokens(text)
    any_of: list[tuple[Comparison, ...]] = []
    conjunction: list[Comparison] = []
    while True:
        conjunction.append(_comparison(tokens, fields))
        if not tokens:
            break
        join = tokens.pop(0)[1]
        if join.upper() not in JOINS:
            raise WhereError(f"Operator '{join}' is not supported")
        if JOINS[join.upper()] == "OR":
            any_of.append(tuple(conjunction))
            conjunction = []
    any_of.append(tuple(conjunction))
    return Where(tuple(any_of))


def _tokens(text: str) -> list[tuple[str, str]]:
    tokens, position = [], 0
    while text[position:].strip():
        match = TOKEN.match(text, position)
        if match is None or match.lastgroup is None:
            raise WhereError(f"Syntax error '{text[position:].strip()[:20]}'")
        tokens.append((match.lastgroup, match[match.lastgroup]))
        position = match.end()
    return tokens


def _comparison(tokens: list[tuple[str, str]], fields: frozenset[str]) -> Comparison:
    if len(tokens) < 3:
        raise WhereError("Expression expected")
    (kind, field), (op_kind, op), literal = tokens.pop(0), tokens.pop(0), tokens.pop(0)
    if kind != "word" or not field[0].isalpha():
        raise WhereError(f"Expression expected at '{field}'")
    if field.split(".", 1)[0] not in fields:
        raise WhereError(f"No property or field '{field.split('.', 1)[0]}' exists")
    if op_kind != "op" or op not in OPERATORS:
        raise WhereError(f"Operator expected at '{op}'")
    return Comparison(field, op, _literal(*literal))


def _literal(kind: str, text: str) -> object:
    if kind == "string":
        return re.sub(r"\\(.)", r"\1", text[1:-1])
    if kind == "call":
        name, _, arguments = text[:-1].partition("(")
        if name == "Guid":
            return arguments.strip().strip('"')
        try:
            parts = [int(part) for part in arguments.split(",")]
            if not 3 <= len(parts) <= 6:
                raise ValueError(text)
            year, month, day, hour, minute, second = parts + [0] * (6 - len(parts))
            return datetime(year, month, day, hour, minute, second, tzinfo=UTC)
        except ValueError:
            raise WhereError(f"Invalid DateTime '{text}'") from None
    if kind == "word":
        words: dict[str, object] = {"true": True, "false": False, "null": None}
        if text.lower() in words:
            return words[text.lower()]
        try:
            return float(text)
        except ValueError:
            pass
    raise WhereError(f"Literal expected at '{text}'")
