"""Raw snapshot assets for every object of every configured source system."""

from assets.extraction.factory import extraction_asset
from resources.harvest import HarvestResource
from resources.hubspot import HubSpotResource
from resources.ledger import LedgerResource
from resources.quickbooks import QuickBooksResource
from resources.salesforce import SalesforceResource
from resources.xero import XeroResource

SOURCE_CONNECTORS = (
    SalesforceResource,
    HarvestResource,
    QuickBooksResource,
    XeroResource,
    HubSpotResource,
    LedgerResource,
)

extraction_assets = [
    extraction_asset(connector.system, object_name)
    for connector in SOURCE_CONNECTORS
    for object_name in connector.objects
]
