"""The tie-out statement (`recon.tieout`): per legal entity, month and currency, PSA billed against
ERP invoiced, the difference, the part the night's findings explain and the unexplained remainder,
with a blocking check that no remainder is above the money tolerance. A remainder means money moved
between the systems without a finding saying why: a code missed something, so the night's findings
cannot be trusted as complete. Findings a person explained in the portal (with a reason) explain
their invoices too, and the statement says how much of the difference they account for; the night
keeps the explanations it counted, with who and when (`workbench.night_explanations`)."""

from collections.abc import Iterator
from datetime import date

import pandas as pd
from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetExecutionContext,
    AssetKey,
    MaterializeResult,
    MetadataValue,
)
from dagster_duckdb import DuckDBResource

from assets.nightly import nightly_asset, nightly_check, nightly_checks
from assets.reconciliation.invoice_match import INVOICE_MATCH_KEY
from assets.warehouse_io import replace_night_from_query
from corrections.warehouse import install_finding_work
from resources.settings.reconciliation import ReconciliationSettings
from sql import PARAMETER, load, run_script

TIEOUT_KEY = AssetKey(["recon", "tieout"])
FINDINGS_KEY = AssetKey(["recon", "findings"])
TIEOUT_TABLE = "recon.tieout"
STATEMENT_SQL, UNEXPLAINED_SQL = "reconciliation/tieout/tieout.sql", "reconciliation/tieout/unexplained.sql"
SIDES_SQL = "reconciliation/tieout/sides.sql"  # the sides macro, shared with the finding codes
EXPLANATIONS_TABLE, EXPLANATIONS_SQL = "workbench.night_explanations", "workbench/night_explanations.sql"


def _run(connection, name: str, snapshot_date: date, settings: ReconciliationSettings) -> tuple[str, dict]:
    query = load(name)
    return query, settings.bound(set(PARAMETER.findall(query)), snapshot_date, name)


def build_tieout(connection, snapshot_date: date, settings: ReconciliationSettings) -> int:
    """Replace the night's explanations, as they stand now in the workbench, then its statement,
    which counts them; returns its number of cells."""
    install_finding_work(connection, snapshot_date)
    replace_night_from_query(
        connection, EXPLANATIONS_TABLE, snapshot_date, load(EXPLANATIONS_SQL), {"snapshot_date": snapshot_date}
    )
    run_script(connection, load(SIDES_SQL))
    query, parameters = _run(connection, STATEMENT_SQL, snapshot_date, settings)
    return replace_night_from_query(connection, TIEOUT_TABLE, snapshot_date, query, parameters)


def statement(connection, snapshot_date: date) -> pd.DataFrame:
    """The night's statement, one row per legal entity, month and currency."""
    return connection.execute(
        f"SELECT * EXCLUDE (snapshot_date) FROM {TIEOUT_TABLE} WHERE snapshot_date = ? "
        "ORDER BY legal_entity, month, currency",
        [snapshot_date],
    ).df()


def unexplained_cells(connection, snapshot_date: date, settings: ReconciliationSettings) -> pd.DataFrame:
    """The cells whose unexplained remainder is above the money tolerance."""
    query, parameters = _run(connection, UNEXPLAINED_SQL, snapshot_date, settings)
    return connection.execute(query, parameters).df()


def totals(frame: pd.DataFrame) -> dict[str, dict[str, float]]:
    """Column sums across the statement's cells, by currency (money of different currencies never adds)."""
    money = [
        "psa_billed",
        "erp_invoiced",
        "difference",
        "explained_by_findings",
        "unexplained",
        "erp_outside_psa",
        "explained_by_people",
        "held_by_quarantine",
    ]
    return {
        currency: {name: float(group[name].sum()) for name in money} for currency, group in frame.groupby("currency")
    }


@nightly_asset(
    key=TIEOUT_KEY,
    group_name="reconciliation",
    deps=[FINDINGS_KEY, INVOICE_MATCH_KEY],
    description="Per legal entity, month and currency: PSA billed, ERP invoiced, the difference, the part "
    "explained by the night's invoice findings (and of it, by findings people explained in the portal), the "
    "part held by the quarantine and the unexplained remainder (table `recon.tieout`).",
)
def tieout(context: AssetExecutionContext, warehouse: DuckDBResource) -> MaterializeResult:
    snapshot_date = date.fromisoformat(context.partition_key)
    with warehouse.get_connection() as connection:
        cells = build_tieout(connection, snapshot_date, ReconciliationSettings.load())
        frame = statement(connection, snapshot_date)
    context.log.info(f"tie-out {snapshot_date}: {cells} cells, totals {totals(frame)}")
    return MaterializeResult(
        metadata={
            "cells": MetadataValue.int(cells),
            "totals_by_currency": MetadataValue.json(totals(frame)),
            "statement": MetadataValue.md(frame.to_markdown(index=False) if not frame.empty else "_no invoices_"),
        }
    )


@nightly_checks(
    name="recon__tieout__checks",
    specs=[
        nightly_check(
            "no_unexplained_remainder",
            TIEOUT_KEY,
            "Every cell's difference between PSA billed and ERP invoiced is explained by the night's "
            "findings, to within the money tolerance.",
            blocking=True,
        )
    ],
)
def tieout_checks_evaluate(
    context: AssetCheckExecutionContext, warehouse: DuckDBResource
) -> Iterator[AssetCheckResult]:
    snapshot_date = date.fromisoformat(context.partition_key)
    with warehouse.get_connection() as connection:
        cells = unexplained_cells(connection, snapshot_date, ReconciliationSettings.load())
    yield AssetCheckResult(
        asset_key=TIEOUT_KEY,
        check_name="no_unexplained_remainder",
        passed=cells.empty,
        metadata={
            "cells_unexplained": MetadataValue.int(len(cells)),
            "unexplained_total": MetadataValue.float(float(cells["unexplained"].abs().sum())),
            "cells": MetadataValue.md(cells.to_markdown(index=False) if len(cells) else "_none_"),
        },
    )


tieout_assets = [tieout]
tieout_checks = [tieout_checks_evaluate]
