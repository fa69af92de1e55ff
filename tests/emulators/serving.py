"""An emulator listening on loopback for one test, as every emulator test needs it."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TypeVar

from sandbox.emulators.base import Emulator

E = TypeVar("E", bound=Emulator)


@contextmanager
def served(emulator: E) -> Iterator[tuple[E, str]]:
    """The emulator and its base URL. Closing one waits out the server's 0.5 s shutdown poll, so it
    closes in the background rather than costing every test half a second."""
    running = emulator.serve()
    try:
        yield emulator, running.base_url
    finally:
        threading.Thread(target=running.close, daemon=True).start()
