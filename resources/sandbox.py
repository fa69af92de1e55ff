"""Where connectors find the sandbox firm when no real source system is configured."""

from __future__ import annotations

import logging

from dagster import ConfigurableResource

from sandbox.runtime import SandboxRuntime, running_sandbox

log = logging.getLogger("tieout.sandbox")


class SandboxResource(ConfigurableResource):
    """The embedded default: the sandbox firm's directory and the size generated on first use."""

    directory: str = ".tieout/sandbox"
    size: str = "demo"

    def runtime(self) -> SandboxRuntime:
        return running_sandbox(self.directory, self.size)

    def resolve(self, system: str, base_url: str, **credentials: str) -> tuple[str, dict[str, str]]:
        """The configured endpoint and credentials; the sandbox emulator's when no URL is configured."""
        if base_url:
            return base_url, credentials
        runtime = self.runtime()
        log.info("no %s source configured: using the sandbox emulator at %s", system, runtime.base_url(system))
        return runtime.base_url(system), runtime.credentials(system)
