"""A finding as the report shows it, beside the warehouse's columns: its age for aging, named for what
it is, and its expected and actual values as numbers where they are amounts.

Two ages: `age_days` (findings.md) counts the nights the finding has been open, so every finding is 0
on the first night; `aging_days` counts from the event (the invoice date, the time entry's date) or
from first seen if that is longer, and is what the aging buckets and severity use."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

AMOUNT = re.compile(r"^-?[0-9]+(\.[0-9]{1,2})?$")
COMPARED = ("expected_value", "actual_value")


def aging_days(finding: dict, snapshot_date: date) -> int:
    since_event = (snapshot_date - finding["event_date"]).days if finding.get("event_date") else 0
    return max(int(finding["age_days"]), since_event)


def amount_or_text(value: object) -> object:
    return Decimal(value) if isinstance(value, str) and AMOUNT.match(value) else value


def as_reported(finding: dict, snapshot_date: date) -> dict:
    """The finding with `aging_days`, and where money is concerned (it has an amount difference)
    its compared values as amounts: a spreadsheet sums them, and sorts 900 before 1,000."""
    money = finding.get("amount_difference") is not None
    return {
        **finding,
        **({name: amount_or_text(finding.get(name)) for name in COMPARED} if money else {}),
        "aging_days": aging_days(finding, snapshot_date),
    }
