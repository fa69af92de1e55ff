"""Pandera contracts of every source object of every vendor, and the quarantine they decide."""

from functools import cache

from checks import harvest, hubspot, ledger, quickbooks, salesforce, xero
from checks.contract import Contract
from resources.settings.crm import DEFAULT_CRM_FIELDS, CrmFields


@cache
def contracts(crm: CrmFields = DEFAULT_CRM_FIELDS) -> dict[tuple[str, str], Contract]:
    """Every object's contract, Salesforce's over the org's names of its custom fields."""
    every = (
        *salesforce.contracts(crm),
        *harvest.CONTRACTS,
        *quickbooks.CONTRACTS,
        *xero.CONTRACTS,
        *hubspot.CONTRACTS,
        *ledger.CONTRACTS,
    )
    return {(c.system, c.object): c for c in every}


# The objects and their references, which no setting changes (the assets are made from them).
CONTRACTS = contracts()


def contract_for(system: str, object_name: str, crm: CrmFields = DEFAULT_CRM_FIELDS) -> Contract:
    try:
        return contracts(crm)[(system, object_name)]
    except KeyError:
        raise KeyError(f"no contract for {system} {object_name}: add one in checks/{system}.py") from None
