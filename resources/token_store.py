"""The token store: the refresh token each vendor last issued (and the access token that came with it),
in one JSON file only its owner may read.

Intuit spends a refresh token on every refresh and issues the next one, so losing the response loses
the connection: the store is written atomically (a temporary file beside it, fsynced, renamed over it)
before the new access token is used, and every refresh happens under an exclusive lock on a file beside
it, so two steps or processes never both spend the same refresh token."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path


class TokenStore:
    """`{system: {refresh_token, seed, access_token, renew_after}}` in a 0600 file (seed: a fingerprint
    of the configured refresh token the entry descends from, never the token)."""

    def __init__(self, path: Path):
        self.path = path

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the store's lock (blocking until another holder lets go): read, refresh, write inside."""
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        descriptor = os.open(f"{self.path}.lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX)
            yield
        finally:
            os.close(descriptor)  # closing releases the lock

    def read(self, system: str) -> dict:
        try:
            return json.loads(self.path.read_text()).get(system, {})
        except FileNotFoundError:
            return {}

    def write(self, system: str, entry: dict) -> None:
        """Replace `system`'s entry: the file is whole before and after, never half written."""
        try:
            tokens = json.loads(self.path.read_text())
        except FileNotFoundError:
            tokens = {}
        text = json.dumps({**tokens, system: entry}, indent=2, sort_keys=True)
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        descriptor, temporary = tempfile.mkstemp(dir=self.path.parent, prefix=f".{self.path.name}.")  # 0600
        try:
            with os.fdopen(descriptor, "w") as file:
                file.write(text)
                file.flush()
                os.fsync(file.fileno())
            os.replace(temporary, self.path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        directory = os.open(self.path.parent, os.O_RDONLY)
        try:
            os.fsync(directory)  # the rename itself survives a crash
        finally:
            os.close(directory)
