"""The tie-out statement through its Dagster asset and blocking check: zero unexplained remainder on
the sandbox firm, and a failing check once a difference appears that no finding explains."""

from decimal import Decimal
from pathlib import Path

import duckdb
from dagster import materialize

from assets.reconciliation.invoice_match import build_invoice_match
from assets.reconciliation.tieout import tieout_assets, tieout_checks
from resources.settings.reconciliation import ReconciliationSettings
from resources.warehouse import WarehouseResource
from tests.reconciliation.exact import query, writable_copy


def run_tieout(warehouse: Path, snapshot_date) -> dict[str, bool]:
    """Materialize recon/tieout with its check; the check's outcome by name (a failed blocking check
    fails the run, which is what it is for)."""
    result = materialize(
        [*tieout_assets, *tieout_checks],
        partition_key=snapshot_date.isoformat(),
        resources={"warehouse": WarehouseResource(database=str(warehouse))},
        raise_on_error=False,
    )
    return {e.check_name: e.passed for e in result.get_asset_check_evaluations()}


def test_statement_has_no_unexplained_remainder(reconciled_small_firm) -> None:
    firm = reconciled_small_firm
    assert [
        (e.check_name, e.passed)
        for e in firm.result.get_asset_check_evaluations()
        if e.asset_key.path == ["recon", "tieout"]
    ] == [("no_unexplained_remainder", True)]
    psa, erp, difference, explained, unexplained, outside = firm.query(
        "SELECT sum(psa_billed), sum(erp_invoiced), sum(difference), sum(explained_by_findings), "
        "sum(abs(unexplained)), sum(erp_outside_psa) FROM recon.tieout WHERE snapshot_date = ?",
        [firm.snapshot_date],
    )[0]
    assert psa > 0 and erp > 0 and outside > 0
    assert difference != 0 and explained == difference and unexplained == 0
    # missing, amount, currency, date and duplicate findings move money between cells or sides
    assert firm.query(
        "SELECT count(*) > 0 FROM recon.tieout WHERE snapshot_date = ? AND difference <> 0 "
        "AND difference = explained_by_findings AND invoices_with_findings > 0",
        [firm.snapshot_date],
    ) == [(True,)]


def test_an_unexplained_difference_fails_the_check(reconciled_small_firm, tmp_path) -> None:
    """An ERP invoice whose total changed after the findings ran: no finding explains the change, so
    the remainder shows it to the cent and the blocking check fails."""
    firm = reconciled_small_firm
    warehouse = writable_copy(firm, tmp_path)
    with duckdb.connect(str(warehouse)) as db:
        erp_id, entity, month, currency = db.execute(
            """
            SELECT erp_invoice_id, split_part(erp_invoice_id, ':', 1), date_trunc('month', erp_issue_date)::DATE,
                   erp_currency
            FROM recon.invoice_match
            WHERE snapshot_date = ? AND postings = 1 AND psa_invoice_id NOT IN (
                SELECT psa_id FROM recon.findings WHERE snapshot_date = ? AND psa_id IS NOT NULL)
            ORDER BY erp_invoice_id LIMIT 1""",
            [firm.snapshot_date] * 2,
        ).fetchone()
        db.execute(
            "UPDATE canonical.invoice SET total = total + 250 WHERE snapshot_date = ? AND system = 'erp' "
            "AND source_id = ?",
            [firm.snapshot_date, erp_id],
        )
        build_invoice_match(db, firm.snapshot_date, ReconciliationSettings.load())
    assert run_tieout(warehouse, firm.snapshot_date) == {"no_unexplained_remainder": False}
    assert query(
        warehouse,
        "SELECT legal_entity, month, currency, unexplained FROM recon.tieout "
        "WHERE snapshot_date = ? AND unexplained <> 0",
        [firm.snapshot_date],
    ) == [(entity, month, currency, Decimal("250.00"))]
