"""The writeback job (drains the outbox), its schedule after the nightly run, and the approval job
(approve or reject by run config: the same functions as the CLI and the portal)."""

from dagster import Config, OpExecutionContext, ScheduleDefinition, job, op
from dagster_duckdb import DuckDBResource
from pydantic import Field

from assets.nightly import WAREHOUSE_POOL
from assets.partitions import SCHEDULE
from corrections.approval import approve_corrections, reject_corrections
from corrections.ownership import load_ownership
from corrections.targets import targets_from_resources
from corrections.writeback import drain
from resources.harvest import HarvestResource
from resources.hubspot import HubSpotResource
from resources.ledger import LedgerResource
from resources.quickbooks import QuickBooksResource
from resources.salesforce import SalesforceResource
from resources.xero import XeroResource


@op(pool=WAREHOUSE_POOL)
def drain_outbox(
    context: OpExecutionContext,
    warehouse: DuckDBResource,
    salesforce: SalesforceResource,
    harvest: HarvestResource,
    quickbooks: QuickBooksResource,
    xero: XeroResource,
    hubspot: HubSpotResource,
    ledger: LedgerResource,
) -> dict:
    """Send every approved correction; fail the run when a system's drain had to stop."""
    ownership = load_ownership()
    targets = targets_from_resources(salesforce, harvest, quickbooks, xero, hubspot, ledger, ownership)
    report = drain(warehouse.database, targets.by_system(), ownership)
    summary = {system: dict(counts) for system, counts in report.outcomes.items()}
    context.log.info(f"writeback in {report.seconds} s: {summary}")
    if report.stopped:
        raise RuntimeError(f"writeback stopped: {report.stopped}")
    return summary


class DecisionConfig(Config):
    correction_ids: list[str] = Field(description="the corrections decided on")
    actor: str = Field(description="who decides (recorded in the audit log)")
    action: str = Field(default="approve", description="approve | reject")
    reason: str = Field(default="", description="why, for a rejection")


@op(pool=WAREHOUSE_POOL)
def decide_corrections(context: OpExecutionContext, config: DecisionConfig, warehouse: DuckDBResource) -> list[str]:
    if config.action == "approve":
        changed = approve_corrections(warehouse.database, config.correction_ids, config.actor)
    elif config.action == "reject":
        changed = reject_corrections(warehouse.database, config.correction_ids, config.actor, config.reason)
    else:
        raise ValueError(f"action must be approve or reject, not {config.action!r}")
    ids = [row["correction_id"] for row in changed]
    context.log.info(f"{config.action}: {len(ids)} of {len(config.correction_ids)} corrections by {config.actor}")
    return ids


@job(
    description="Send approved corrections to Salesforce, HubSpot, Harvest, QuickBooks, Xero and the ledger (corrections.outbox)."
)
def writeback():
    drain_outbox()


@job(description="Approve or reject proposed corrections: run config names them, who decides, and why.")
def approve_corrections_job():
    decide_corrections()


writeback_schedule = ScheduleDefinition(
    name="writeback_schedule",
    job=writeback,
    cron_schedule=f"{SCHEDULE.writeback_minute} {SCHEDULE.writeback_hour} * * *",
    description="After the nightly run (02:00 by default) has proposed the night's corrections.",
    default_status=SCHEDULE.status,
)
