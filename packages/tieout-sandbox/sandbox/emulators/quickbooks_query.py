"""The subset of QuickBooks Online's query language that tieout's connectors and tests speak.

`select * | <properties> | count(*) from <Entity> [where <cond> [and <cond>]...] [orderby <field>
[asc|desc]] [startposition N] [maxresults M]`, keywords case-insensitive, where a condition is
`<field> <op> <literal>` with op one of = < > <= >= in like, a literal a quoted string, number,
true/false or a parenthesised list. Like QBO: no OR, no projections (named properties are parsed and
whole entities returned), LIKE with `%` only, maxresults at most 1000 (default 100), startposition
1-based, and name-list entities hide inactive records unless the query names Active.
"""

from __future__ import annotations

import operator
import re
from dataclasses import dataclass
from datetime import UTC, datetime

MAX_RESULTS = 1000
DEFAULT_MAX_RESULTS = 100
ACTIVE_FILTERED = {"Customer", "Employee", "Item"}  # name lists: inactive records hidden by default
COMMON_FILTERABLE = {"Id", "MetaData.CreateTime", "MetaData.LastUpdatedTime"}
FILTERABLE = {
    "CompanyInfo": set(),
    "Preferences": set(),
    "Customer": {
        "Active",
        "DisplayName",
        "CompanyName",
        "GivenName",
        "FamilyName",
        "FullyQualifiedName",
        "PrimaryEmailAddr",
        "Balance",
        "Job",
        "ParentRef",
        "IsProject",
    },
    "Employee": {"Active", "DisplayName", "GivenName", "FamilyName", "PrimaryEmailAddr"},
    "Item": {"Active", "Name", "Type", "FullyQualifiedName", "Sku"},
    "Invoice": {"DocNumber", "TxnDate", "DueDate", "CustomerRef", "Balance", "TotalAmt"},
    "Payment": {"TxnDate", "CustomerRef", "TotalAmt"},
    "CreditMemo": {"DocNumber", "TxnDate", "CustomerRef", "TotalAmt"},
    "TimeActivity": {"TxnDate", "CustomerRef", "EmployeeRef", "BillableStatus"},
}
TIMESTAMP_FIELDS = {"MetaData.CreateTime", "MetaData.LastUpdatedTime"}
COMPARISONS = {"=": operator.eq, "<": operator.lt, ">": operator.gt, "<=": operator.le, ">=": operator.ge}
Scalar = str | float | bool | datetime  # a literal: quoted string (a datetime on a timestamp field), number, boolean

TOKEN = re.compile(
    r"\s*(?:(?P<string>'(?:[^'\\]|\\.)*')|(?P<op><=|>=|!=|=|<|>)|(?P<punct>[(),*])"
    r"|(?P<word>[A-Za-z_][\w.]*)|(?P<number>-?\d+(?:\.\d+)?))"
)


# the fields QuickBooks looks up by index (text in every entity that has them), by their JSON path
LOOKUP_PATHS = {"Id": "$.Id", "DocNumber": "$.DocNumber", "CustomerRef": "$.CustomerRef.value"}


class QuerySyntaxError(ValueError):
    """A query QBO would reject; `code` and the message follow QBO's fault (4000 parse, 4001 invalid)."""

    def __init__(self, detail: str, code: str = "4000"):
        super().__init__(detail)
        self.code = code


@dataclass(frozen=True)
class Condition:
    field: str
    op: str  # one of COMPARISONS, "in" or "like"
    value: Scalar | tuple[Scalar, ...]  # a tuple for "in", a pattern with % wildcards for "like"

    def matches(self, record: dict) -> bool:
        actual = field_value(record, self.field)
        if actual is None:
            return False
        if self.field in TIMESTAMP_FIELDS:
            actual = parse_timestamp(actual)
        try:
            if self.op == "like":
                assert isinstance(self.value, str)  # _condition gives LIKE a quoted pattern
                return _like_pattern(self.value).fullmatch(str(actual)) is not None
            if self.op == "in":
                assert isinstance(self.value, tuple)  # _condition gives "in" its parenthesised list
                return actual in tuple(_like(value, actual) for value in self.value)
            return COMPARISONS[self.op](actual, _like(self.value, actual))
        except (TypeError, ValueError):  # a literal that cannot compare with the stored value matches nothing
            return False


@dataclass(frozen=True)
class Query:
    entity: str
    count_only: bool = False
    conditions: tuple[Condition, ...] = ()
    order_by: str | None = None
    descending: bool = False
    start_position: int = 1
    max_results: int = DEFAULT_MAX_RESULTS

    def matches(self, record: dict) -> bool:
        if self.entity in ACTIVE_FILTERED and not any(c.field == "Active" for c in self.conditions):
            if record.get("Active", True) is not True:
                return False
        return all(condition.matches(record) for condition in self.conditions)

    def store_filter(self) -> tuple[str | None, bool]:
        """What the store can filter itself: a lower bound on its `updated_at` (ISO UTC, to the second,
        rounded down so it never drops a match), and whether that bound alone is the whole query
        filter and order, so the store can page too."""
        bounds = [
            (c.value, c.op)
            for c in self.conditions
            if c.field == "MetaData.LastUpdatedTime" and c.op in (">=", ">", "=") and isinstance(c.value, datetime)
        ]
        if not bounds:
            return None, not self.conditions and self.order_by is None and self.entity not in ACTIVE_FILTERED
        since, op = max(bounds)
        exact = (
            len(self.conditions) == 1
            and op == ">="
            and since.microsecond == 0
            and self.order_by is None
            and self.entity not in ACTIVE_FILTERED
        )
        return utc_iso(since), exact

    def lookup(self) -> tuple[str, tuple[str, ...]] | None:
        """A condition the store can answer from an index, as QuickBooks does: a text id, document
        number or customer reference equal to, or in, quoted literals (the JSON path and the values).
        The records it gives are then filtered by every condition as usual."""
        for c in self.conditions:
            if c.field not in LOOKUP_PATHS or c.op not in ("=", "in"):
                continue
            values = c.value if isinstance(c.value, tuple) else (c.value,)
            texts = tuple(v for v in values if isinstance(v, str))
            if texts and len(texts) == len(values):
                return LOOKUP_PATHS[c.field], texts
        return None

    def sort(self, records: list[dict]) -> list[dict]:
        order_by = self.order_by
        if order_by is None:
            return records
        return sorted(records, key=lambda r: _sort_key(field_value(r, order_by)), reverse=self.descending)


def field_value(record: dict, path: str):
    """The value at a dotted path; a reference (`CustomerRef`) compares by its `value`."""
    value: object = record
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    if isinstance(value, dict):
        value = value.get("value")
    return value


def parse_timestamp(text: str) -> datetime:
    """QBO accepts dates and date-times with or without an offset; naive ones are taken as UTC."""
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def utc_iso(moment: datetime) -> str:
    """The store's `updated_at` form."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _like(literal, actual):
    """QBO accepts quoted numbers (`Balance > '0'`): coerce a literal to the stored value's type."""
    if isinstance(actual, (int, float)) and not isinstance(actual, bool) and isinstance(literal, str):
        return float(literal)
    return literal


def _like_pattern(pattern: str) -> re.Pattern:
    """LIKE's only wildcard is `%` (any run of characters); text compares case-insensitively."""
    return re.compile(".*".join(re.escape(part) for part in pattern.split("%")), re.IGNORECASE | re.DOTALL)


def _sort_key(value):
    if isinstance(value, str) and value.isdigit():
        return (0, int(value), "")
    return (1, 0, "" if value is None else str(value))


class _Tokens:
    def __init__(self, text: str):
        self.items: list[tuple[str, str]] = []
        position, text = 0, text.strip()
        while position < len(text):
            match = TOKEN.match(text, position)
            if not match or match.end() == position:
                raise QuerySyntaxError(f'QueryParserError: Encountered " {text[position : position + 10]!r} "')
            kind = match.lastgroup
            assert kind is not None  # past the leading spaces, every alternative of TOKEN is a named group
            self.items.append((kind, match.group(kind)))
            position = match.end()
        self.index = 0

    def peek(self) -> str | None:
        return self.items[self.index][1] if self.index < len(self.items) else None

    def peek_keyword(self, *words: str) -> bool:
        token = self.peek()
        return token is not None and token.lower() in words

    def take(self, kind: str | None = None) -> str:
        if self.index >= len(self.items):
            raise QuerySyntaxError('QueryParserError: Encountered "<EOF>"')
        token_kind, token = self.items[self.index]
        if kind is not None and token_kind != kind:
            raise QuerySyntaxError(f'QueryParserError: Encountered " {token} "')
        self.index += 1
        return token

    def expect(self, *words: str) -> None:
        for word in words:
            token = self.take()
            if token.lower() != word:
                raise QuerySyntaxError(f'QueryParserError: Encountered " {token} " expected "{word}"')


def parse_query(text: str) -> Query:
    """Parse a QBO query, or raise QuerySyntaxError with QBO's wording."""
    tokens = _Tokens(text)
    tokens.expect("select")
    count_only = tokens.peek_keyword("count")
    if count_only:
        tokens.expect("count", "(", "*", ")")
    else:
        _select_list(tokens)
    tokens.expect("from")
    name = tokens.take("word")
    entity = {known.lower(): known for known in FILTERABLE}.get(name.lower())
    if entity is None:
        raise QuerySyntaxError(f"QueryParserError: Invalid context declaration : {name}")
    conditions: list[Condition] = []
    if tokens.peek_keyword("where"):
        tokens.take()
        conditions.append(_condition(tokens, entity))
        while tokens.peek_keyword("and"):
            tokens.take()
            conditions.append(_condition(tokens, entity))
        if tokens.peek_keyword("or"):
            raise QuerySyntaxError("QueryParserError: OR is not supported", "4000")
    order_by, descending = None, False
    if tokens.peek_keyword("orderby", "order"):
        if tokens.take().lower() == "order":
            tokens.expect("by")
        order_by = _field(tokens, entity)
        if tokens.peek_keyword("asc", "desc"):
            descending = tokens.take().lower() == "desc"
    start_position = _paging(tokens, "startposition", 1)
    max_results = _paging(tokens, "maxresults", DEFAULT_MAX_RESULTS)
    if tokens.peek() is not None:
        raise QuerySyntaxError(f'QueryParserError: Encountered " {tokens.peek()} "')
    if max_results > MAX_RESULTS:
        raise QuerySyntaxError(
            f"QueryValidationError: value {max_results} is too large. Max allowed value is {MAX_RESULTS}", "4001"
        )
    return Query(entity, count_only, tuple(conditions), order_by, descending, start_position, max_results)


def _select_list(tokens: _Tokens) -> None:
    """`*` or property names (`*, Sku` too): QBO parses them, but projections are not supported and
    every matching entity comes back whole."""
    while True:
        if tokens.peek() == "*":
            tokens.take()
        else:
            tokens.take("word")
        if tokens.peek() != ",":
            return
        tokens.take()


def _paging(tokens: _Tokens, keyword: str, default: int) -> int:
    if not tokens.peek_keyword(keyword):
        return default
    tokens.take()
    value = int(float(tokens.take("number")))
    if value < 1:
        raise QuerySyntaxError(f"QueryValidationError: {keyword} must be a positive integer", "4001")
    return value


def _field(tokens: _Tokens, entity: str) -> str:
    name = tokens.take("word")
    canonical = {f.lower(): f for f in COMMON_FILTERABLE | FILTERABLE[entity]}.get(name.lower())
    if canonical is None:
        raise QuerySyntaxError(f"QueryValidationError: property '{name}' is not queryable", "4001")
    return canonical


def _condition(tokens: _Tokens, entity: str) -> Condition:
    name = _field(tokens, entity)
    if tokens.peek_keyword("in"):
        tokens.take()
        tokens.expect("(")
        values = [_literal(tokens, name)]
        while tokens.peek() == ",":
            tokens.take()
            values.append(_literal(tokens, name))
        tokens.expect(")")
        return Condition(name, "in", tuple(values))
    if tokens.peek_keyword("like"):
        tokens.take()
        pattern = _literal(tokens, name)
        if not isinstance(pattern, str):
            raise QuerySyntaxError("QueryValidationError: LIKE needs a quoted pattern", "4001")
        return Condition(name, "like", pattern)
    op = tokens.take("op")
    if op not in COMPARISONS:
        raise QuerySyntaxError(f'QueryParserError: Encountered " {op} "')
    return Condition(name, op, _literal(tokens, name))


def _literal(tokens: _Tokens, field: str):
    kind, token = tokens.items[tokens.index] if tokens.peek() is not None else ("eof", "")
    tokens.take()
    if kind == "string":
        text = token[1:-1].replace("\\'", "'")
        if field in TIMESTAMP_FIELDS:
            try:
                return parse_timestamp(text)
            except ValueError:
                raise QuerySyntaxError(f"QueryValidationError: invalid date-time {text!r}", "4001") from None
        return text
    if field in TIMESTAMP_FIELDS:  # QuickBooks compares date-times with quoted ISO 8601 text only
        raise QuerySyntaxError(f"QueryValidationError: invalid date-time {token or '<EOF>'!r}", "4001")
    if kind == "number":
        return float(token)
    if kind == "word" and token.lower() in ("true", "false"):
        return token.lower() == "true"
    raise QuerySyntaxError(f'QueryParserError: Encountered " {token or "<EOF>"} "')
