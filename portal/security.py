"""Signing in and staying signed in: argon2 password checks, server-side sessions that expire and
survive a restart, and a CSRF token per session that every form carries back."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

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
    """Signed-in sessions in a SQLite file beside the audit log, so a restart or a second portal
    process keeps everyone signed in. The file holds a hash of each session's token (the cookie's
    value), never the token; a user removed from the configuration loses their sessions.

    Visitors who have not signed in get no row: the sign-in form's CSRF token is an HMAC of a random
    value in their cookie under this store's key, so a flood of visits costs nothing to keep."""

    def __init__(
        self, path: Path, lifetime_seconds: float, users: dict[str, User], clock: Callable[[], float] = time.time
    ):
        self.lifetime, self.users, self.clock = lifetime_seconds, users, clock
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600, exist_ok=True)
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._lock = threading.Lock()
        with self._lock:
            self._db.executescript(SCHEMA)
            if self._db.execute("SELECT count(*) FROM form_key").fetchone()[0] == 0:
                self._db.execute("INSERT INTO form_key VALUES (?)", [secrets.token_bytes(32)])
            (self._form_key,) = self._db.execute("SELECT key FROM form_key").fetchone()

    def visitor(self, nonce: str | None) -> Session:
        """The sign-in form's session for a visitor: nothing stored, its token is their cookie's nonce."""
        nonce = nonce if nonce and len(nonce) <= 64 else secrets.token_urlsafe(32)
        csrf = hmac.new(self._form_key, nonce.encode(), hashlib.sha256).hexdigest()
        return Session(nonce, csrf, self.clock() + self.lifetime)

    def start(self, user: User) -> Session:
        """A new signed-in session (a fresh token and CSRF token: never the visitor's)."""
        session = Session(secrets.token_urlsafe(32), secrets.token_urlsafe(32), self.clock() + self.lifetime, user)
        with self._lock:
            self._db.execute("DELETE FROM sessions WHERE expires_at <= ?", [self.clock()])
            self._db.execute(
                "INSERT INTO sessions VALUES (?, ?, ?, ?, '[]')",
                [_digest(session.token), user.name, session.csrf_token, session.expires_at],
            )
        return session

    def get(self, token: str | None) -> tuple[Session | None, bool]:
        """The live signed-in session of `token`, and whether it had expired (an expired one is ended)."""
        if not token:
            return None, False
        with self._lock:
            row = self._db.execute(
                "SELECT user_name, csrf_token, expires_at, flash FROM sessions WHERE token_hash = ?", [_digest(token)]
            ).fetchone()
            if row is None:
                return None, False
            name, csrf, expires_at, flash = row
            if expires_at <= self.clock() or name not in self.users:
                self._db.execute("DELETE FROM sessions WHERE token_hash = ?", [_digest(token)])
                return None, expires_at <= self.clock()
        return Session(token, csrf, expires_at, self.users[name], json.loads(flash)), False

    def save(self, session: Session) -> None:
        """Keep the messages a signed-in session carries to its next page."""
        if session.user is not None:
            with self._lock:
                self._db.execute(
                    "UPDATE sessions SET flash = ? WHERE token_hash = ?",
                    [json.dumps(session.flash), _digest(session.token)],
                )

    def end(self, token: str | None) -> None:
        with self._lock:
            self._db.execute("DELETE FROM sessions WHERE token_hash = ?", [_digest(token or "")])


SCHEMA = """
CREATE TABLE IF NOT EXISTS sessions (
    token_hash TEXT PRIMARY KEY, user_name TEXT NOT NULL, csrf_token TEXT NOT NULL,
    expires_at REAL NOT NULL, flash TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS form_key (key BLOB NOT NULL);
"""


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
