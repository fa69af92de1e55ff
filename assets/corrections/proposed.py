"""The `corrections/proposed` asset: the night's findings turned into outbox rows, with the dry-run
listing (what would change, before and after) in its metadata."""

import time
from collections import Counter
from datetime import date

import pandas as pd
from dagster import AssetExecutionContext, AssetKey, MaterializeResult, MetadataValue
from dagster_duckdb import DuckDBResource

from assets.extraction.snapshots import later_night
from assets.nightly import nightly_asset
from corrections.ownership import load_ownership
from corrections.plan import listing, plan_night, record_plan
from corrections.targets import targets_from_resources
from resources.harvest import HarvestResource
from resources.hubspot import HubSpotResource
from resources.ledger import LedgerResource
from resources.quickbooks import QuickBooksResource
from resources.salesforce import SalesforceResource
from resources.xero import XeroResource

FINDINGS = AssetKey(["recon", "findings"])
PREVIEW_ROWS = 50


@nightly_asset(
    key=AssetKey(["corrections", "proposed"]),
    deps=[FINDINGS],
    group_name="corrections",
    description="Corrections proposed from the night's findings (table `corrections.outbox`): auto ones approved by "
    "policy, the others waiting for a person (config/ownership.yaml).",
)
def corrections_proposed(
    context: AssetExecutionContext,
    warehouse: DuckDBResource,
    salesforce: SalesforceResource,
    harvest: HarvestResource,
    quickbooks: QuickBooksResource,
    xero: XeroResource,
    hubspot: HubSpotResource,
    ledger: LedgerResource,
) -> MaterializeResult:
    snapshot_date = date.fromisoformat(context.partition_key)
    with warehouse.get_connection() as connection:
        later = later_night(connection, snapshot_date)
    if later:  # planning reads the vendors live: today's values are not that night's
        record_plan(warehouse.database, snapshot_date, [])
        context.log.info(f"{snapshot_date}: a later night ({later}) exists: no corrections proposed, findings relinked")
        return MaterializeResult(metadata={"proposed": MetadataValue.int(0), "kept": f"later night {later} exists"})
    ownership = load_ownership()
    targets = targets_from_resources(salesforce, harvest, quickbooks, xero, hubspot, ledger, ownership, snapshot_date)
    started = time.monotonic()
    planned = plan_night(warehouse.database, snapshot_date, targets.sources(), ownership)
    recorded = record_plan(warehouse.database, snapshot_date, planned)
    rows = listing(planned)
    context.log.info(f"{snapshot_date}: {len(planned)} corrections proposed, {recorded}")
    preview = pd.DataFrame(rows[:PREVIEW_ROWS])
    return MaterializeResult(
        metadata={
            "proposed": MetadataValue.int(len(planned)),
            "recorded": MetadataValue.json(recorded),
            "by_policy": MetadataValue.json(dict(Counter(c.policy for c in planned))),
            "by_target": MetadataValue.json(dict(Counter(c.target_system for c in planned))),
            "dry_run": MetadataValue.md(preview.to_markdown(index=False) if len(preview) else "_nothing to correct_"),
            "seconds": MetadataValue.float(round(time.monotonic() - started, 3)),
        }
    )
