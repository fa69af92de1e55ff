"""Time and WIP codes on the small sandbox firm's night: exactly the planted findings, with their
subject ids, every contract column and amounts, and nothing else."""

import re

import pytest

from sandbox.firm.score import findings_vs_manifest
from tests.reconciliation.exact import found, planted

CODES = (
    "TIME_ON_INACTIVE_PROJECT",
    "TIME_BY_UNKNOWN_RESOURCE",
    "TIME_RATE_MISMATCH",
    "UNBILLED_TIME_AGED",
    "UNBILLED_EXPENSE_AGED",
    "TIME_BILLED_STATUS_MISMATCH",
    "WIP_VARIANCE",
)


@pytest.mark.parametrize("code", CODES)
def test_findings_equal_the_planted_ones(reconciled_small_firm, code: str) -> None:
    firm = reconciled_small_firm
    assert planted(firm.manifest, code), f"the small firm plants {code}"
    assert findings_vs_manifest(firm.findings(), firm.manifest, [code]) == {code: {"missing": [], "extra": []}}
    assert found(firm, code) == planted(firm.manifest, code)


def test_aged_time_and_expenses_carry_their_aging_bucket(reconciled_small_firm) -> None:
    firm = reconciled_small_firm
    details = dict(
        firm.query(
            "SELECT psa_id, detail FROM recon.findings WHERE snapshot_date = ? AND code = 'UNBILLED_TIME_AGED'",
            [firm.snapshot_date],
        )
    )
    for aged in (f for f in firm.manifest["findings"] if f["code"] == "UNBILLED_TIME_AGED"):
        bucket = re.search(r"bucket (\S+)\)", aged["note"]).group(1)
        assert f"(aging bucket {bucket})" in details[aged["psa_id"]]
    expenses = firm.query(
        "SELECT detail FROM recon.findings WHERE snapshot_date = ? AND code = 'UNBILLED_EXPENSE_AGED'",
        [firm.snapshot_date],
    )
    assert expenses and all(re.search(r"\(aging bucket (31-60|61-90|90\+)\)\.$", detail) for (detail,) in expenses)


def test_wip_is_approved_unbilled_time_at_its_rate_on_both_sides(reconciled_small_firm) -> None:
    """Each WIP_VARIANCE is the ERP's Billable TimeActivities less the PSA's approved, uninvoiced
    billable time of the same project."""
    firm = reconciled_small_firm
    rows = firm.query(
        """
        SELECT f.psa_id, f.amount_difference,
               coalesce(sum(t.billable_amount) FILTER (WHERE t.system = 'erp' AND t.billable_status = 'Billable'), 0)
             - coalesce(sum(t.billable_amount) FILTER (WHERE t.system = 'psa' AND t.billable AND t.approved
                                                         AND NOT t.is_billed), 0)
        FROM recon.findings AS f
        JOIN canonical.time_entry AS t
          ON t.snapshot_date = f.snapshot_date AND t.engagement_global_id = f.project_global_id
        WHERE f.snapshot_date = ? AND f.code = 'WIP_VARIANCE'
        GROUP BY 1, 2""",
        [firm.snapshot_date],
    )
    assert rows and all(difference == recomputed for _, difference, recomputed in rows)
