"""Each source system's connector resource by the system's name, which is also its resource key."""

from dagster import ConfigurableResource

from resources.harvest import HarvestResource
from resources.quickbooks import QuickBooksResource
from resources.salesforce import SalesforceResource

CONNECTORS: dict[str, type[ConfigurableResource]] = {
    "salesforce": SalesforceResource,
    "harvest": HarvestResource,
    "quickbooks": QuickBooksResource,
}
