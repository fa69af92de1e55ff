"""Harvest's published OpenAPI contract as a test oracle for JSON bodies the emulator serves.

The contract is `harvest/harvest-openapi.yaml` under the vendor contracts directory (~470 KB), checked
as openapi.py says. Paths are the contract's templates, with or without the `/v2` server prefix:
`/clients/{clientId}` or `/v2/clients/{clientId}`.
"""

from __future__ import annotations

from pathlib import Path

from tests.contracts.openapi import Contract

HARVEST = Contract("Harvest", Path("harvest") / "harvest-openapi.yaml", "/v2")

# (contracts_dir, path_template, method, status, body, *, closed=True) -> every way body breaks the contract
validate_harvest_response = HARVEST.validate
