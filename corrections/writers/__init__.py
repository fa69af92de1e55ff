"""What every vendor writer shares: values compared as text, per-correction outcomes, the sync log.

A writer (`Target`) reads the current value of each correction's field and writes a batch of
corrections within its vendor's limits; the drain loop (corrections/writeback.py) decides what to
send from what it reads."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Protocol

from corrections.outbox import Correction, now
from resources.http import RETRYABLE_STATUSES, SourceSystemError

MISSING = "\x00missing"  # the record is gone (deleted, or no longer visible)


def as_text(value) -> str | None:
    """A field's value as the outbox stores it: numbers with two decimals (they are money)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | Decimal):
        return f"{Decimal(str(value)).quantize(Decimal('0.01'))}"
    return str(value)


@dataclass
class Outcome:
    """What happened to one correction in one send."""

    correction_id: str
    ok: bool
    error: str | None = None
    retryable: bool = False  # transient: send again in a later drain
    superseded: bool = False  # the record changed under us (a stale SyncToken re-read)


@dataclass
class SyncEntry:
    correction_id: str
    target_system: str
    method: str
    url: str
    request_body: str | None
    status: int | None
    response_body: str | None
    error: str | None
    at: datetime = field(default_factory=now)

    def values(self) -> list:
        return [
            self.at,
            self.correction_id,
            self.target_system,
            self.method,
            self.url,
            self.request_body,
            self.status,
            self.response_body,
            self.error,
        ]


class SyncLog(list):
    """The sync log rows of one send, kept until the send's outcome is committed with them."""

    def add(
        self,
        corrections: list[Correction],
        system: str,
        method: str,
        url: str,
        body,
        status: int | None,
        response,
        error: str | None = None,
    ) -> None:
        request_text = None if body is None else json.dumps(body)
        response_text = None if response is None else json.dumps(response)[:4000]
        self.extend(
            SyncEntry(c.correction_id, system, method, url, request_text, status, response_text, error)
            for c in corrections
        )


def failed(corrections: list[Correction], exc: SourceSystemError) -> list[Outcome]:
    """Every correction of a request the vendor refused or never answered."""
    transient = exc.status is None or exc.status in RETRYABLE_STATUSES
    return [Outcome(c.correction_id, False, str(exc), retryable=transient) for c in corrections]


class Target(Protocol):
    """A vendor the writeback writes to."""

    system: str
    batch_size: int

    def current(self, corrections: list[Correction]) -> dict[str, str | None]:
        """correction_id -> the field's value now, as text (MISSING if the record is gone)."""

    def write(self, corrections: list[Correction], log: SyncLog) -> list[Outcome]:
        """Send the corrections (at most `batch_size`); one outcome per correction."""


def grouped(corrections: list[Correction], key) -> dict:
    """Corrections by `key(correction)`, in order of first appearance."""
    groups: dict = {}
    for c in corrections:
        groups.setdefault(key(c), []).append(c)
    return groups


def current_fields(
    read: Callable[[str, list[str], list[str]], dict[str, dict]],
    corrections: list[Correction],
    value: Callable[[dict, str], object] = dict.get,
) -> dict[str, str | None]:
    """Each correction's field as its record holds it now, for a vendor read by object and ids:
    `read(object_name, ids, fields)` gives the records that exist by id, `value(record, field)` the field
    (MISSING where the record is gone)."""
    values: dict[str, str | None] = {}
    for object_name, group in grouped(corrections, lambda c: c.target_object).items():
        records = read(object_name, [c.record_id for c in group], sorted({c.field for c in group}))
        for c in group:
            record = records.get(c.record_id)
            values[c.correction_id] = MISSING if record is None else as_text(value(record, c.field))
    return values
