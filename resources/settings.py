"""Every connection setting is configuration: an environment variable when set, else a documented
default that points at the embedded sandbox. The README's settings table lists them all."""

from __future__ import annotations

import os
from pathlib import Path

from dagster import EnvVar


def home() -> Path:
    """Where the embedded default keeps its warehouse, sandbox and Dagster storage."""
    return Path(os.environ.get("TIEOUT_HOME", ".tieout")).resolve()


def setting(name: str, default: str = "") -> str | EnvVar:
    """`EnvVar(name)` when the variable is set (so secrets stay out of the run config shown in the
    UI), else the default."""
    return EnvVar(name) if os.environ.get(name) else default
