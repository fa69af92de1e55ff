"""Where connectors find the sandbox firm when no real source system is configured."""

from __future__ import annotations

from dagster import ConfigurableResource

from sandbox.runtime import SandboxRuntime, running_sandbox


class SandboxResource(ConfigurableResource):
    """The embedded default: the sandbox firm's directory and the size generated on first use."""

    directory: str = ".tieout/sandbox"
    size: str = "demo"

    def runtime(self) -> SandboxRuntime:
        return running_sandbox(self.directory, self.size)
