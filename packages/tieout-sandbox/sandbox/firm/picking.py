"""Choosing plant subjects: random but reproducible, and spread over records no other plant touched."""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from typing import TypeVar

T = TypeVar("T")


class Picker:
    def __init__(self, rng: random.Random, counts: tuple[int, int]):
        self.rng, self.counts = rng, counts
        self.used: set[int] = set()

    def how_many(self) -> int:
        return self.rng.randint(*self.counts)

    def pick(
        self, candidates: Sequence[T], n: int | None = None, where: Callable[[T], bool] = lambda _: True
    ) -> list[T]:
        """Up to `n` subjects among `candidates` satisfying `where` that no plant touched yet; marks them used."""
        n = self.how_many() if n is None else n
        pool = [c for c in candidates if where(c) and id(c) not in self.used]
        self.rng.shuffle(pool)
        chosen = pool[:n]
        self.used.update(id(c) for c in chosen)
        return chosen
