"""What a password-guessing flood may cost. Sign-in attempts per user name and per client address are
counted over a window as they are admitted (so concurrent guesses cannot slip past the count); past
the limit, further tries are refused before any password is hashed until the oldest counted attempt
leaves the window. A right password takes its attempt back. At most a few argon2 checks run at once
(each takes argon2's 64 MiB: an unthrottled flood ran 40 at a time and took the portal to 2.18 GiB),
and the counters keep a bounded number of names and addresses."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field


@dataclass
class _Attempts:
    times: deque[float] = field(default_factory=deque)
    announced: bool = False  # this lock-out's first refusal has been reported


class AttemptWindow:
    """Attempt times per key within `window` seconds, for at most `max_keys` keys (the least recently
    tried key is forgotten first, so a flood of made-up names cannot grow it without bound)."""

    def __init__(self, limit: int, window: float, max_keys: int):
        self.limit, self.window, self.max_keys = limit, window, max_keys
        self._keys: OrderedDict[str, _Attempts] = OrderedDict()

    def _recent(self, key: str, now: float) -> _Attempts:
        attempts = self._keys.get(key) or _Attempts()
        while attempts.times and attempts.times[0] <= now - self.window:
            attempts.times.popleft()
        if len(attempts.times) < self.limit:
            attempts.announced = False
        return attempts

    def refusal(self, key: str, now: float) -> tuple[float, bool]:
        """Seconds until `key` may try again (0: it may now), and whether this is its lock-out's first refusal."""
        attempts = self._recent(key, now)
        if len(attempts.times) < self.limit:
            return 0.0, False
        first, attempts.announced = not attempts.announced, True
        self._keys[key] = attempts
        return attempts.times[0] + self.window - now, first

    def add(self, key: str, now: float) -> None:
        attempts = self._recent(key, now)
        attempts.times.append(now)
        self._keys[key] = attempts
        self._keys.move_to_end(key)
        while len(self._keys) > self.max_keys:
            self._keys.popitem(last=False)

    def take_back(self, key: str, at: float) -> None:
        attempts = self._keys.get(key)
        if attempts and at in attempts.times:
            attempts.times.remove(at)

    def clear(self, key: str) -> None:
        self._keys.pop(key, None)


@dataclass(frozen=True)
class Lockout:
    """A lock-out refusing its first attempt: what is locked (`user` or `address`), after how many
    attempts within how many seconds (its longest duration)."""

    kind: str
    key: str
    attempts: int
    seconds: float


@dataclass(frozen=True)
class Admission:
    wait: float  # seconds until a try is allowed; 0: admitted, counted at `at`
    at: float
    lockouts: tuple[Lockout, ...]  # lock-outs whose first refusal this is


class LoginThrottle:
    def __init__(
        self,
        per_user: int,
        per_address: int,
        window_seconds: float,
        concurrent_checks: int,
        clock: Callable[[], float] = time.time,
        max_keys: int = 10_000,
    ):
        self.clock = clock
        self._windows = {
            "user": AttemptWindow(per_user, window_seconds, max_keys),
            "address": AttemptWindow(per_address, window_seconds, max_keys),
        }
        self._lock = threading.Lock()
        self._checks = threading.BoundedSemaphore(concurrent_checks)

    def admit(self, user: str, address: str) -> Admission:
        """Count a sign-in attempt by this user name from this address, or refuse it."""
        now, keys = self.clock(), {"user": user, "address": address}
        with self._lock:
            refusals = {kind: self._windows[kind].refusal(keys[kind], now) for kind in keys}
            wait = max(seconds for seconds, _ in refusals.values())
            lockouts = tuple(
                Lockout(kind, keys[kind], self._windows[kind].limit, self._windows[kind].window)
                for kind, (_, first) in refusals.items()
                if first
            )
            if not wait:
                for kind, key in keys.items():
                    self._windows[kind].add(key, now)
        return Admission(wait, now, lockouts)

    def take_back(self, user: str, address: str, at: float, signed_in: bool = False) -> None:
        """Uncount an attempt whose password was right or never checked; a sign-in also clears the
        user's earlier failures (not the address's: one good account does not license guesses at others)."""
        with self._lock:
            self._windows["address"].take_back(address, at)
            if signed_in:
                self._windows["user"].clear(user)
            else:
                self._windows["user"].take_back(user, at)

    @contextmanager
    def password_check(self, wait_seconds: float = 30.0) -> Iterator[bool]:
        """One of the few slots for an argon2 check, waiting at most `wait_seconds` for it; yields
        False when none came free (the caller answers "busy" instead of hashing)."""
        taken = self._checks.acquire(timeout=wait_seconds)
        try:
            yield taken
        finally:
            if taken:
                self._checks.release()
