"""Timestamps in each vendor's own format, all derived from the firm's dates (never the wall clock).

A firm has a few hundred thousand distinct moments and renders millions of stamps, so the
conversions are cached.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from functools import lru_cache

QBO_OFFSETS = {"US": -8, "UK": 0, "DE": 1}  # each company's local time, as QuickBooks reports it


@lru_cache(maxsize=1 << 18)
def at(day: date, minutes: int) -> datetime:
    """A UTC moment `minutes` after midnight of `day`."""
    return datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(minutes=minutes)


@lru_cache(maxsize=1 << 18)
def iso_utc(moment: datetime) -> str:
    """The store's `updated_at` form, and Harvest's own."""
    m = moment if moment.tzinfo is UTC else moment.astimezone(UTC)
    return f"{m.year:04d}-{m.month:02d}-{m.day:02d}T{m.hour:02d}:{m.minute:02d}:{m.second:02d}Z"


@lru_cache(maxsize=1 << 18)
def salesforce(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000+0000")


@lru_cache(maxsize=1 << 18)
def quickbooks(moment: datetime, entity: str) -> str:
    local = moment.astimezone(timezone(timedelta(hours=QBO_OFFSETS[entity])))
    return local.isoformat()


def month_start(day: date) -> date:
    return day.replace(day=1)


def next_month(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


def months_between(first: date, last: date) -> list[date]:
    """First days of the months from `first`'s month to `last`'s month, inclusive."""
    months, month = [], month_start(first)
    while month <= last:
        months.append(month)
        month = next_month(month)
    return months


def cutover_day(as_of: date) -> date:
    """A cutover entity's cutover date: the first day of the month two months before `as_of`'s."""
    month = as_of.year * 12 + as_of.month - 1 - 2
    return date(month // 12, month % 12 + 1, 1)
