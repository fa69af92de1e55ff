"""Invoice matching for one night: every PSA invoice paired with its ERP postings
(`recon.invoice_match`) and the ERP receipts applied to them (`recon.invoice_receipt`), which the
invoice and cash codes and the tie-out read. Materialized once so that ten codes do not each redo it."""

from datetime import date

from dagster import AssetExecutionContext, AssetKey, MaterializeResult, MetadataValue
from dagster_duckdb import DuckDBResource

from assets.canonical import canonical_key
from assets.nightly import nightly_asset
from assets.warehouse_io import replace_night_from_query
from resources.settings.reconciliation import ReconciliationSettings
from sql import PARAMETER, load

INVOICE_MATCH_KEY = AssetKey(["recon", "invoice_match"])
# table -> the SQL that yields its night, in build order (receipts read the matches)
TABLES = {
    "recon.invoice_match": "reconciliation/matching/invoice_match.sql",
    "recon.invoice_receipt": "reconciliation/matching/invoice_receipt.sql",
}


def build_invoice_match(connection, snapshot_date: date, settings: ReconciliationSettings) -> dict[str, int]:
    """Replace the night's invoice matches and receipts; returns the rows of each table."""
    rows = {}
    for table, name in TABLES.items():
        query = load(name)
        parameters = settings.bound(set(PARAMETER.findall(query)), snapshot_date, name)
        rows[table] = replace_night_from_query(connection, table, snapshot_date, query, parameters)
    return rows


def match_summary(connection, snapshot_date: date) -> dict[str, int]:
    """Invoice records per matching method (`unmatched_psa`, `unmatched_erp_on_psa_project`, ...)."""
    return dict(
        connection.execute(
            """
        SELECT CASE WHEN method IS NOT NULL THEN method
                    WHEN erp_invoice_id IS NULL THEN 'unmatched_psa'
                    WHEN psa_managed THEN 'unmatched_erp_on_psa_project'
                    ELSE 'erp_outside_psa' END, count(*)
        FROM recon.invoice_match WHERE snapshot_date = ? GROUP BY 1 ORDER BY 1""",
            [snapshot_date],
        ).fetchall()
    )


@nightly_asset(
    key=INVOICE_MATCH_KEY,
    group_name="reconciliation",
    deps=[canonical_key(name) for name in ("invoice", "engagement", "payment", "payment_application")],
    description="PSA invoices matched to ERP invoices (reference, number, then customer, amount and date "
    "window; split invoices one-to-many), with the ERP receipts applied to each "
    "(tables `recon.invoice_match`, `recon.invoice_receipt`).",
)
def invoice_match(context: AssetExecutionContext, warehouse: DuckDBResource) -> MaterializeResult:
    snapshot_date = date.fromisoformat(context.partition_key)
    with warehouse.get_connection() as connection:
        rows = build_invoice_match(connection, snapshot_date, ReconciliationSettings.load())
        summary = match_summary(connection, snapshot_date)
    context.log.info(f"invoice matching {snapshot_date}: {summary}")
    return MaterializeResult(metadata={"rows": MetadataValue.json(rows), "by_method": MetadataValue.json(summary)})
