"""Invoice and cash codes on the small sandbox firm's night: exactly the planted findings, split
invoices matched one-to-many without a finding, and the fallback match by customer, amount and date."""

import duckdb
import pytest

from assets.reconciliation.invoice_match import build_invoice_match
from resources.settings.reconciliation import ReconciliationSettings
from sandbox.firm.score import findings_vs_manifest
from tests.reconciliation.exact import found, planted, query, writable_copy

CODES = (
    "INVOICE_MISSING_IN_ERP",
    "INVOICE_MISSING_IN_PSA",
    "INVOICE_AMOUNT_MISMATCH",
    "INVOICE_CURRENCY_MISMATCH",
    "INVOICE_DATE_MISMATCH",
    "INVOICE_DUPLICATE",
    "INVOICE_STATUS_MISMATCH",
    "PAYMENT_NOT_REFLECTED",
    "CREDIT_MEMO_NOT_REFLECTED",
    "AR_BALANCE_MISMATCH",
)


@pytest.mark.parametrize("code", CODES)
def test_findings_equal_the_planted_ones(reconciled_small_firm, code: str) -> None:
    firm = reconciled_small_firm
    assert planted(firm.manifest, code), f"the small firm plants {code}"
    assert findings_vs_manifest(firm.findings(), firm.manifest, [code]) == {code: {"missing": [], "extra": []}}
    assert found(firm, code) == planted(firm.manifest, code)


def test_a_voided_posting_is_a_status_difference_only(reconciled_small_firm) -> None:
    """A PSA invoice whose only ERP posting is voided is INVOICE_STATUS_MISMATCH and no other invoice
    finding; one voided and posted again is no finding at all."""
    firm = reconciled_small_firm
    voided = sorted(
        f["psa_id"]
        for f in firm.manifest["findings"]
        if f["code"] == "INVOICE_STATUS_MISMATCH" and f["actual_value"] == "voided"
    )
    reposted = sorted(e["psa_id"] for e in firm.manifest["edge_cases"] if e["kind"] == "voided_then_reposted")
    assert voided and reposted, "the small firm voids postings"
    codes = firm.query(
        "SELECT psa_id, string_agg(code, ',') FROM recon.findings WHERE snapshot_date = ? "
        "AND psa_id IN ? AND category = 'invoice_cash' GROUP BY 1",
        [firm.snapshot_date, voided + reposted],
    )
    assert sorted(codes) == [(psa, "INVOICE_STATUS_MISMATCH") for psa in voided]


def test_split_invoices_match_one_to_many_and_are_no_finding(reconciled_small_firm) -> None:
    firm = reconciled_small_firm
    splits = sorted({e["psa_id"] for e in firm.manifest["edge_cases"] if e["kind"] == "split_invoice"})
    assert splits, "the small firm splits some invoices"
    matched = firm.query(
        """
        SELECT psa_invoice_id, count(*) >= 2, string_agg(DISTINCT method, ','), sum(erp_total) = any_value(psa_total)
        FROM recon.invoice_match WHERE snapshot_date = ? AND psa_invoice_id IN ? GROUP BY 1""",
        [firm.snapshot_date, splits],
    )
    assert set(matched) == {(psa, True, "reference", True) for psa in splits}
    assert firm.query(
        "SELECT count(*) FROM recon.findings WHERE snapshot_date = ? AND psa_id IN ? AND category = 'invoice_cash'",
        [firm.snapshot_date, splits],
    ) == [(0,)]


def test_an_invoice_without_reference_or_number_matches_by_customer_amount_and_date(
    reconciled_small_firm, tmp_path
) -> None:
    """An ERP posting that lost its PrivateNote tag and carries another number is still the PSA
    invoice's when customer, amount (within tolerance) and date (within the window) agree."""
    firm = reconciled_small_firm
    warehouse = writable_copy(firm, tmp_path)
    with duckdb.connect(str(warehouse)) as db:
        psa_id, erp_id = db.execute(
            """
            SELECT psa_invoice_id, erp_invoice_id FROM recon.invoice_match
            WHERE snapshot_date = ? AND postings = 1 AND whole_postings = 1 AND psa_currency = erp_currency
              AND erp_issue_date = psa_issue_date
            ORDER BY psa_invoice_id LIMIT 1""",
            [firm.snapshot_date],
        ).fetchone()
        db.execute(
            """
            UPDATE canonical.invoice
            SET global_id = 'inv_unreferenced', link = 'anchor', document_number = 'X-' || document_number,
                issue_date = issue_date + 3, total = total + 0.01
            WHERE snapshot_date = ? AND system = 'erp' AND source_id = ?""",
            [firm.snapshot_date, erp_id],
        )
        build_invoice_match(db, firm.snapshot_date, ReconciliationSettings.load())
    matched = query(
        warehouse,
        "SELECT erp_invoice_id, method FROM recon.invoice_match WHERE snapshot_date = ? AND psa_invoice_id = ?",
        [firm.snapshot_date, psa_id],
    )
    assert matched == [(erp_id, "customer_amount_date")]
