"""Issue 13: the Salesforce contracts follow the configured custom field names. An org that names
them otherwise, configured alike, has its rules on those fields applied under its names (a record
breaking one is quarantined naming the org's field) and shows no schema drift."""

import json

from sandbox.emulators.salesforce import rename_custom_fields
from sandbox.store import SandboxStore
from tests.validation.night import check_results, quarantined, run_night, write_quality_config

RENAMED = {"legal_entity": "Entity_Code__c", "open_ar": "Receivable__c", "billing_model": "Contract_Type__c"}


def test_rules_apply_to_the_configured_fields_under_their_names(tieout_env, small_firm, tmp_path, monkeypatch):
    store = SandboxStore(small_firm / "state.db")
    rename_custom_fields(store, RENAMED)
    for holds, name in RENAMED.items():
        monkeypatch.setenv(f"TIEOUT_SALESFORCE_{holds.upper()}_FIELD", name)
    write_quality_config(tmp_path / "quality.yaml", monkeypatch, max_quarantine_share=0.2)
    planted = set()
    for object_name, field, value, rule in (
        ("Opportunity", "Contract_Type__c", "Retainer", "status_not_in_enum"),
        ("Account", "Entity_Code__c", 42, "wrong_type"),
        ("Account", "Receivable__c", "a lot", "wrong_type"),
    ):
        record = next(r for r in store.list("salesforce", "", object_name) if r["Id"] not in {p[3] for p in planted})
        store.put("salesforce", "", object_name, record["Id"], {**record, field: value}, record["SystemModstamp"])
        planted.add(("salesforce", "", object_name, record["Id"], rule, field))
    manifest = json.loads((small_firm / "manifest.json").read_text())
    planted |= {
        ("salesforce", "", m["object"], m["record_id"], m["rule"], m["field"])
        for m in manifest["malformed"]
        if m["system"] == "salesforce"
    }

    result = run_night(objects=[("salesforce", "Account"), ("salesforce", "Opportunity")])

    assert set(quarantined(tieout_env)) == planted
    checks = check_results(result)
    assert {o: checks[("salesforce", o, "schema_drift")].passed for o in ("account", "opportunity")} == {
        "account": True,
        "opportunity": True,
    }
