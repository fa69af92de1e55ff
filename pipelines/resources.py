"""The resources of the code location, configured from the settings (see README, Settings)."""

from resources.connectors import CONNECTORS
from resources.sandbox import SandboxResource
from resources.settings.environment import SourcesSettings, WarehouseSettings
from resources.warehouse import WarehouseResource


def build_resources() -> dict:
    store, sources = WarehouseSettings.load(), SourcesSettings.load()
    sandbox = SandboxResource(
        embedded_sources=sources.embedded_sources,
        directory=str(sources.sandbox_dir or store.root / "sandbox"),
        size=sources.sandbox_size,
    )
    token_store = sources.token_store or store.root / "tokens.json"
    return {
        "warehouse": WarehouseResource(database=str(store.database), memory_limit=store.warehouse_memory_limit),
        **{
            system: connector(**sources.of_resource(system), token_store=str(token_store), sandbox=sandbox)
            for system, connector in CONNECTORS.items()
        },
    }
