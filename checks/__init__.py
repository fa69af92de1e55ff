"""Pandera contracts of every source object of every vendor, and the quarantine they decide."""

from checks import harvest, quickbooks, salesforce
from checks.contract import Contract

CONTRACTS: dict[tuple[str, str], Contract] = {
    (c.system, c.object): c for c in (*salesforce.CONTRACTS, *harvest.CONTRACTS, *quickbooks.CONTRACTS)
}


def contract_for(system: str, object_name: str) -> Contract:
    try:
        return CONTRACTS[(system, object_name)]
    except KeyError:
        raise KeyError(f"no contract for {system} {object_name}: add one in checks/{system}.py") from None
