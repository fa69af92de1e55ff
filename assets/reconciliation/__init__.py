"""The reconciliation stage: customer and invoice matching, the night's findings with their aging,
and the tie-out statement, each with the checks that guard it (docs/data-model.md)."""

from collections.abc import Sequence

from dagster import AssetKey, AssetsDefinition

from assets.canonical import canonical_key
from assets.reconciliation.assets import CUSTOMER_MATCH_KEY, FINDINGS_KEY, customer_match_asset, findings_asset
from assets.reconciliation.checks import findings_checks
from assets.reconciliation.coverage import COVERAGE_KEY, coverage_asset, coverage_checks
from assets.reconciliation.invoice_match import INVOICE_MATCH_KEY, invoice_match
from assets.reconciliation.tieout import tieout_assets, tieout_checks
from sql.tables import TABLES, XREF


def build_reconciliation_assets(canonical_keys: Sequence[AssetKey]) -> list[AssetsDefinition]:
    """Every reconciliation asset; the findings depend on all of `canonical_keys` (the codes read any
    canonical table) and on the matching and coverage assets."""
    return [
        customer_match_asset(canonical_keys),
        invoice_match,
        coverage_asset(canonical_keys),
        findings_asset([*canonical_keys, CUSTOMER_MATCH_KEY, INVOICE_MATCH_KEY, COVERAGE_KEY]),
        *tieout_assets,
    ]


reconciliation_assets = build_reconciliation_assets([canonical_key(t.name) for t in (*TABLES, XREF)])
reconciliation_checks = [findings_checks, coverage_checks, *tieout_checks]

__all__ = [
    "CUSTOMER_MATCH_KEY",
    "FINDINGS_KEY",
    "build_reconciliation_assets",
    "reconciliation_assets",
    "reconciliation_checks",
]
