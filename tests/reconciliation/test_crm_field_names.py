"""Issue 13: an org whose custom fields have other names than the sandbox's. Served by the emulator
under those names and configured in tieout, the small firm's night finds what the default night
finds, its contracts see no drift, and corrections and reports name the org's fields."""

import shutil

import duckdb
import openpyxl
import pytest
from dagster import materialize

from assets.corrections import correction_assets
from assets.reports import report_assets, report_checks
from corrections.approval import approve_corrections
from corrections.ownership import load_ownership
from corrections.targets import targets_from_configured
from corrections.writeback import drain
from pipelines.resources import build_resources
from resources.settings.crm import DEFAULT_CRM_FIELDS
from sandbox.emulators.salesforce import rename_custom_fields
from sandbox.runtime import stop_sandbox
from sandbox.store import SandboxStore
from tests.conftest import SNAPSHOT_DATE
from tests.corrections.conftest import outbox
from tests.reconciliation.conftest import every_stage, sandbox_night_environment

RENAMED = {
    "legal_entity": "Entity_Code__c",
    "psa_client_id": "Harvest_Client__c",
    "erp_customer_id": "QBO_Customer__c",
    "open_ar": "Receivable__c",
    "tax_id": "VAT_Number__c",
    "billing_model": "Contract_Type__c",
    "psa_project_id": "Harvest_Project__c",
}
CROSS_REFERENCES = ("psa_client_id", "erp_customer_id", "legal_entity")


@pytest.fixture(scope="module")
def renamed_night(small_firm_template, tmp_path_factory):
    """The small firm's org with every custom field renamed, tieout configured alike, taken through
    every stage, the proposed corrections and the reports."""
    home = tmp_path_factory.mktemp("renamed")
    with pytest.MonkeyPatch.context() as env:
        sandbox, warehouse = sandbox_night_environment(small_firm_template, home, env)
        rename_custom_fields(SandboxStore(sandbox / "state.db"), RENAMED)
        for holds, name in RENAMED.items():
            env.setenv(f"TIEOUT_SALESFORCE_{holds.upper()}_FIELD", name)
        try:
            result = materialize(
                [*every_stage(), *correction_assets, *report_assets, *report_checks],
                partition_key=SNAPSHOT_DATE,
                resources=build_resources(),
            )
            yield result, sandbox, warehouse, home / "home" / "reports" / SNAPSHOT_DATE
        finally:
            stop_sandbox(sandbox)


DEFAULT_NAMES = {getattr(DEFAULT_CRM_FIELDS, holds) for holds in RENAMED}


def rows(warehouse, sql: str) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as db:
        return db.execute(sql).fetchall()


def test_the_renamed_org_finds_what_the_default_one_does(renamed_night, reconciled_small_firm):
    result, _, warehouse, _ = renamed_night
    assert result.success
    findings = "SELECT code, subject_key FROM recon.findings ORDER BY ALL"
    default = reconciled_small_firm.query(findings)
    assert default and rows(warehouse, findings) == default


def test_the_contracts_know_the_renamed_fields(renamed_night, reconciled_small_firm):
    result, *_ = renamed_night
    salesforce = {
        (e.asset_key.path[2], e.check_name): e.passed
        for e in result.get_asset_check_evaluations()
        if e.asset_key.path[:2] == ["valid", "salesforce"]
    }
    assert salesforce == {(o, c): True for o in ("account", "opportunity") for c in ("schema_drift", "contract")} | {
        (o, "quarantine_share"): True for o in ("account", "opportunity")
    }
    # the rules on the renamed fields still run: the same records are quarantined for the same rules
    quarantine = "SELECT object, record_id, rule FROM quality.quarantine WHERE system = 'salesforce' ORDER BY ALL"
    renamed = rows(renamed_night[2], quarantine)
    assert renamed and renamed == reconciled_small_firm.query(quarantine)


def test_corrections_and_reports_name_the_orgs_fields(renamed_night, tmp_path):
    _, sandbox, warehouse, reports = renamed_night
    shutil.copytree(sandbox, tmp_path / "sandbox")  # the other tests read the night as it was
    proposed = outbox(warehouse)
    salesforce = {i: r for i, r in proposed.items() if r["target_system"] == "salesforce"}
    assert {r["field"] for r in salesforce.values()} <= set(RENAMED.values())
    cross_references = {i for i, r in salesforce.items() if r["field"] in {RENAMED[h] for h in CROSS_REFERENCES}}
    assert cross_references, "the small firm plants unlinked matches and legal entity mismatches"

    with pytest.MonkeyPatch.context() as env:
        env.setenv("TIEOUT_SANDBOX_DIR", str(tmp_path / "sandbox"))
        for holds, name in RENAMED.items():
            env.setenv(f"TIEOUT_SALESFORCE_{holds.upper()}_FIELD", name)
        ownership = load_ownership()
        targets = targets_from_configured(build_resources(), ownership).by_system()
        approve_corrections(warehouse, sorted(cross_references), "ana.finance")
        try:
            drain(warehouse, targets, ownership)
        finally:
            stop_sandbox(tmp_path / "sandbox")
    store, after = SandboxStore(tmp_path / "sandbox" / "state.db"), outbox(warehouse)
    assert {after[i]["state"] for i in cross_references} == {"applied"}
    for i in cross_references:
        account = store.get("salesforce", "", "Account", after[i]["record_id"])
        assert account[after[i]["field"]] == after[i]["value_after"]
        assert not set(account) & DEFAULT_NAMES

    book = openpyxl.load_workbook(reports / f"tieout-{SNAPSHOT_DATE}.xlsx")
    header, *listed = book["Corrections"].iter_rows(values_only=True)
    field, system = header.index("field"), header.index("target_system")
    assert {r[field] for r in listed if r[system] == "salesforce"} == {r["field"] for r in salesforce.values()}
    cells = {str(c) for sheet in book.worksheets for r in sheet.iter_rows(values_only=True) for c in r if c}
    texts = [p.read_text() for p in reports.glob("*.csv")]
    assert not any(name in cell for name in DEFAULT_NAMES for cell in [*cells, *texts])
