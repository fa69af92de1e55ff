"""Two consecutive nights with some discrepancies fixed in between through the emulators' APIs: the
findings keep their ids, age by a night, and the fixed ones are resolved on the second night, while
the first night's report stays as it was."""

import shutil
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
import pytest
import requests

from assets.reconciliation.checks import growth_result, owners_result
from assets.reconciliation.findings import build_findings
from resources.settings.reconciliation import FindingChecks, ReconciliationSettings
from sandbox.runtime import running_sandbox, stop_sandbox
from tests.conftest import NEXT_NIGHT, SNAPSHOT_DATE
from tests.reconciliation.conftest import ReconciledFirm, run_night, sandbox_night_environment

FIRST, SECOND = date.fromisoformat(SNAPSHOT_DATE), date.fromisoformat(NEXT_NIGHT)
SALESFORCE_API = "/services/data/v60.0/sobjects"
OURS = ("customer", "engagement")


def planted(manifest: dict, code: str, **where) -> dict:
    return next(f for f in manifest["findings"] if f["code"] == code and all(f[k] == v for k, v in where.items()))


def fix_in_the_sources(base_url, credentials, manifest: dict) -> dict[str, str]:
    """Fix three planted discrepancies the way a person would, in the source systems; returns the CRM
    id of each fixed finding by code."""
    orphan = planted(manifest, "HIERARCHY_ORPHAN", psa_id=None, erp_id=None)
    deal = planted(manifest, "PROJECT_VALUE_MISMATCH")
    archived = planted(manifest, "CUSTOMER_STATUS_MISMATCH")
    salesforce = {"Authorization": f"Bearer {credentials('salesforce')['access_token']}"}
    harvest = {
        "Authorization": f"Bearer {credentials('harvest')['access_token']}",
        "Harvest-Account-Id": credentials("harvest")["account_id"],
        "User-Agent": "tieout tests (qa@example.com)",
    }
    writes = [
        requests.patch(
            f"{base_url('salesforce')}{SALESFORCE_API}/Account/{orphan['crm_id']}",
            json={"ParentId": None},
            headers=salesforce,
            timeout=10,
        ),
        requests.patch(
            f"{base_url('salesforce')}{SALESFORCE_API}/Opportunity/{deal['crm_id']}",
            json={"Amount": float(deal["actual_value"])},
            headers=salesforce,
            timeout=10,
        ),
        requests.patch(
            f"{base_url('harvest')}/v2/clients/{archived['psa_id']}",
            json={"is_active": True},
            headers=harvest,
            timeout=10,
        ),
    ]
    assert [w.status_code for w in writes] == [204, 204, 200], [w.text for w in writes]
    return {finding["code"]: finding["crm_id"] for finding in (orphan, deal, archived)}


@pytest.fixture(scope="module")
def two_nights(reconciled_small_firm, tmp_path_factory) -> tuple[pd.DataFrame, pd.DataFrame, dict, Path]:
    """(first night's findings, second night's findings, the fixed CRM ids by code, the warehouse);
    the first night is the shared one, copied with its sandbox state, the second runs here."""
    home = tmp_path_factory.mktemp("two-nights")
    with pytest.MonkeyPatch.context() as env:
        sandbox, warehouse = sandbox_night_environment(reconciled_small_firm.sandbox, home, env)
        copy_warehouse(reconciled_small_firm.warehouse, warehouse)
        try:
            runtime = running_sandbox(sandbox, "small")
            fixed = fix_in_the_sources(runtime.base_url, runtime.credentials, reconciled_small_firm.manifest)
            result = run_night(NEXT_NIGHT)
        finally:
            stop_sandbox(sandbox)
    assert result.success
    nights = [
        ReconciledFirm(warehouse, sandbox, reconciled_small_firm.manifest, result, night) for night in (FIRST, SECOND)
    ]
    first, second = (pd.concat([n.findings("open"), n.findings("resolved")]) for n in nights)
    return first, second, fixed, warehouse


def copy_warehouse(source: Path, target: Path) -> None:
    """The DuckDB file with its write-ahead log (what was not checkpointed yet lives only there)."""
    for suffix in ("", ".wal"):
        if Path(f"{source}{suffix}").exists():
            shutil.copyfile(f"{source}{suffix}", f"{target}{suffix}")


def ours(findings: pd.DataFrame) -> pd.DataFrame:
    return findings[findings["category"].isin(OURS)].set_index("finding_id")


def test_the_first_night_report_is_unchanged(reconciled_small_firm, two_nights):
    first, *_ = two_nights
    before = reconciled_small_firm.findings()
    assert sorted(first["finding_id"]) == sorted(before["finding_id"])
    assert (first["status"] == "open").all()


def test_fixed_findings_are_resolved_the_next_night(two_nights):
    first, second, fixed, _ = two_nights
    second = ours(second)
    resolved = second[second["status"] == "resolved"]
    assert sorted(zip(resolved["code"], resolved["crm_id"])) == sorted(fixed.items())
    assert (resolved["first_seen"] == pd.Timestamp(FIRST)).all() and (
        resolved["last_seen"] == pd.Timestamp(FIRST)
    ).all()


def test_unfixed_findings_keep_their_ids_and_age(two_nights):
    first, second, fixed, _ = two_nights
    first, second = ours(first), ours(second)
    still_open = second[second["status"] == "open"]
    assert sorted(still_open.index) == sorted(first.index.difference(resolved_ids(first, fixed)))
    assert (still_open["first_seen"] == pd.Timestamp(FIRST)).all()
    assert (still_open["last_seen"] == pd.Timestamp(SECOND)).all()
    assert (still_open["age_days"] == 1).all()
    assert (still_open["subject_key"] == first.loc[still_open.index, "subject_key"]).all()


def resolved_ids(first: pd.DataFrame, fixed: dict[str, str]) -> list[str]:
    return [fid for fid, row in first.iterrows() if row["code"] in fixed and fixed[row["code"]] == row["crm_id"]]


def test_checks_guard_owners_and_overnight_growth(two_nights, tmp_path):
    """Re-running the second night with a code left without owner fails the owner check (and keeps
    every finding id); a tighter growth factor fails the growth check."""
    _, second, _, warehouse = two_nights
    duplicates = ((second["code"] == "CUSTOMER_DUPLICATE") & (second["status"] == "open")).sum()
    copy = tmp_path / "warehouse.duckdb"
    copy_warehouse(warehouse, copy)
    settings = ReconciliationSettings.load()
    unowned = settings.model_copy(
        update={"owner_queues": {k: v for k, v in settings.owner_queues.items() if k != "CUSTOMER_DUPLICATE"}}
    )
    with duckdb.connect(str(copy)) as connection:
        before = connection.execute(
            "SELECT list_sort(list(finding_id)) FROM recon.findings WHERE snapshot_date = ?", [SECOND]
        ).fetchone()
        build_findings(connection, SECOND, unowned)
        after = connection.execute(
            "SELECT list_sort(list(finding_id)) FROM recon.findings WHERE snapshot_date = ?", [SECOND]
        ).fetchone()
        owners = owners_result(connection, SECOND)
        growth = growth_result(connection, SECOND, settings)
        tight = growth_result(
            connection, SECOND, settings.model_copy(update={"checks": FindingChecks(max_overnight_growth_factor=0.5)})
        )
    assert after == before
    assert not owners.passed and owners.metadata["codes_without_owner"].value == {"CUSTOMER_DUPLICATE": duplicates}
    assert growth.passed and not tight.passed
