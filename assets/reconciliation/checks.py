"""The checks guarding the night's findings, run together in one step (one warehouse connection):

- `every_finding_has_owner`: every finding has an owner queue (a code missing from
  config/reconciliation.yaml's `owner_queues` has none);
- `finding_count_within_growth`: the open findings did not jump beyond the configured factor of the
  previous night's (a broken source or code, not a bad night, is the likely cause).

Both block: reports and corrections do not run on a night that fails them.
"""

from collections.abc import Iterator
from datetime import date

from dagster import AssetCheckExecutionContext, AssetCheckResult, MetadataValue
from dagster_duckdb import DuckDBResource

from assets.nightly import nightly_check, nightly_checks
from assets.reconciliation.assets import FINDINGS_KEY
from assets.reconciliation.findings import FINDINGS
from resources.settings.reconciliation import ReconciliationSettings


def owners_result(connection, snapshot_date: date) -> AssetCheckResult:
    unowned = dict(
        connection.execute(
            f"SELECT code, count(*) FROM {FINDINGS} WHERE snapshot_date = ? AND owner_queue IS NULL GROUP BY 1 ORDER BY 1",
            [snapshot_date],
        ).fetchall()
    )
    return AssetCheckResult(
        asset_key=FINDINGS_KEY,
        check_name="every_finding_has_owner",
        passed=not unowned,
        metadata={
            "findings_without_owner": MetadataValue.int(sum(unowned.values())),
            "codes_without_owner": MetadataValue.json(unowned),
        },
    )


def growth_result(connection, snapshot_date: date, settings: ReconciliationSettings) -> AssetCheckResult:
    previous_night, previous, tonight = connection.execute(
        f"""
        WITH previous_night AS (SELECT max(snapshot_date) AS night FROM {FINDINGS} WHERE snapshot_date < $night)
        SELECT (SELECT night FROM previous_night),
               count(*) FILTER (WHERE snapshot_date = (SELECT night FROM previous_night)),
               count(*) FILTER (WHERE snapshot_date = $night)
        FROM {FINDINGS} WHERE status = 'open'""",
        {"night": snapshot_date},
    ).fetchone()
    factor, floor = settings.checks.max_overnight_growth_factor, settings.checks.growth_check_min_previous
    passed = previous < floor or tonight <= factor * previous
    return AssetCheckResult(
        asset_key=FINDINGS_KEY,
        check_name="finding_count_within_growth",
        passed=passed,
        description=f"{tonight} open findings against {previous} on {previous_night or 'no previous night'} "
        f"(at most {factor}x once the previous night has {floor})",
        metadata={
            "open": MetadataValue.int(tonight),
            "previous_open": MetadataValue.int(previous),
            "previous_night": MetadataValue.text(str(previous_night or "")),
            "max_growth_factor": MetadataValue.float(factor),
        },
    )


@nightly_checks(
    name="recon__findings__checks",
    specs=[
        nightly_check(
            "every_finding_has_owner",
            FINDINGS_KEY,
            "Every finding has an owner queue (config/reconciliation.yaml).",
            blocking=True,
        ),
        nightly_check(
            "finding_count_within_growth",
            FINDINGS_KEY,
            "The open findings are at most the configured factor of the previous night's.",
            blocking=True,
        ),
    ],
)
def findings_checks(context: AssetCheckExecutionContext, warehouse: DuckDBResource) -> Iterator[AssetCheckResult]:
    snapshot_date = date.fromisoformat(context.partition_key)
    with warehouse.get_connection() as connection:
        yield owners_result(connection, snapshot_date)
        yield growth_result(connection, snapshot_date, ReconciliationSettings.load())
