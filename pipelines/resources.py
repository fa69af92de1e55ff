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
            system: connector(
                **sources.of_resource(system),
                **embedded_only(system, sources),
                token_store=str(token_store),
                sandbox=sandbox,
            )
            for system, connector in CONNECTORS.items()
        },
    }


def embedded_only(system: str, sources: SourcesSettings) -> dict:
    """Xero is a second ERP: with no URL of its own it is the sandbox's only where QuickBooks is the
    sandbox's too, so a deployment that configured QuickBooks alone reads no Xero (and needs no sandbox)."""
    return {"sandboxed": not sources.quickbooks_base_url} if system == "xero" and not sources.xero_base_url else {}
