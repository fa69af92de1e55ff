"""The deterministic sandbox firm: a consulting firm's Salesforce, Harvest and QuickBooks data, with planted
discrepancies and malformed records, and the manifest that says exactly what was planted."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from .manifest import Manifest
from .sizes import SIZES, Size, size_for

__all__ = ["build_sandbox", "Manifest", "SIZES", "Size", "size_for"]


def build_sandbox(directory: Path, size: str = "demo", seed: int = 20261120,
                  as_of: date = date(2026, 11, 20)) -> Manifest:
    """Create `directory/state.db` (replacing any old one) and `directory/manifest.json`.

    The same (size, seed, as_of) always gives byte-identical state and manifest.
    """
    from .build import build

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    return build(directory, size, seed, as_of)
