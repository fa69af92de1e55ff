"""Every concern's settings: a bad value is refused with a message naming the setting (the variable,
or the file and the key path), a secret is never in that message, and unset settings give the
embedded default. The command line refuses them with exit code 2; the code location fails to load."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
import yaml
from dagster import EnvVar

from pipelines.cli import main
from pipelines.resources import build_resources
from resources.settings import SettingsError, validate_settings
from resources.settings.environment import AlertSettings, ScheduleSettings, SourcesSettings, WarehouseSettings
from resources.settings.ownership import OwnershipSettings
from resources.settings.portal import PortalSettings
from resources.settings.quality import QualitySettings
from resources.settings.reconciliation import ReconciliationSettings

REPO = Path(__file__).resolve().parents[1]
SECRET = "xoxb-do-not-show-this"


@pytest.fixture(autouse=True)
def no_settings(monkeypatch):
    """Start every test from the embedded default: no TIEOUT_ variable of the caller's shell."""
    for name in [name for name in os.environ if name.startswith("TIEOUT_")]:
        monkeypatch.delenv(name)


def refused(concern, **kwargs) -> str:
    with pytest.raises(SettingsError) as error:
        concern.load(**kwargs)
    return str(error.value)


@pytest.mark.parametrize(
    ("concern", "variable", "value", "reason"),
    [
        (WarehouseSettings, "TIEOUT_WAREHOUSE_MEMORY_LIMIT", "lots", "should match pattern"),
        (ScheduleSettings, "TIEOUT_NIGHTLY_HOUR", "24", "less than or equal to 23"),
        (ScheduleSettings, "TIEOUT_WRITEBACK_MINUTE", "half past", "valid integer"),
        (ScheduleSettings, "TIEOUT_SCHEDULES", "yes", "'on' or 'off'"),
        (ScheduleSettings, "TIEOUT_TIMEZONE", "Mars/Olympus_Mons", "not a time zone"),
        (ScheduleSettings, "TIEOUT_FIRST_SNAPSHOT_DATE", "2025-13-01", "valid date"),
        (SourcesSettings, "TIEOUT_QUICKBOOKS_REALMS", "US=9130", "must be JSON: legal entity code to realm id"),
        (SourcesSettings, "TIEOUT_XERO_TENANTS", '["6f1b2a3c"]', "must be JSON: legal entity code to Xero tenant id"),
        (SourcesSettings, "TIEOUT_ERP_CUTOVERS", "DE=xero", "must be JSON, e.g. {"),
        (SourcesSettings, "TIEOUT_ERP_CUTOVERS", '{"DE": "xero"}', "DE: a cutover is an object with from, to and on"),
        (
            SourcesSettings,
            "TIEOUT_ERP_CUTOVERS",
            '{"DE": {"from": "xero", "to": "xero", "on": "2026-10-01"}}',
            "DE: a cutover goes from one of quickbooks, xero, ledger to another, not xero->xero",
        ),
        (
            SourcesSettings,
            "TIEOUT_ERP_CUTOVERS",
            '{"DE": {"from": "quickbooks", "to": "xero", "on": "1 October"}}',
            "DE: the cutover date must be YYYY-MM-DD",
        ),
        (SourcesSettings, "TIEOUT_XERO_BASE_URL", "api.xero.com", "http(s) URL"),
        (SourcesSettings, "TIEOUT_HARVEST_BASE_URL", "api.harvestapp.com", "http(s) URL"),
        (SourcesSettings, "TIEOUT_EMBEDDED_SOURCES", "sandbox.runtime", "should match pattern"),
        (SourcesSettings, "TIEOUT_SALESFORCE_LEGAL_ENTITY_FIELD", "Entity Code__c", "not a Salesforce field API name"),
        (SourcesSettings, "TIEOUT_SALESFORCE_OPEN_AR_FIELD", "Open_AR__c'; DROP", "not a Salesforce field API name"),
        (SourcesSettings, "TIEOUT_SALESFORCE_TAX_ID_FIELD", "Tax_Id__x", "not a Salesforce field API name"),
        (SourcesSettings, "TIEOUT_SALESFORCE_BILLING_MODEL_FIELD", "Billing_Model_", "not a Salesforce field API name"),
        (SourcesSettings, "TIEOUT_SALESFORCE_PSA_PROJECT_ID_FIELD", "1Harvest__c", "not a Salesforce field API name"),
        (SourcesSettings, "TIEOUT_SALESFORCE_PSA_CLIENT_ID_FIELD", "H" * 41 + "__c", "not a Salesforce field API name"),
    ],
)
def test_a_bad_variable_is_refused_naming_it(monkeypatch, concern, variable, value, reason):
    monkeypatch.setenv(variable, value)
    message = refused(concern)
    assert message.startswith(f"{variable}: ") and reason in message


def test_salesforce_field_names_of_every_shape_salesforce_allows_are_taken(monkeypatch):
    names = {
        "TIEOUT_SALESFORCE_LEGAL_ENTITY_FIELD": "Entity_Code__c",
        "TIEOUT_SALESFORCE_ERP_CUSTOMER_ID_FIELD": "acme__QBO_Customer__c",  # a managed package's namespace
        "TIEOUT_SALESFORCE_TAX_ID_FIELD": "AccountNumber",  # a standard field
        "TIEOUT_SALESFORCE_PSA_CLIENT_ID_FIELD": "H" * 40 + "__c",
    }
    for variable, name in names.items():
        monkeypatch.setenv(variable, name)
    resource = build_resources()["salesforce"]
    assert resource.crm_fields().model_dump() == {
        "legal_entity": "Entity_Code__c",
        "psa_client_id": "H" * 40 + "__c",
        "erp_customer_id": "acme__QBO_Customer__c",
        "open_ar": "Open_AR__c",
        "tax_id": "AccountNumber",
        "billing_model": "Billing_Model__c",
        "psa_project_id": "PSA_Project_Id__c",
    }


def test_two_salesforce_settings_naming_one_field_are_refused(monkeypatch):
    monkeypatch.setenv("TIEOUT_SALESFORCE_ERP_CUSTOMER_ID_FIELD", "psa_client_id__c")
    assert refused(SourcesSettings) == (
        "TIEOUT_SALESFORCE_PSA_CLIENT_ID_FIELD and TIEOUT_SALESFORCE_ERP_CUSTOMER_ID_FIELD name the same field "
        "psa_client_id__c"
    )


def test_a_source_url_without_its_credentials_names_them_and_hides_the_token(monkeypatch):
    monkeypatch.setenv("TIEOUT_HARVEST_BASE_URL", "https://api.harvestapp.com")
    monkeypatch.setenv("TIEOUT_HARVEST_ACCESS_TOKEN", SECRET)
    message = refused(SourcesSettings)
    assert message == (
        "TIEOUT_HARVEST_BASE_URL is set without TIEOUT_HARVEST_ACCOUNT_ID: set them too, or unset it to use the sandbox"
    )


def test_xero_is_configured_beside_quickbooks_its_secrets_as_variables(monkeypatch):
    monkeypatch.setenv("TIEOUT_XERO_BASE_URL", "https://api.xero.com")
    assert refused(SourcesSettings).startswith("TIEOUT_XERO_BASE_URL is set without TIEOUT_XERO_ACCESS_TOKEN (or ")
    for name in ("CLIENT_ID", "CLIENT_SECRET", "REFRESH_TOKEN"):
        monkeypatch.setenv(f"TIEOUT_XERO_{name}", SECRET)
    monkeypatch.setenv("TIEOUT_XERO_TENANTS", '{"UK": "6f1b2a3c-0000-4000-8000-000000000001"}')
    sources = SourcesSettings.load()
    assert sources.of_resource("xero") == {
        "base_url": "https://api.xero.com",
        "client_id": EnvVar("TIEOUT_XERO_CLIENT_ID"),
        "client_secret": EnvVar("TIEOUT_XERO_CLIENT_SECRET"),
        "refresh_token": EnvVar("TIEOUT_XERO_REFRESH_TOKEN"),
        "tenants": '{"UK": "6f1b2a3c-0000-4000-8000-000000000001"}',
    }
    assert SECRET not in repr(sources)


def test_a_bad_secret_is_named_but_never_shown(monkeypatch):
    monkeypatch.setenv("TIEOUT_ALERT_WEBHOOK_URL", f"hooks.slack.com/services/{SECRET}")
    message = refused(AlertSettings)
    assert message == "TIEOUT_ALERT_WEBHOOK_URL: must be an http(s) URL" and SECRET not in message


def test_a_secret_goes_to_the_resources_as_its_variable(monkeypatch):
    monkeypatch.setenv("TIEOUT_QUICKBOOKS_BASE_URL", "https://quickbooks.api.intuit.com")
    monkeypatch.setenv("TIEOUT_QUICKBOOKS_ACCESS_TOKEN", SECRET)
    monkeypatch.setenv("TIEOUT_SALESFORCE_OPEN_AR_FIELD", "Receivable__c")
    sources = SourcesSettings.load()
    assert sources.of_resource("quickbooks") == {
        "access_token": EnvVar("TIEOUT_QUICKBOOKS_ACCESS_TOKEN"),
        "base_url": "https://quickbooks.api.intuit.com",
    }
    assert sources.of_resource("salesforce") == {"open_ar_field": "Receivable__c"}
    assert SECRET not in repr(sources)


def test_an_oauth_app_stands_in_for_the_access_token_its_secrets_as_variables(monkeypatch, tmp_path):
    monkeypatch.setenv("TIEOUT_HOME", str(tmp_path))
    monkeypatch.setenv("TIEOUT_QUICKBOOKS_BASE_URL", "https://quickbooks.api.intuit.com")
    for name in ("CLIENT_ID", "CLIENT_SECRET"):
        monkeypatch.setenv(f"TIEOUT_QUICKBOOKS_{name}", SECRET)
    assert refused(SourcesSettings) == (
        "TIEOUT_QUICKBOOKS_BASE_URL is set without TIEOUT_QUICKBOOKS_ACCESS_TOKEN (or TIEOUT_QUICKBOOKS_CLIENT_ID, "
        "TIEOUT_QUICKBOOKS_CLIENT_SECRET, TIEOUT_QUICKBOOKS_REFRESH_TOKEN): set them too, or unset it to use the sandbox"
    )
    monkeypatch.setenv("TIEOUT_QUICKBOOKS_REFRESH_TOKEN", SECRET)
    assert SourcesSettings.load().of_resource("quickbooks") == {
        "base_url": "https://quickbooks.api.intuit.com",
        "client_id": EnvVar("TIEOUT_QUICKBOOKS_CLIENT_ID"),
        "client_secret": EnvVar("TIEOUT_QUICKBOOKS_CLIENT_SECRET"),
        "refresh_token": EnvVar("TIEOUT_QUICKBOOKS_REFRESH_TOKEN"),
    }
    assert build_resources()["quickbooks"].token_store == str(tmp_path.resolve() / "tokens.json")


def test_unset_variables_give_the_embedded_default(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TIEOUT_NIGHTLY_MINUTE", "")  # empty counts as unset
    warehouse, schedule, sources = WarehouseSettings.load(), ScheduleSettings.load(), SourcesSettings.load()
    assert warehouse.root == tmp_path / ".tieout" and warehouse.database == tmp_path / ".tieout" / "warehouse.duckdb"
    assert warehouse.warehouse_memory_limit == "3GB"
    assert (schedule.first_snapshot_date, schedule.timezone) == (date(2025, 1, 1), "UTC")
    assert (schedule.nightly_hour, schedule.nightly_minute, schedule.writeback_hour, schedule.writeback_minute) == (
        2,
        0,
        4,
        0,
    )
    assert schedule.schedules == "off" and AlertSettings.load().alert_webhook_url is None
    assert sources.embedded_sources == "sandbox.runtime:running_sandbox" and sources.sandbox_size == "demo"
    resources = build_resources()  # the connectors' own defaults: the sandbox and the standard field names
    assert resources["salesforce"].instance_url == "" and resources["salesforce"].open_ar_field == "Open_AR__c"
    assert resources["warehouse"].database == str(tmp_path / ".tieout" / "warehouse.duckdb")


def changed_file(tmp_path: Path, concern, path: tuple[str, ...], value) -> Path:
    """The concern's default file with the key at `path` set to `value`."""
    *parents, key = path
    root = yaml.safe_load(concern.default_file.read_text())
    target = root
    for part in parents:
        target = target.setdefault(part, {})
    target[key] = value
    written = tmp_path / concern.default_file.name
    written.write_text(yaml.safe_dump(root))
    return written


@pytest.mark.parametrize(
    ("concern", "variable", "path", "value", "reason"),
    [
        (QualitySettings, "TIEOUT_QUALITY_CONFIG", ("max_quarantine_share",), 1.5, "less than or equal to 1"),
        (QualitySettings, "TIEOUT_QUALITY_CONFIG", ("max_quarantin_share",), 0.1, "Extra inputs are not permitted"),
        (
            ReconciliationSettings,
            "TIEOUT_RECONCILIATION_CONFIG",
            ("owner_queues", "INVOICE_DUPLICATE"),
            "accounting",
            "'finance', 'pmo' or 'sales_ops'",
        ),
        (
            ReconciliationSettings,
            "TIEOUT_RECONCILIATION_CONFIG",
            ("severity", "high", "money_at_risk"),
            "lots",
            "valid number",
        ),
        (ReconciliationSettings, "TIEOUT_RECONCILIATION_CONFIG", ("checks", "max_overnight_growth"), 3, "Extra inputs"),
        (OwnershipSettings, "TIEOUT_OWNERSHIP", ("policies", "INVOICE_DUPLICATE"), "sometimes", "'auto', 'approval'"),
        (OwnershipSettings, "TIEOUT_OWNERSHIP", ("writeback", "max_attempts"), 0, "greater than or equal to 1"),
        (PortalSettings, "TIEOUT_PORTAL_CONFIG", ("port",), 70000, "less than or equal to 65535"),
        (PortalSettings, "TIEOUT_PORTAL_CONFIG", ("roles", "pmo", "queues"), ["pmo", "legal"], "'all', 'finance'"),
    ],
)
def test_a_bad_file_setting_is_refused_naming_the_file_and_key(
    tmp_path, monkeypatch, concern, variable, path, value, reason
):
    written = changed_file(tmp_path, concern, path, value)
    monkeypatch.setenv(variable, str(written))
    message = refused(concern)
    key = ".".join(path) + (".1" if isinstance(value, list) else "")
    assert message.startswith(f"{written} ({variable}): {key}: ") and reason in message


def test_a_bad_password_hash_is_named_but_never_shown(tmp_path, monkeypatch):
    written = changed_file(tmp_path, PortalSettings, ("users", "ana.finance", "password_hash"), SECRET)
    message = refused(PortalSettings, path=written)
    assert (
        message == f"{written}: users.ana.finance.password_hash: must be an argon2 hash (tieout portal hash-password)"
    )


def test_a_file_that_is_not_yaml_does_not_quote_its_line(tmp_path, monkeypatch):
    written = tmp_path / "portal.yaml"
    written.write_text(f"users:\n  ana: {{password_hash: {SECRET}\n")
    monkeypatch.setenv("TIEOUT_PORTAL_CONFIG", str(written))
    message = refused(PortalSettings)
    assert message.startswith(f"{written} (TIEOUT_PORTAL_CONFIG): not YAML") and SECRET not in message


def test_a_file_variable_naming_no_file_is_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("TIEOUT_OWNERSHIP", str(tmp_path / "missing.yaml"))
    assert refused(OwnershipSettings) == f"{tmp_path / 'missing.yaml'} (TIEOUT_OWNERSHIP): no such file"


def test_unset_file_variables_give_the_embedded_default_files():
    assert QualitySettings.load().max_quarantine_share == 0.10
    assert QualitySettings.load().threshold("harvest", "clients") == 0.10
    reconciliation = ReconciliationSettings.load()
    assert reconciliation.parameters["money_tolerance"] == 0.01 and reconciliation.severity.high.money_at_risk == 10000
    assert reconciliation.owner_queues["AR_BALANCE_MISMATCH"] == "finance"
    assert reconciliation.aging_buckets_days() == (30, 60, 90)
    ownership = OwnershipSettings.load()
    assert ownership.policies["AR_BALANCE_MISMATCH"] == "auto" and ownership.writeback.max_attempts == 3
    portal = PortalSettings.load()
    assert (portal.host, portal.port, portal.users["ana.finance"].role) == ("127.0.0.1", 8765, "finance")
    validate_settings()


def test_every_bad_setting_is_named_at_once(monkeypatch):
    monkeypatch.setenv("TIEOUT_NIGHTLY_HOUR", "24")
    monkeypatch.setenv("TIEOUT_ALERT_WEBHOOK_URL", "ftp://hooks")
    with pytest.raises(SettingsError) as error:
        validate_settings()
    assert str(error.value).splitlines() == [
        "TIEOUT_NIGHTLY_HOUR: Input should be less than or equal to 23",
        "TIEOUT_ALERT_WEBHOOK_URL: must be an http(s) URL",
    ]


def test_the_command_line_refuses_a_bad_setting_with_exit_code_2(monkeypatch, capsys):
    monkeypatch.setenv("TIEOUT_SCHEDULES", "yes")
    assert main(["corrections", "list"]) == 2
    assert capsys.readouterr().err == "tieout: TIEOUT_SCHEDULES: Input should be 'on' or 'off'\n"


def load_code_location(variables: dict[str, str]) -> subprocess.CompletedProcess:
    """`import pipelines.definitions` in a fresh interpreter, with only these tieout settings."""
    environment = {
        **{k: v for k, v in os.environ.items() if not k.startswith("TIEOUT_")},
        **variables,
        "PYTHONPATH": os.pathsep.join([str(REPO), str(REPO / "packages" / "tieout-sandbox")]),
    }
    return subprocess.run(
        [sys.executable, "-c", "import pipelines.definitions"],
        cwd=REPO,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_the_code_location_does_not_load_with_a_bad_setting(tmp_path):
    written = changed_file(tmp_path, QualitySettings, ("slice_records",), 0)
    loaded = load_code_location({"TIEOUT_QUALITY_CONFIG": str(written)})
    assert loaded.returncode != 0
    assert f"{written} (TIEOUT_QUALITY_CONFIG): slice_records: Input should be greater than 0" in loaded.stderr


def test_the_code_location_names_every_bad_setting_before_any_module_reads_one():
    """The partitions read the schedule when imported: the load must not stop at that one."""
    loaded = load_code_location({"TIEOUT_NIGHTLY_HOUR": "24", "TIEOUT_ALERT_WEBHOOK_URL": "ftp://hooks"})
    assert loaded.returncode != 0
    assert (
        "SettingsError: TIEOUT_NIGHTLY_HOUR: Input should be less than or equal to 23\n"
        "TIEOUT_ALERT_WEBHOOK_URL: must be an http(s) URL\n"
    ) in loaded.stderr


def test_a_cutover_needs_the_entitys_company_in_each_configured_erp(monkeypatch):
    monkeypatch.setenv("TIEOUT_ERP_CUTOVERS", '{"DE": {"from": "quickbooks", "to": "xero", "on": "2026-10-01"}}')
    monkeypatch.setenv("TIEOUT_XERO_BASE_URL", "https://api.xero.com")
    monkeypatch.setenv("TIEOUT_XERO_ACCESS_TOKEN", SECRET)
    monkeypatch.setenv("TIEOUT_XERO_TENANTS", '{"UK": "6f1b2a3c-0000-4000-8000-000000000001"}')
    assert refused(SourcesSettings) == (
        "TIEOUT_ERP_CUTOVERS moves DE to or from xero, but TIEOUT_XERO_TENANTS names no company of DE"
    )
    monkeypatch.setenv("TIEOUT_XERO_TENANTS", '{"DE": "6f1b2a3c-0000-4000-8000-000000000002"}')
    assert SourcesSettings.load().erp_cutovers
    monkeypatch.delenv("TIEOUT_ERP_CUTOVERS")
    monkeypatch.setenv("TIEOUT_QUICKBOOKS_REALMS", '{"DE": "9130"}')
    assert refused(SourcesSettings) == (
        "DE has a company in QuickBooks and in Xero: a legal entity keeps its books in one ERP, "
        "or moves between them by a cutover (TIEOUT_ERP_CUTOVERS)"
    )


def test_a_cutover_reaches_both_erps_and_only_them(monkeypatch):
    """Both ERPs' connectors mark the entity's company as the former or the current one."""
    cutover = '{"DE": {"from": "quickbooks", "to": "xero", "on": "2026-10-01"}}'
    monkeypatch.setenv("TIEOUT_ERP_CUTOVERS", cutover)
    resources = build_resources()
    assert resources["quickbooks"].cutovers == resources["xero"].cutovers == cutover
    assert not hasattr(resources["harvest"], "cutovers")


def test_the_ledger_is_configured_beside_quickbooks_its_url_as_a_variable(monkeypatch, tmp_path):
    """The ledger's URL holds a password: the resource gets the variable, never the value."""
    secret = "mysql+pymysql://tieout:S3cret-pw@db.internal/ledger"
    monkeypatch.setenv("TIEOUT_HOME", str(tmp_path))
    monkeypatch.setenv("TIEOUT_LEDGER_URL", secret)
    monkeypatch.setenv("TIEOUT_LEDGER_DROP_DIR", str(tmp_path / "drop"))
    assert SourcesSettings.load().of_resource("ledger") == {
        "url": EnvVar("TIEOUT_LEDGER_URL"),
        "drop_dir": str(tmp_path / "drop"),
    }
    ledger = build_resources()["ledger"]
    assert ledger.warehouse_database == str(tmp_path.resolve() / "warehouse.duckdb")
    assert "S3cret" not in repr(ledger)
    monkeypatch.setenv("TIEOUT_LEDGER_URL", "S3cret-pw-but-no-url")
    with pytest.raises(SettingsError) as refused:
        SourcesSettings.load()
    assert "TIEOUT_LEDGER_URL: must be a SQLAlchemy database URL" in str(refused.value)
    assert "S3cret" not in str(refused.value)
