"""The SOQL subset a Salesforce extractor and writeback need, parsed and run over stored records.

Supported: `SELECT f, ... | COUNT() FROM Obj [WHERE filter] [ORDER BY f [ASC|DESC]
[NULLS FIRST|LAST], ...] [LIMIT n]`. A filter is conditions joined by AND or by OR, a parenthesized
filter standing for a condition; like Salesforce, AND and OR are not mixed without parentheses
(`a AND b OR c` is refused at the OR). A condition is `field op literal` (=, !=, <, <=, >, >=) or
`field [NOT] IN (literal, ...)`. A field is the object's own, or a parent's through its relationships
(`Account.Name` on Opportunity, `Parent.Name` on Account), in SELECT, WHERE and ORDER BY. Like
Salesforce, keywords and field names are case-insensitive, text compares case-insensitively, and a
literal must match its field's type (a datetime is written unquoted, e.g. `SystemModstamp >
2026-11-20T10:00:00Z`). Anything else is a MALFORMED_QUERY.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple, NoReturn, Protocol

TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<string>'(?:[^'\\]|\\.)*')
  | (?P<datetime>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2}))
  | (?P<date>\d{4}-\d{2}-\d{2})
  | (?P<number>-?\d+(?:\.\d+)?)
  | (?P<name>[A-Za-z_][A-Za-z0-9_.]*)
  | (?P<op>!=|<>|<=|>=|=|<|>)
  | (?P<punct>[,()])
""",
    re.VERBOSE,
)

RANGE_COMPARISONS = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}
# The literal kind each Salesforce field type accepts in a filter, and the type name its errors use.
LITERAL_KIND = {
    "id": "string",
    "string": "string",
    "reference": "string",
    "url": "string",
    "picklist": "string",
    "textarea": "string",
    "boolean": "boolean",
    "double": "number",
    "currency": "number",
    "date": "date",
    "datetime": "datetime",
}
KIND_LABEL = {"string": "string", "boolean": "boolean", "number": "double", "date": "date", "datetime": "dateTime"}
# A literal's value, or a stored record's (JSON) value, as filters and sorts compare it; None is handled apart.
Scalar = str | float | bool | datetime


class SoqlError(ValueError):
    """A query Salesforce would refuse: `code` is its errorCode (MALFORMED_QUERY, INVALID_FIELD...)."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code, self.message = code, message


@dataclass(frozen=True)
class Token:
    kind: str
    text: str
    column: int  # 1-based, as Salesforce reports it


@dataclass(frozen=True)
class Literal:
    kind: str  # string | number | boolean | null | date | datetime
    value: Scalar | None


@dataclass(frozen=True)
class Condition:
    field: Token
    op: str  # a comparison, IN or NOT IN
    values: tuple[Literal, ...]


@dataclass(frozen=True)
class Junction:
    op: str  # AND | OR: Salesforce takes one of them per level of parentheses
    parts: tuple[Where, ...]


Where = Condition | Junction


@dataclass(frozen=True)
class Ordering:
    field: Token
    descending: bool
    nulls_last: bool


@dataclass(frozen=True)
class Query:
    fields: tuple[Token, ...]  # empty for SELECT COUNT()
    object: Token
    where: Where | None
    order_by: tuple[Ordering, ...]
    limit: int | None

    @property
    def count_only(self) -> bool:
        return not self.fields


def parse(text: str) -> Query:
    return _Parser(_tokens(text)).query()


def _tokens(text: str) -> list[Token]:
    tokens, at = [], 0
    while at < len(text):
        match = TOKEN.match(text, at)
        if match is None:
            raise SoqlError("MALFORMED_QUERY", f"ERROR at Row:1:Column:{at + 1}\nunexpected token: '{text[at]}'")
        kind = match.lastgroup
        assert kind is not None  # every alternative of TOKEN is a named group
        if kind != "space":
            tokens.append(Token(kind, match.group(), at + 1))
        at = match.end()
    return tokens


class _Parser:
    def __init__(self, tokens: list[Token]):
        self.tokens, self.at = tokens, 0

    def query(self) -> Query:
        self.keyword("SELECT")
        fields = self.select_list()
        self.keyword("FROM")
        obj = self.take("name")
        where = self.where() if self.accept("WHERE") else None
        order_by = self.order_by() if self.accept("ORDER") else ()
        limit = self.limit() if self.accept("LIMIT") else None
        if self.at < len(self.tokens):
            self.fail()
        return Query(fields, obj, where, order_by, limit)

    def limit(self) -> int:
        token = self.take("number")
        if not token.text.isdigit():
            self.fail(token)
        return int(token.text)

    def select_list(self) -> tuple[Token, ...]:
        if self.peek_keyword("COUNT"):
            self.at += 1
            self.punct("(")
            self.punct(")")
            return ()
        fields = [self.take("name")]
        while self.accept_punct(","):
            fields.append(self.take("name"))
        seen = set()
        for field in fields:
            if field.text.lower() in seen:
                raise SoqlError("MALFORMED_QUERY", f"duplicate field selected: {field.text}")
            seen.add(field.text.lower())
        return tuple(fields)

    def where(self) -> Where:
        """Terms joined by one operator: a different one next is left unread, so the query fails at it."""
        first = self.term()
        for op in ("AND", "OR"):
            if self.peek_keyword(op):
                parts = [first]
                while self.accept(op):
                    parts.append(self.term())
                return Junction(op, tuple(parts))
        return first

    def term(self) -> Where:
        if self.accept_punct("("):
            inner = self.where()
            self.punct(")")
            return inner
        return self.condition()

    def condition(self) -> Condition:
        field = self.take("name")
        negated = self.accept("NOT")
        if negated or self.accept("IN"):
            if negated:
                self.keyword("IN")
            self.punct("(")
            values = [self.literal()]
            while self.accept_punct(","):
                values.append(self.literal())
            self.punct(")")
            return Condition(field, "NOT IN" if negated else "IN", tuple(values))
        op = self.take("op").text
        return Condition(field, "!=" if op == "<>" else op, (self.literal(),))

    def literal(self) -> Literal:
        token = self.next()
        if token.kind == "string":
            return Literal("string", re.sub(r"\\(.)", r"\1", token.text[1:-1]))
        if token.kind == "number":
            return Literal("number", float(token.text))
        if token.kind == "datetime":
            return Literal("datetime", datetime.fromisoformat(token.text))
        if token.kind == "date":
            return Literal("date", token.text)
        if token.kind == "name" and token.text.lower() in ("true", "false", "null"):
            word = token.text.lower()
            return Literal("null", None) if word == "null" else Literal("boolean", word == "true")
        self.fail(token)

    def order_by(self) -> tuple[Ordering, ...]:
        self.keyword("BY")
        orderings = [self.ordering()]
        while self.accept_punct(","):
            orderings.append(self.ordering())
        return tuple(orderings)

    def ordering(self) -> Ordering:
        field = self.take("name")
        descending = self.accept("DESC")
        if not descending:
            self.accept("ASC")
        nulls_last = False
        if self.accept("NULLS"):
            nulls_last = self.accept("LAST")
            if not nulls_last:
                self.keyword("FIRST")
        return Ordering(field, descending, nulls_last)

    # -- token helpers ----------------------------------------------------------------
    def next(self) -> Token:
        if self.at >= len(self.tokens):
            raise SoqlError("MALFORMED_QUERY", "unexpected end of query")
        self.at += 1
        return self.tokens[self.at - 1]

    def take(self, kind: str) -> Token:
        token = self.next()
        if token.kind != kind:
            self.fail(token)
        return token

    def peek_keyword(self, word: str) -> bool:
        return (
            self.at < len(self.tokens)
            and self.tokens[self.at].kind == "name"
            and self.tokens[self.at].text.upper() == word
        )

    def accept(self, word: str) -> bool:
        if self.peek_keyword(word):
            self.at += 1
            return True
        return False

    def keyword(self, word: str) -> None:
        if not self.accept(word):
            self.fail(self.next())

    def accept_punct(self, char: str) -> bool:
        if self.at < len(self.tokens) and self.tokens[self.at].text == char:
            self.at += 1
            return True
        return False

    def punct(self, char: str) -> None:
        if not self.accept_punct(char):
            self.fail(self.next())

    def fail(self, token: Token | None = None) -> NoReturn:
        token = token or self.tokens[self.at]
        raise SoqlError("MALFORMED_QUERY", f"ERROR at Row:1:Column:{token.column}\nunexpected token: '{token.text}'")


# -- the objects a query names ------------------------------------------------------------
class Schema(Protocol):
    """The org as a query sees it: each object's fields and parent relationships, and the saved records."""

    def field_types(self, entity: str) -> Mapping[str, str]:
        """Each field's Salesforce type, by the field's own name."""
        ...

    def parents(self, entity: str) -> Mapping[str, tuple[str, str]]:
        """Each parent relationship by name (Account): its reference field (AccountId) and the parent object."""
        ...

    def record(self, entity: str, record_id: str) -> dict | None:
        """The saved, not deleted, record a reference points at."""
        ...


class Hop(NamedTuple):
    relationship: str  # Account, Parent
    field: str  # the reference field followed: AccountId, ParentId
    parent: str  # the object reached


@dataclass(frozen=True)
class FieldPath:
    """A field a query names: the object's own (no hops), or a parent's through relationships."""

    hops: tuple[Hop, ...]
    name: str
    type: str

    @property
    def text(self) -> str:
        return ".".join([*(h.relationship for h in self.hops), self.name])

    def rest(self) -> FieldPath:
        """The same field as seen from the first hop's parent."""
        return FieldPath(self.hops[1:], self.name, self.type)

    def value(self, record: dict, schema: Schema) -> Scalar | None:
        for hop in self.hops:
            reference = record.get(hop.field)
            parent = schema.record(hop.parent, reference) if reference else None
            if parent is None:
                return None
            record = parent
        return record.get(self.name)


# -- running a parsed query ---------------------------------------------------------------
def run(query: Query, records: list[dict], entity: str, schema: Schema) -> list[dict]:
    """The records of `entity` (in listing order) that match, ordered and limited; values stay as stored.

    Names in the query resolve to the schema's case-insensitively; an unknown one is INVALID_FIELD.
    """
    holds = _predicate(query.where, entity, schema) if query.where else None
    matched = [r for r in records if holds is None or holds(r)]
    for ordering in reversed(query.order_by):  # stable sorts, last key first
        path = resolve(ordering.field, entity, schema)
        values = [(path.value(r, schema), r) for r in matched]
        present = sorted(
            ((v, r) for v, r in values if v is not None),
            key=lambda pair: _comparable(pair[0], path.type),
            reverse=ordering.descending,
        )
        missing = [r for v, r in values if v is None]
        ordered = [r for _, r in present]
        matched = ordered + missing if ordering.nulls_last else missing + ordered
    return matched if query.limit is None else matched[: query.limit]


def id_lookup(query: Query) -> tuple[str, ...] | None:
    """The record Ids a query's WHERE requires (`Id = '...'` or `Id IN (...)`, alone or within an AND),
    for the emulator to read them from an index as Salesforce does; `run` still applies the whole WHERE.
    Only plain ASCII ids: the store's index compares them in any case, as `run` does."""
    parts: tuple[Where, ...] = (query.where,) if isinstance(query.where, Condition) else ()
    if isinstance(query.where, Junction) and query.where.op == "AND":
        parts = query.where.parts
    for part in parts:
        if isinstance(part, Condition) and part.field.text.lower() == "id" and part.op in ("=", "IN"):
            ids = tuple(str(v.value) for v in part.values if v.kind == "string")
            if len(ids) == len(part.values) and all(i.isascii() and i.isalnum() for i in ids):
                return ids
    return None


def _predicate(where: Where, entity: str, schema: Schema) -> Callable[[dict], bool]:
    if isinstance(where, Condition):
        path = resolve(where.field, entity, schema)
        _check_literals(path, where)
        return lambda record: _holds(path.value(record, schema), path.type, where)
    parts = [_predicate(part, entity, schema) for part in where.parts]
    combine = all if where.op == "AND" else any
    return lambda record: combine(part(record) for part in parts)


def resolve(field: Token, entity: str, schema: Schema) -> FieldPath:
    """The field as named, through any parent relationships, or Salesforce's INVALID_FIELD."""
    *relationships, last = field.text.split(".")
    hops = []
    for written in relationships:
        relationship = named(written, schema.parents(entity))
        if relationship is None:
            raise SoqlError(
                "INVALID_FIELD",
                f"ERROR at Row:1:Column:{field.column}\nDidn't understand relationship '{written}' in field "
                "path. If you are attempting to use a custom relationship, be sure to append the '__r' after "
                "the custom relationship name. Please reference your WSDL or the describe call for the "
                "appropriate names.",
            )
        reference, entity = schema.parents(entity)[relationship]
        hops.append(Hop(relationship, reference, entity))
    field_types = schema.field_types(entity)
    name = named(last, field_types)
    if name is None:
        raise SoqlError(
            "INVALID_FIELD",
            f"ERROR at Row:1:Column:{field.column}\nNo such column '{last}' on "
            f"entity '{entity}'. If you are attempting to use a custom field, be sure to append the "
            "'__c' after the custom field name. Please reference your WSDL or the describe call for "
            "the appropriate names.",
        )
    return FieldPath(tuple(hops), name, field_types[name])


def named(written: str, names: Iterable[str]) -> str | None:
    """The name as the schema spells it, for one written in any case (Salesforce's names are
    case-insensitive: objects, fields and relationships alike)."""
    return next((name for name in names if name.lower() == written.lower()), None)


def _check_literals(path: FieldPath, condition: Condition) -> None:
    kind = LITERAL_KIND[path.type]
    for literal in condition.values:
        if literal.kind not in (kind, "null"):
            quoting = "be enclosed in quotes" if kind == "string" else "not be enclosed in quotes"
            raise SoqlError(
                "INVALID_FIELD",
                f"ERROR at Row:1:Column:{condition.field.column}\nvalue of filter "
                f"criterion for field '{path.text}' must be of type {KIND_LABEL[kind]} and should {quoting}",
            )


def _holds(value: Scalar | None, field_type: str, condition: Condition) -> bool:
    wanted = [None if v.value is None else _comparable(v.value, field_type) for v in condition.values]
    actual = None if value is None else _comparable(value, field_type)
    if condition.op in ("IN", "NOT IN"):
        return (actual in wanted) == (condition.op == "IN")
    target = wanted[0]
    if condition.op in ("=", "!="):
        return (actual == target) == (condition.op == "=")
    if actual is None or target is None:
        return False
    return RANGE_COMPARISONS[condition.op](actual, target)


def _comparable(value: Scalar, field_type: str) -> Scalar:
    kind = LITERAL_KIND[field_type]
    if kind == "datetime":
        return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    if kind == "string":
        return str(value).casefold()
    if kind == "number":
        # only a datetime literal is a datetime, and _check_literals keeps those to datetime fields
        assert not isinstance(value, datetime)
        return float(value)
    return value
