"""The resources of the code location, configured from the settings (see README, Settings)."""

from resources.harvest import HarvestResource
from resources.quickbooks import QuickBooksResource
from resources.salesforce import SalesforceResource
from resources.sandbox import SandboxResource
from resources.settings.environment import SourcesSettings, WarehouseSettings
from resources.warehouse import WarehouseResource


def build_resources() -> dict:
    store, sources = WarehouseSettings.load(), SourcesSettings.load()
    value = sources.resource_value  # a secret as EnvVar: the UI shows the variable's name, not the secret
    sandbox = SandboxResource(
        embedded_sources=sources.embedded_sources,
        directory=str(sources.sandbox_dir or store.root / "sandbox"),
        size=sources.sandbox_size,
    )
    return {
        "warehouse": WarehouseResource(database=str(store.database), memory_limit=store.warehouse_memory_limit),
        "salesforce": SalesforceResource(
            instance_url=value("salesforce_instance_url"),
            access_token=value("salesforce_access_token"),
            api_version=value("salesforce_api_version"),
            legal_entity_field=value("salesforce_legal_entity_field"),
            psa_client_id_field=value("salesforce_psa_client_id_field"),
            erp_customer_id_field=value("salesforce_erp_customer_id_field"),
            open_ar_field=value("salesforce_open_ar_field"),
            tax_id_field=value("salesforce_tax_id_field"),
            billing_model_field=value("salesforce_billing_model_field"),
            psa_project_id_field=value("salesforce_psa_project_id_field"),
            sandbox=sandbox,
        ),
        "harvest": HarvestResource(
            base_url=value("harvest_base_url"),
            account_id=value("harvest_account_id"),
            access_token=value("harvest_access_token"),
            sandbox=sandbox,
        ),
        "quickbooks": QuickBooksResource(
            base_url=value("quickbooks_base_url"),
            access_token=value("quickbooks_access_token"),
            realms=value("quickbooks_realms"),
            sandbox=sandbox,
        ),
    }
