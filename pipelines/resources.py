"""The resources of the code location, configured from the environment (see README, Settings)."""

from resources.harvest import HarvestResource
from resources.quickbooks import QuickBooksResource
from resources.salesforce import SalesforceResource
from resources.sandbox import EMBEDDED_SOURCES, SandboxResource
from resources.settings import home, setting
from resources.warehouse import WarehouseResource


def build_resources() -> dict:
    sandbox = SandboxResource(
        embedded_sources=setting("TIEOUT_EMBEDDED_SOURCES", EMBEDDED_SOURCES),
        directory=setting("TIEOUT_SANDBOX_DIR", str(home() / "sandbox")),
        size=setting("TIEOUT_SANDBOX_SIZE", "demo"),
    )
    return {
        "warehouse": WarehouseResource(
            database=setting("TIEOUT_WAREHOUSE", str(home() / "warehouse.duckdb")),
            memory_limit=setting("TIEOUT_WAREHOUSE_MEMORY_LIMIT", "3GB"),
        ),
        "salesforce": SalesforceResource(
            instance_url=setting("TIEOUT_SALESFORCE_INSTANCE_URL"),
            access_token=setting("TIEOUT_SALESFORCE_ACCESS_TOKEN"),
            api_version=setting("TIEOUT_SALESFORCE_API_VERSION", "v62.0"),
            legal_entity_field=setting("TIEOUT_SALESFORCE_LEGAL_ENTITY_FIELD", "Legal_Entity__c"),
            psa_client_id_field=setting("TIEOUT_SALESFORCE_PSA_CLIENT_ID_FIELD", "PSA_Client_Id__c"),
            erp_customer_id_field=setting("TIEOUT_SALESFORCE_ERP_CUSTOMER_ID_FIELD", "ERP_Customer_Id__c"),
            open_ar_field=setting("TIEOUT_SALESFORCE_OPEN_AR_FIELD", "Open_AR__c"),
            tax_id_field=setting("TIEOUT_SALESFORCE_TAX_ID_FIELD", "Tax_Id__c"),
            billing_model_field=setting("TIEOUT_SALESFORCE_BILLING_MODEL_FIELD", "Billing_Model__c"),
            psa_project_id_field=setting("TIEOUT_SALESFORCE_PSA_PROJECT_ID_FIELD", "PSA_Project_Id__c"),
            sandbox=sandbox,
        ),
        "harvest": HarvestResource(
            base_url=setting("TIEOUT_HARVEST_BASE_URL"),
            account_id=setting("TIEOUT_HARVEST_ACCOUNT_ID"),
            access_token=setting("TIEOUT_HARVEST_ACCESS_TOKEN"),
            sandbox=sandbox,
        ),
        "quickbooks": QuickBooksResource(
            base_url=setting("TIEOUT_QUICKBOOKS_BASE_URL"),
            access_token=setting("TIEOUT_QUICKBOOKS_ACCESS_TOKEN"),
            realms=setting("TIEOUT_QUICKBOOKS_REALMS"),
            sandbox=sandbox,
        ),
    }
