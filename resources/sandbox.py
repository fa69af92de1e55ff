"""Where connectors find the sandbox firm when no real source system is configured.

The sandbox is its own package (packages/tieout-sandbox), installed for tests and the embedded default
but not in production: tieout never imports it, it imports what TIEOUT_EMBEDDED_SOURCES names, and only
when a source has no URL."""

from __future__ import annotations

import logging
import pkgutil
from collections.abc import Callable
from typing import Protocol

from dagster import ConfigurableResource

log = logging.getLogger("tieout.sandbox")

EMBEDDED_SOURCES = "sandbox.runtime:running_sandbox"


class EmbeddedSources(Protocol):
    """What a connector needs of the embedded default in place of a configured source."""

    def base_url(self, system: str) -> str: ...

    def credentials(self, system: str) -> dict: ...

    def legal_entities(self) -> list[dict]: ...


def embedded_sources(reference: str) -> Callable[[str, str], EmbeddedSources]:
    """The `module:attribute` that TIEOUT_EMBEDDED_SOURCES names: called with the sandbox directory and
    size, it returns the running emulators."""
    try:
        return pkgutil.resolve_name(reference)
    except (ImportError, AttributeError, ValueError) as exc:
        raise ValueError(
            f"TIEOUT_EMBEDDED_SOURCES={reference!r} cannot be loaded ({exc}): a source with no URL is served by "
            "the sandbox, so install it (packages/tieout-sandbox; scripts/setup does) or set every source's URL "
            "and credentials"
        ) from exc


class SandboxResource(ConfigurableResource):
    """The embedded default: what provides it (TIEOUT_EMBEDDED_SOURCES), the sandbox firm's directory and
    the size generated on first use."""

    embedded_sources: str = EMBEDDED_SOURCES
    directory: str = ".tieout/sandbox"
    size: str = "demo"

    def runtime(self) -> EmbeddedSources:
        return embedded_sources(self.embedded_sources)(self.directory, self.size)

    def resolve(self, system: str, base_url: str, **credentials: str) -> tuple[str, dict[str, str]]:
        """The configured endpoint and credentials; the sandbox emulator's when no URL is configured."""
        if base_url:
            return base_url, credentials
        runtime = self.runtime()
        log.info("no %s source configured: using the sandbox emulator at %s", system, runtime.base_url(system))
        return runtime.base_url(system), runtime.credentials(system)
