"""Telling whether a new name looks like one already in use, without comparing it with every one of them.

difflib's ratio is 2 * matches / total length, and its matching blocks form a common subsequence, so
the longest common subsequence bounds it from above. That bound is computed for every name in use at
once (bit-parallel LCS, Hyyrö 2004, one machine word per name), and difflib runs only on the few names
the bound lets through: the same answers as comparing with all of them, in time that stays low as a
benchmark firm's names crowd each industry. A suffix that every name shares (the industry) adds its
length to every LCS, so the bound only walks what precedes it.
"""

from __future__ import annotations

from difflib import SequenceMatcher
from os.path import commonprefix

import numpy as np

THRESHOLD = 0.8
WORD = 64  # bits per name in the bound: longer names are compared one by one
ALL_ONES = np.uint64(2**WORD - 1)
LOW_BITS = np.array([2**k - 1 for k in range(WORD + 1)], dtype=np.uint64)


def alike(a: str, b: str) -> bool:
    matcher = SequenceMatcher(None, a, b)
    return (
        matcher.real_quick_ratio() >= THRESHOLD and matcher.quick_ratio() >= THRESHOLD and matcher.ratio() >= THRESHOLD
    )


class NamesInUse:
    """Names in use, each one a column of bit masks: where each character stands in it."""

    def __init__(self) -> None:
        self._names: list[str] = []  # one column of the arrays below each
        self._long: list[str] = []  # longer than a word
        self._rows: dict[str, int] = {}  # character -> its row of _positions
        self._positions = np.zeros((8, 64), dtype=np.uint64)  # [character, name]: bits where it stands
        self._lengths = np.zeros(64, dtype=np.int64)
        self._suffix = ""  # the end all of _names share

    def add(self, name: str) -> None:
        if len(name) > WORD:
            self._long.append(name)
            return
        n = len(self._names)
        rows = [self._rows.setdefault(char, len(self._rows)) for char in name]
        characters, capacity = self._positions.shape
        if len(self._rows) > characters or n == capacity:
            self._grow(max(characters, 2 * len(self._rows)), 2 * capacity if n == capacity else capacity)
        for i, row in enumerate(rows):
            self._positions[row, n] |= np.uint64(1 << i)
        self._lengths[n] = len(name)
        self._suffix = _common_suffix(self._suffix, name) if n else name
        self._names.append(name)

    def _grow(self, characters: int, capacity: int) -> None:
        positions = np.zeros((characters, capacity), dtype=np.uint64)
        positions[: self._positions.shape[0], : self._positions.shape[1]] = self._positions
        self._positions = positions
        self._lengths = np.resize(self._lengths, capacity)

    def any_alike(self, name: str) -> bool:
        """Whether `alike(name, other)` holds for any name in use."""
        if any(alike(name, other) for other in self._long):
            return True
        n = len(self._names)
        if not n:
            return False
        bound = 2.0 * self._common_subsequence(name, n) / (len(name) + self._lengths[:n])
        return any(alike(name, self._names[k]) for k in np.flatnonzero(bound >= THRESHOLD))

    def _common_subsequence(self, name: str, n: int) -> np.ndarray:
        """Length of the longest common subsequence of `name` with each of the first `n` names."""
        shared = len(_common_suffix(self._suffix, name))
        v, u, w = np.full(n, ALL_ONES), np.empty(n, dtype=np.uint64), np.empty(n, dtype=np.uint64)
        for char in name[: len(name) - shared]:
            row = self._rows.get(char)
            if row is not None:
                np.bitwise_and(v, self._positions[row, :n], out=u)
                np.add(v, u, out=w)
                np.subtract(v, u, out=v)
                np.bitwise_or(w, v, out=v)
        lengths = self._lengths[:n]
        return lengths - np.bitwise_count(v & LOW_BITS[lengths - shared])


def _common_suffix(a: str, b: str) -> str:
    return commonprefix([a[::-1], b[::-1]])[::-1]
