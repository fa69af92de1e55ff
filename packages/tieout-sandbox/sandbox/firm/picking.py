"""Choosing plant subjects: random but reproducible, and spread over records no other plant touched.

A firm with a legal entity on the on-premises ledger steers one subject of each pick into such an entity
when one qualifies (`prefer`), so that every plant the ledger can show is exercised there; without a
ledger entity the picks are what they always were."""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from typing import TypeVar

T = TypeVar("T")


def entity_of(subject: object) -> object | None:
    """The legal entity of a plant's subject: a customer's or person's own, an invoice's project's
    customer's, a project's customer's, an opportunity's account's (None for anything else)."""
    for path in (("entity",), ("project", "customer", "entity"), ("customer", "entity"), ("account", "entity")):
        found: object | None = subject
        for name in path:
            found = getattr(found, name, None)
        if found is not None:
            return found
    return None


class Picker:
    def __init__(
        self, rng: random.Random, counts: tuple[int, int], prefer: Callable[[object], bool] | None = None
    ) -> None:
        self.rng, self.counts, self.prefer = rng, counts, prefer
        self.used: set[int] = set()

    def how_many(self) -> int:
        return self.rng.randint(*self.counts)

    def pick(
        self,
        candidates: Sequence[T],
        n: int | None = None,
        where: Callable[[T], bool] = lambda _: True,
        steer: bool = True,
    ) -> list[T]:
        """Up to `n` subjects among `candidates` satisfying `where` that no plant touched yet; marks them used.
        `steer=False` leaves the firm's preference out of this pick."""
        n = self.how_many() if n is None else n
        pool = [c for c in candidates if where(c) and id(c) not in self.used]
        self.rng.shuffle(pool)
        if self.prefer is not None and steer and n > 0:  # a preferred subject goes first; no further draw
            first = next((k for k, c in enumerate(pool) if self.prefer(c)), None)
            if first:
                pool.insert(0, pool.pop(first))
        chosen = pool[:n]
        self.used.update(id(c) for c in chosen)
        return chosen
