"""Customer, hierarchy and engagement codes on the small sandbox firm: exactly the planted findings
(no missing, no extra, right subject ids and amounts); the matched codes with their confidence."""

import pytest

from sandbox.firm.score import findings_vs_manifest, pair_key

CUSTOMER_CODES = (
    "CUSTOMER_MISSING_IN_ERP",
    "CUSTOMER_MISSING_IN_PSA",
    "CUSTOMER_MISSING_IN_CRM",
    "CUSTOMER_NAME_MISMATCH",
    "CUSTOMER_PARENT_MISMATCH",
    "HIERARCHY_CYCLE",
    "HIERARCHY_ORPHAN",
    "CUSTOMER_CURRENCY_MISMATCH",
    "CUSTOMER_STATUS_MISMATCH",
    "LEGAL_ENTITY_MISMATCH",
)
MATCHED_CODES = ("CUSTOMER_UNLINKED_MATCH", "CUSTOMER_DUPLICATE")
ENGAGEMENT_CODES = (
    "OPPORTUNITY_WITHOUT_PROJECT",
    "PROJECT_WITHOUT_OPPORTUNITY",
    "PROJECT_VALUE_MISMATCH",
    "BILLING_MODEL_MISMATCH",
    "PROJECT_CUSTOMER_MISMATCH",
)


def test_the_night_succeeds_with_every_check_passing(reconciled_small_firm):
    result = reconciled_small_firm.result
    assert result.success
    failed = [
        (e.asset_key.to_user_string(), e.check_name) for e in result.get_asset_check_evaluations() if not e.passed
    ]
    assert [f for f in failed if f[0].startswith("recon/findings")] == []


@pytest.mark.parametrize("code", CUSTOMER_CODES + ENGAGEMENT_CODES)
def test_deterministic_findings_equal_the_planted_ones(reconciled_small_firm, code):
    comparison = findings_vs_manifest(reconciled_small_firm.findings(), reconciled_small_firm.manifest, [code])
    assert any(f["code"] == code for f in reconciled_small_firm.manifest["findings"]), f"the firm plants {code}"
    assert comparison[code] == {"missing": [], "extra": []}


@pytest.mark.parametrize("code", MATCHED_CODES)
def test_matched_findings_have_full_precision_and_recall(reconciled_small_firm, code):
    findings = reconciled_small_firm.findings()
    comparison = findings_vs_manifest(findings, reconciled_small_firm.manifest, [code])[code]
    found = (findings["code"] == code).sum()
    planted = sum(f["code"] == code for f in reconciled_small_firm.manifest["findings"])
    precision, recall = (found - len(comparison["extra"])) / found, (planted - len(comparison["missing"])) / planted
    assert (precision, recall) == (1.0, 1.0), comparison
    assert findings[findings["code"] == code]["confidence"].between(0.85, 1.0).all()


def test_matched_findings_name_the_record_to_keep(reconciled_small_firm):
    """A duplicate's ids are those of the record linked to the other systems; its name is the expected one."""
    findings = reconciled_small_firm.findings().set_index("subject_key")
    for planted in (f for f in reconciled_small_firm.manifest["findings"] if f["code"] == "CUSTOMER_DUPLICATE"):
        finding = findings.loc[pair_key(planted["pair"])]
        assert (finding.crm_id, finding.psa_id, finding.erp_id) == (
            planted["crm_id"],
            planted["psa_id"],
            planted["erp_id"],
        )
        assert (finding.expected_value, finding.actual_value) == (planted["expected_value"], planted["actual_value"])


def test_edge_cases_are_not_findings(reconciled_small_firm):
    """An opportunity won inside the grace period is not yet missing its project."""
    within_grace = [
        e["crm_id"]
        for e in reconciled_small_firm.manifest["edge_cases"]
        if e["kind"] == "opportunity_within_grace_period"
    ]
    assert within_grace
    assert not reconciled_small_firm.findings()["crm_id"].isin(within_grace).any()


def test_a_groups_subsidiaries_sharing_its_domain_are_not_one_company(reconciled_small_firm):
    """Subsidiaries keep their group's web domain but have their own tax ids: never matched together."""
    subsidiaries = {
        f"crm:{e['crm_id']}" for e in reconciled_small_firm.manifest["edge_cases"] if e["kind"] == "group_shared_domain"
    }
    findings = reconciled_small_firm.findings()
    matched = findings[findings["code"].isin(MATCHED_CODES)]
    assert len(subsidiaries) > 2
    assert [key for key in matched["subject_key"] if set(key.split("|")) <= subsidiaries] == []


def test_every_finding_carries_the_contract_columns(reconciled_small_firm):
    findings = reconciled_small_firm.findings()
    ours = findings[findings["category"].isin(["customer", "engagement"])]
    assert set(ours["code"]) == {*CUSTOMER_CODES, *MATCHED_CODES, *ENGAGEMENT_CODES}
    assert ours["finding_id"].str.fullmatch(r"fnd_[0-9a-f]{16}").all() and ours["finding_id"].is_unique
    assert set(ours["severity"]) <= {"low", "medium", "high"}
    assert set(ours["owner_queue"]) <= {"finance", "pmo", "sales_ops"}
    assert (ours["first_seen"] == ours["last_seen"]).all() and (ours["age_days"] == 0).all()
    assert ours["detail"].str.endswith(".").all()
