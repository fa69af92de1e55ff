"""Signing in and staying signed in: argon2 password checks, server-side sessions that expire, and a
CSRF token per session that every form carries back."""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from portal.config import User

HASHER = PasswordHasher()
# Checked when the user name is unknown, so that a wrong name costs as long as a wrong password.
_DUMMY_HASH = HASHER.hash(secrets.token_urlsafe(16))


def hash_password(password: str) -> str:
    return HASHER.hash(password)


def authenticate(users: dict[str, User], name: str, password: str) -> User | None:
    """The user if `password` is theirs, else None (unknown names take the same time)."""
    user = users.get(name)
    try:
        HASHER.verify(user.password_hash if user else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return None
    return user


@dataclass
class Session:
    """A visitor's session: anonymous (before sign-in, to carry the sign-in form's CSRF token) or a user's."""

    token: str
    csrf_token: str
    expires_at: float
    user: User | None = None
    flash: list[str] = field(default_factory=list)

    def csrf_ok(self, submitted: str | None) -> bool:
        return bool(submitted) and hmac.compare_digest(self.csrf_token.encode(), str(submitted).encode())


class SessionStore:
    """Sessions in the portal's memory, keyed by an unguessable token (the cookie's value). A
    restart signs everyone out, which a one-process loopback portal can afford."""

    def __init__(self, lifetime_seconds: float, clock: Callable[[], float] = time.time):
        self.lifetime, self.clock = lifetime_seconds, clock
        self._sessions: dict[str, Session] = {}
        self._lock = threading.Lock()

    def start(self, user: User | None = None) -> Session:
        """A new session (a fresh token and CSRF token: signing in never keeps the anonymous session's)."""
        session = Session(secrets.token_urlsafe(32), secrets.token_urlsafe(32), self.clock() + self.lifetime, user)
        with self._lock:
            now = self.clock()
            for token in [t for t, s in self._sessions.items() if s.expires_at <= now]:
                del self._sessions[token]
            self._sessions[session.token] = session
        return session

    def get(self, token: str | None) -> tuple[Session | None, bool]:
        """The live session of `token`, and whether it had expired (an expired one is ended)."""
        if not token:
            return None, False
        with self._lock:
            session = self._sessions.get(token)
            if session and session.expires_at <= self.clock():
                del self._sessions[token]
                return None, True
        return session, False

    def end(self, token: str | None) -> None:
        with self._lock:
            self._sessions.pop(token or "", None)
