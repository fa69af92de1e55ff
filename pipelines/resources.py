"""The resources of the code location, configured from the settings (see README, Settings)."""

from resources.connectors import CONNECTORS
from resources.cutover import ERPS
from resources.sandbox import SandboxResource
from resources.settings.environment import SourcesSettings, WarehouseSettings
from resources.tokens import OAuthConnector
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
                **erp_only(system, sources),
                **tokens_of(connector, str(token_store)),
                **files_only(system, str(store.database)),
                sandbox=sandbox,
            )
            for system, connector in CONNECTORS.items()
        },
    }


def tokens_of(connector: type, token_store: str) -> dict:
    """Where an OAuth connector keeps refreshed tokens; a static token (HubSpot's private app) has none."""
    return {"token_store": token_store} if issubclass(connector, OAuthConnector) else {}


def files_only(system: str, database: str) -> dict:
    """The ledger reads which exported files were loaded on earlier nights from the warehouse."""
    return {"warehouse_database": database} if system == "ledger" else {}


# a second (third) vendor -> its own source settings (any set configures it), and the first of its family's URL
SECOND_VENDORS = {
    "xero": (("xero_base_url",), "quickbooks_base_url"),
    "hubspot": (("hubspot_base_url",), "salesforce_instance_url"),
    "ledger": (("ledger_url", "ledger_drop_dir"), "quickbooks_base_url"),
}


def erp_only(system: str, sources: SourcesSettings) -> dict:
    """The legal entities moving from one ERP to another, which both ERPs' connectors mark."""
    return {"cutovers": sources.erp_cutovers} if system in ERPS else {}


def embedded_only(system: str, sources: SourcesSettings) -> dict:
    """Xero and the ledger are further ERPs, HubSpot a second CRM: with no source of its own, each is the
    sandbox's only where the first of its family (QuickBooks, Salesforce) is the sandbox's too, so a
    deployment that configured QuickBooks (Salesforce) alone reads no Xero or ledger (HubSpot), and needs
    no sandbox."""
    if system not in SECOND_VENDORS:
        return {}
    own, first = SECOND_VENDORS[system]
    configured = any(getattr(sources, setting) for setting in own)
    return {} if configured else {"sandboxed": not getattr(sources, first)}
