"""The reconciliation assets this stage owns: customer matching (`recon/customer_match`) and the
night's findings (`recon/findings`), built on whichever canonical assets exist."""

import time
from collections.abc import Sequence
from datetime import date

from dagster import AssetExecutionContext, AssetKey, AssetsDefinition, MaterializeResult, MetadataValue
from dagster_duckdb import DuckDBResource

from assets.canonical.build import markdown
from assets.canonical.factory import canonical_key
from assets.nightly import nightly_asset, previous_night
from assets.reconciliation.findings import FINDINGS, HISTORY, build_findings, night_summary
from assets.reconciliation.matching import MATCH_TABLE, build_customer_match, match_summary
from resources.settings.reconciliation import ReconciliationSettings

CUSTOMER_MATCH_KEY = AssetKey(["recon", "customer_match"])
FINDINGS_KEY = AssetKey(["recon", "findings"])
GROUP = "reconciliation"


def customer_match_asset(canonical_keys: Sequence[AssetKey]) -> AssetsDefinition:
    @nightly_asset(
        key=CUSTOMER_MATCH_KEY,
        group_name=GROUP,
        deps=[key for key in canonical_keys if key == canonical_key("customer")],
        description="Customer records that no cross-reference ties but that are very likely the same company, "
        "across systems or inside one: tax id, web domain, normalised name, then fuzzy name "
        f"similarity with currency and legal entity as evidence (table `{MATCH_TABLE}`).",
    )
    def customer_match(context: AssetExecutionContext, warehouse: DuckDBResource) -> MaterializeResult:
        snapshot_date = date.fromisoformat(context.partition_key)
        with warehouse.get_connection() as connection:
            pairs = build_customer_match(connection, snapshot_date, ReconciliationSettings.load())
            summary = match_summary(connection, snapshot_date)
        context.log.info(f"customer matching {snapshot_date}: {pairs} pairs, {summary}")
        return MaterializeResult(
            metadata={
                "pairs": MetadataValue.int(pairs),
                "by_kind_and_method": summary,
                "table": MetadataValue.text(MATCH_TABLE),
            }
        )

    return customer_match


def findings_asset(upstream: Sequence[AssetKey]) -> AssetsDefinition:
    @nightly_asset(
        key=FINDINGS_KEY,
        group_name=GROUP,
        deps=[*upstream, previous_night(FINDINGS_KEY)],
        description="The night's findings (shared/contracts/findings.md): every code's SQL file in "
        "`sql/reconciliation/<category>/`, with stable ids, severity, owner queue and aging across "
        f"nights from the previous night's (tables `{FINDINGS}`, `{HISTORY}`).",
    )
    def findings(context: AssetExecutionContext, warehouse: DuckDBResource) -> MaterializeResult:
        snapshot_date = date.fromisoformat(context.partition_key)
        started = time.monotonic()
        with warehouse.get_connection() as connection:
            detected = build_findings(connection, snapshot_date, ReconciliationSettings.load())
            summary = night_summary(connection, snapshot_date)
        seconds = round(time.monotonic() - started, 3)
        context.log.info(f"findings {snapshot_date}: {sum(detected.values())} open in {seconds} s")
        return MaterializeResult(
            metadata={
                "open": MetadataValue.int(int(summary["open"].sum())),
                "resolved": MetadataValue.int(int(summary["resolved"].sum())),
                "open_per_code": MetadataValue.json(detected),
                "by_code": MetadataValue.md(markdown(summary)),
                "seconds": MetadataValue.float(seconds),
                "table": MetadataValue.text(FINDINGS),
            }
        )

    return findings
