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


# Each source's URL setting and the credentials it cannot work without.
SOURCE_CREDENTIALS = {
    "TIEOUT_SALESFORCE_INSTANCE_URL": ("TIEOUT_SALESFORCE_ACCESS_TOKEN",),
    "TIEOUT_HARVEST_BASE_URL": ("TIEOUT_HARVEST_ACCOUNT_ID", "TIEOUT_HARVEST_ACCESS_TOKEN"),
    "TIEOUT_QUICKBOOKS_BASE_URL": ("TIEOUT_QUICKBOOKS_ACCESS_TOKEN",),
}


def check_sources() -> None:
    """A source URL set without its credentials is a configuration error, refused before a night
    starts rather than found by every request failing."""
    for url, needed in SOURCE_CREDENTIALS.items():
        missing = [name for name in needed if not os.environ.get(name)] if os.environ.get(url) else []
        if missing:
            raise ValueError(
                f"{url} is set without {' and '.join(missing)}: set them too, or unset it to use the sandbox"
            )
