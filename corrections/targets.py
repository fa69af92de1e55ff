"""The vendor writers, built from tieout's connector resources (the sandbox when none is configured)."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from dagster import ConfigurableResource, EnvVar

from corrections.ownership import Ownership
from corrections.sources import Sources
from corrections.writers import Target
from corrections.writers.harvest import HarvestTarget
from corrections.writers.hubspot import BATCH_READ, HubSpotTarget
from corrections.writers.ledger import BATCH_SIZE as LEDGER_BATCH
from corrections.writers.ledger import LedgerTarget
from corrections.writers.quickbooks import QuickBooksTarget
from corrections.writers.salesforce import SalesforceTarget
from corrections.writers.xero import XeroTarget
from resources.cutover import cutovers_of
from resources.http import SourceSystemError
from resources.settings.crm import CrmFields

log = logging.getLogger("tieout.corrections")


@dataclass
class Targets:
    salesforce: SalesforceTarget
    harvest: HarvestTarget
    quickbooks: QuickBooksTarget
    xero: XeroTarget
    hubspot: HubSpotTarget
    ledger: LedgerTarget
    crm: CrmFields
    erp_vendors: dict[str, str]  # legal entity -> the ERP that keeps its books today

    def by_system(self) -> dict[str, Target]:
        return {
            "salesforce": self.salesforce,
            "hubspot": self.hubspot,
            "quickbooks": self.quickbooks,
            "xero": self.xero,
            "ledger": self.ledger,
            "harvest": self.harvest,
        }

    def sources(self) -> Sources:
        return Sources(
            self.salesforce,
            self.harvest,
            self.quickbooks,
            self.xero,
            self.hubspot,
            self.ledger,
            self.crm,
            self.erp_vendors,
        )


def erp_vendors_on(
    day: date, realms: Mapping[str, str], tenants: Mapping[str, str], cutovers: Mapping, ledger: list[str] | None = None
) -> dict[str, str]:
    """Each legal entity's ERP on `day`: the one whose companies name it; across a cutover, the former
    before its date and the current from it on."""
    vendors = {
        **dict.fromkeys(realms, "quickbooks"),
        **dict.fromkeys(tenants, "xero"),
        **dict.fromkeys(ledger or [], "ledger"),
    }
    for entity, cutover in cutovers.items():
        vendors[entity] = cutover.current if day >= cutover.on else cutover.former
    return vendors


def ledger_entities(ledger, target: LedgerTarget) -> list[str]:
    """The legal entities on the ledger: its database's companies, or a drop folder's exported ones (the
    ledger's still, though tieout cannot write to files); none when the ledger cannot say."""
    try:
        if target.url:
            return target.entities()
        return sorted(ledger.extract("companies", None).companies)
    except SourceSystemError as exc:
        log.warning("the ledger's legal entities are unknown (%s): none of its records is corrected", exc)
        return []


def targets_from_resources(
    salesforce, harvest, quickbooks, xero, hubspot, ledger, ownership: Ownership, night: date | None = None
) -> Targets:
    """Writers over the configured (or sandbox) vendors, with the ownership file's batch sizes. A legal
    entity's ERP writer is the one that keeps its books (`erp_vendors_on`): on the `night` whose findings
    are proposed from (the books that night reconciled), else today (the writeback's live books). The
    ledger is written through its database; a drop-folder ledger's entities are the ledger's, with
    nothing to write to."""
    sizes = ownership.writeback.batch_size
    crm = salesforce.crm_fields()
    tenants, realms = xero.companies(), quickbooks.companies()
    clients, _ = xero.clients(tenants)
    ledger_target = LedgerTarget("" if ledger.drop_dir else ledger.database_url(), sizes.get("ledger", LEDGER_BATCH))
    erp_vendors = erp_vendors_on(
        night or date.today(),
        realms,
        tenants,
        cutovers_of(quickbooks.base_url, quickbooks.cutovers, quickbooks.sandbox),
        ledger_entities(ledger, ledger_target),
    )
    portal = hubspot.portal()
    return Targets(
        SalesforceTarget(salesforce.client(), salesforce.api_version, {crm.open_ar}, sizes["salesforce"]),
        HarvestTarget(harvest.client(), sizes["harvest"], erp_vendors),
        QuickBooksTarget(quickbooks.client(), realms, quickbooks.minor_version, sizes["quickbooks"]),
        XeroTarget({entity: clients[tenant] for entity, tenant in tenants.items()}, sizes["xero"]),
        HubSpotTarget(hubspot.clients(*portal)[0] if portal else None, sizes.get("hubspot", BATCH_READ)),
        ledger_target,
        crm,
        erp_vendors,
    )


def targets_from_configured(
    resources: Mapping[str, ConfigurableResource], ownership: Ownership, night: date | None = None
) -> Targets:
    """The same outside Dagster (the CLI, the crash tests), from the code location's resources as its
    caller configured them."""
    salesforce, harvest, quickbooks, xero, hubspot, ledger = (
        _resolved(resources[name]) for name in ("salesforce", "harvest", "quickbooks", "xero", "hubspot", "ledger")
    )
    return targets_from_resources(salesforce, harvest, quickbooks, xero, hubspot, ledger, ownership, night)


def _resolved(resource: ConfigurableResource) -> ConfigurableResource:
    """The resource with its `EnvVar` settings read from the environment (Dagster does this in a run)."""
    values = {}
    for name in type(resource).model_fields:
        value = getattr(resource, name)
        if isinstance(value, EnvVar):
            value = value.get_value()
        elif isinstance(value, ConfigurableResource):
            value = _resolved(value)
        values[name] = value
    return type(resource)(**values)
