"""Vendor-shaped identifiers: Harvest integers, per-realm QuickBooks numbers, 18-char Salesforce ids."""

from __future__ import annotations

import hashlib
import itertools
from collections import defaultdict

BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

# Harvest ids live in distinct ranges per object, as in a real account.
HARVEST_STARTS = {
    "clients": 5_100_001,
    "projects": 14_300_001,
    "users": 1_780_001,
    "tasks": 8_080_001,
    "task_assignments": 155_500_001,
    "user_assignments": 125_060_001,
    "time_entries": 636_700_001,
    "expenses": 15_290_001,
    "invoices": 13_150_001,
    "invoice_payments": 10_110_001,
    "line_items": 53_340_001,
}

# HubSpot numbers each object type on its own: companies around ten digits, deals eleven
HUBSPOT_STARTS = {"companies": 5_000_000_000, "deals": 10_000_000_000}


def salesforce_id(prefix: str, n: int) -> str:
    """Key prefix, pod, base-62 sequence, then the case-safe checksum suffix."""
    digits = ""
    while n:
        n, rest = divmod(n, 62)
        digits = BASE62[rest] + digits
    base = prefix + "5g0" + digits.rjust(9, "0")
    suffix = "".join(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"[sum(1 << i for i, c in enumerate(base[k : k + 5]) if c.isupper())]
        for k in (0, 5, 10)
    )
    return base + suffix


class Ids:
    """Every id sequence of the firm, so a record's id never depends on generation order elsewhere."""

    def __init__(self, seed: int = 0) -> None:
        self.seed = seed
        self._harvest = {name: itertools.count(start) for name, start in HARVEST_STARTS.items()}
        self._salesforce = {"001": itertools.count(1), "006": itertools.count(1)}
        self._quickbooks: dict[tuple[str, str], itertools.count] = defaultdict(lambda: itertools.count(1))
        self._hubspot: dict[str, itertools.count] = {}

    def harvest(self, object: str) -> int:
        return next(self._harvest[object])

    def account(self) -> str:
        return salesforce_id("001", next(self._salesforce["001"]))

    def opportunity(self) -> str:
        return salesforce_id("006", next(self._salesforce["006"]))

    def quickbooks(self, entity: str, object: str) -> str:
        return str(next(self._quickbooks[(entity, object)]))

    def hubspot(self, object: str) -> str:
        """A HubSpot record id (`companies` or `deals`): numeric, from a start derived from the seed, in
        the ranges a portal's ids have, so a rebuild gives the same ids."""
        if object not in self._hubspot:
            offset = int(hashlib.sha256(f"{self.seed}:hubspot:{object}".encode()).hexdigest()[:6], 16)
            self._hubspot[object] = itertools.count(HUBSPOT_STARTS[object] + offset * 1000)
        return str(next(self._hubspot[object]))
