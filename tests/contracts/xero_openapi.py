"""Xero's published Accounting API contract as a test oracle for JSON bodies the emulator serves.

The contract is `xero/xero_accounting.yaml` under the vendor contracts directory (~900 KB), checked as
openapi.py says. Paths are the contract's templates, with or without the `/api.xro/2.0` server
prefix: `/Invoices/{InvoiceID}` or `/api.xro/2.0/Invoices/{InvoiceID}`. Xero's `/Date(ms+0000)/`
values are plain strings to the contract (its `x-is-msdate` marks them for code generators only).
"""

from __future__ import annotations

from pathlib import Path

from tests.contracts.openapi import Contract

XERO_ACCOUNTING = Contract("Xero Accounting", Path("xero") / "xero_accounting.yaml", "/api.xro/2.0")

# (contracts_dir, path_template, method, status, body, *, closed=True) -> every way body breaks the contract
validate_xero_response = XERO_ACCOUNTING.validate

# Xero Projects (`xero/xero-projects.yaml`, server prefix `/projects.xro/2.0`): projects, time, project users
XERO_PROJECTS = Contract("Xero Projects", Path("xero") / "xero-projects.yaml", "/projects.xro/2.0")
validate_xero_projects_response = XERO_PROJECTS.validate
