"""Each source system's connector resource by the system's name, which is also its resource key."""

from resources.harvest import HarvestResource
from resources.hubspot import HubSpotResource
from resources.ledger import LedgerResource
from resources.quickbooks import QuickBooksResource
from resources.salesforce import SalesforceResource
from resources.xero import XeroResource

CONNECTORS: dict[
    str,
    type[SalesforceResource | HarvestResource | QuickBooksResource | XeroResource | HubSpotResource | LedgerResource],
] = {
    "salesforce": SalesforceResource,
    "harvest": HarvestResource,
    "quickbooks": QuickBooksResource,
    "xero": XeroResource,
    "hubspot": HubSpotResource,
    "ledger": LedgerResource,
}
