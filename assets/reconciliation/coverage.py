"""What tonight's reconciliation covers (`recon/entity_coverage`). One ERP company that does not
answer must not stop the other entities' night: its extraction carries the entity's last snapshot
forward, and from here on the entity is "not reconciled tonight": its findings stay as last seen (none
resolved), its tie-out cells are left out, and the reports say so. Likewise a quarantined record is
absent tonight, not gone: the findings that name it or its customer, engagement or document are held
as last seen (`recon.quarantine_holds`) rather than resolved or raised anew about its linked records."""

from collections.abc import Iterator, Sequence
from datetime import date

import pandas as pd
from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetCheckSeverity,
    AssetExecutionContext,
    AssetKey,
    AssetsDefinition,
    MaterializeResult,
    MetadataValue,
)
from dagster_duckdb import DuckDBResource

from assets.canonical.build import markdown
from assets.nightly import nightly_asset, nightly_check, nightly_checks
from assets.warehouse_io import replace_night_from_query
from sql import load

COVERAGE_KEY = AssetKey(["recon", "entity_coverage"])
COVERAGE, HOLDS = "recon.entity_coverage", "recon.quarantine_holds"


def build_coverage(connection, snapshot_date: date) -> int:
    """Replace the night's entity coverage and quarantine holds; returns the legal entities."""
    replace_night_from_query(
        connection,
        HOLDS,
        snapshot_date,
        load("reconciliation/coverage/quarantine_holds.sql"),
        {"snapshot_date": snapshot_date},
    )
    return replace_night_from_query(
        connection,
        COVERAGE,
        snapshot_date,
        load("reconciliation/coverage/entity_coverage.sql"),
        {"snapshot_date": snapshot_date},
    )


def coverage(connection, snapshot_date: date) -> pd.DataFrame:
    """The night's legal entities, each reconciled or not, with why not."""
    return connection.execute(
        f"SELECT * EXCLUDE (snapshot_date) FROM {COVERAGE} WHERE snapshot_date = ? ORDER BY legal_entity",
        [snapshot_date],
    ).df()


def coverage_asset(canonical_keys: Sequence[AssetKey]) -> AssetsDefinition:
    @nightly_asset(
        key=COVERAGE_KEY,
        group_name="reconciliation",
        deps=list(canonical_keys),
        description="Per legal entity: reconciled tonight, or not because its ERP company did not answer "
        f"(which objects, why, and the date its data is from) (table `{COVERAGE}`); and the ids "
        f"whose findings tonight's quarantine holds as last seen (table `{HOLDS}`).",
    )
    def entity_coverage(context: AssetExecutionContext, warehouse: DuckDBResource) -> MaterializeResult:
        snapshot_date = date.fromisoformat(context.partition_key)
        with warehouse.get_connection() as connection:
            entities = build_coverage(connection, snapshot_date)
            frame = coverage(connection, snapshot_date)
            (held,) = connection.execute(
                f"SELECT count(*) FROM {HOLDS} WHERE snapshot_date = ?", [snapshot_date]
            ).fetchone()
        skipped = frame.loc[~frame["reconciled"], "legal_entity"].tolist()
        context.log.info(f"entity coverage {snapshot_date}: {entities} legal entities, not reconciled: {skipped}")
        return MaterializeResult(
            metadata={
                "legal_entities": MetadataValue.int(entities),
                "not_reconciled": MetadataValue.json(skipped),
                "ids_held_by_quarantine": MetadataValue.int(held),
                "coverage": MetadataValue.md(markdown(frame)),
            }
        )

    return entity_coverage


@nightly_checks(
    name="recon__entity_coverage__checks",
    specs=[
        nightly_check(
            "every_entity_reconciled",
            COVERAGE_KEY,
            "Every legal entity's ERP company answered tonight (a warning: the other entities are "
            "reconciled and reported regardless).",
        )
    ],
)
def coverage_checks(context: AssetCheckExecutionContext, warehouse: DuckDBResource) -> Iterator[AssetCheckResult]:
    snapshot_date = date.fromisoformat(context.partition_key)
    with warehouse.get_connection() as connection:
        frame = coverage(connection, snapshot_date)
    skipped = frame[~frame["reconciled"]]
    yield AssetCheckResult(
        asset_key=COVERAGE_KEY,
        check_name="every_entity_reconciled",
        passed=skipped.empty,
        severity=AssetCheckSeverity.WARN,
        description="every legal entity reconciled"
        if skipped.empty
        else "not reconciled tonight: " + "; ".join(f"{row.legal_entity} ({row.note})" for row in skipped.itertuples()),
        metadata={"not_reconciled": MetadataValue.md(markdown(skipped))},
    )
