"""The firm's people (Harvest users, QuickBooks employees) and its task list."""

from __future__ import annotations

import random
import string
from datetime import date, timedelta
from decimal import Decimal

from .ids import Ids
from .model import Entity, Person, Task
from .names import FIRST, LAST

# role -> (default hourly rate in USD, cost rate share)
ROLES = {
    "Partner": (Decimal("350"), Decimal("0.45")),
    "Principal": (Decimal("275"), Decimal("0.45")),
    "Senior Consultant": (Decimal("210"), Decimal("0.5")),
    "Consultant": (Decimal("165"), Decimal("0.5")),
    "Analyst": (Decimal("120"), Decimal("0.55")),
}
CURRENCY_FACTOR = {"USD": Decimal("1"), "GBP": Decimal("0.8"), "EUR": Decimal("0.92")}
FIRM_DOMAIN = "meridian-advisory.example"
INITIALS = string.ascii_uppercase
TASKS = [
    ("Consulting", True, Decimal("0")),
    ("Project Management", True, Decimal("0")),
    ("Analysis", True, Decimal("0")),
    ("Internal Meeting", False, Decimal("0")),
    ("Training", False, Decimal("0")),
]


def build_people(rng: random.Random, count: int, entities: list[Entity], ids: Ids, as_of: date) -> list[Person]:
    """Consultants per entity plus one finance administrator (the invoices' creator) in the first entity."""
    people: list[Person] = []
    used: set[str] = set()
    for entity in entities:
        for k in range(count + (1 if entity is entities[0] else 0)):
            is_admin = entity is entities[0] and k == count
            first, last = _unique_name(rng, used)
            role = "Finance" if is_admin else rng.choice(list(ROLES))
            rate, cost_share = ROLES.get(role, (Decimal("0"), Decimal("0")))
            rate = (rate * CURRENCY_FACTOR[entity.currency]).quantize(Decimal("1"))
            person = Person(
                ids.harvest("users"),
                first,
                last,
                _email(first, last),
                role,
                entity,
                rate,
                (rate * cost_share).quantize(Decimal("1")),
                as_of - timedelta(days=rng.randint(600, 1500)),
                is_admin=is_admin,
            )
            person.qbo_id = ids.quickbooks(entity.code, "Employee")
            person.erp_email = person.email
            people.append(person)
    return people


def _unique_name(rng: random.Random, used: set[str]) -> tuple[str, str]:
    """A first and last name no one else has; once every pairing is taken, a middle initial tells
    people apart (as firms do), so a firm of thousands of consultants still has distinct names."""
    pairs = len(FIRST) * len(LAST)
    if len(used) == pairs * (1 + len(INITIALS)):
        raise ValueError(f"more people than the {len(used)} distinct names: fewer consultants")
    while True:
        first, last = rng.choice(FIRST), rng.choice(LAST)
        if len(used) >= pairs:
            first = f"{first} {rng.choice(INITIALS)}."
        if f"{first} {last}" not in used:
            used.add(f"{first} {last}")
            return first, last


def _email(first: str, last: str) -> str:
    """first.last@, a middle initial between them: ava.adler@, ava.b.adler@."""
    return ".".join(f"{first} {last}".replace(".", "").split()).lower() + f"@{FIRM_DOMAIN}"


def build_tasks(ids: Ids) -> list[Task]:
    return [Task(ids.harvest("tasks"), name, billable, rate) for name, billable, rate in TASKS]
