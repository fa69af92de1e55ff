"""The sandbox firm's night: exactly the malformed records its manifest lists are quarantined, with
their rule and field; every object's counts balance; the checks show with their metadata."""

import json
from collections import Counter

from tests.validation.night import (
    OBJECTS,
    check_results,
    quarantined,
    record_ids,
    run_night,
    valid_metadata,
    write_quality_config,
)


def planted(small_firm, listed: str = "malformed") -> Counter:
    """The manifest's malformed records (or, with `listed="warnings"`, those kept with a warning) as
    quality-table rows."""
    manifest = json.loads((small_firm / "manifest.json").read_text())
    entity_of = {e["realm_id"]: e["code"] for e in manifest["legal_entities"]}
    return Counter(
        (
            m["system"],
            entity_of.get(m["tenant"], ""),
            m["object"],
            None if str(m["record_id"]).startswith("store:") else m["record_id"],
            m["rule"],
            m["field"],
        )
        for m in manifest[listed]
    )


def test_exactly_the_planted_malformed_records_are_quarantined_and_the_checks_show(
    tieout_env, small_firm, tmp_path, monkeypatch
):
    write_quality_config(tmp_path / "quality.yaml", monkeypatch, max_quarantine_share=0.1)
    result = run_night()
    assert result.success
    assert quarantined(tieout_env) == planted(small_firm)
    assert quarantined(tieout_env, table="quality.warnings") == planted(small_firm, "warnings")
    entities = json.loads((small_firm / "manifest.json").read_text())["legal_entities"]
    erps = {e.get("erp", "quickbooks") for e in entities}
    for system, object_name in OBJECTS:
        metadata = valid_metadata(result, system, object_name)
        assert metadata["extracted"] == metadata["valid"] + metadata["quarantined"], (system, object_name)
        # an ERP none of the firm's legal entities uses (Xero, in the small firm), and HubSpot in a firm
        # without a business unit on it (the small firm has none), have nothing to check
        unused_erp = system in ("quickbooks", "xero", "ledger") and system not in erps
        unused_crm = system == "hubspot" and not keeps_credentials_of(small_firm, "hubspot")
        assert (metadata["extracted"] > 0) != (unused_erp or unused_crm), (system, object_name)
        assert metadata["balance_ok"] is True
        raw, valid = (
            record_ids(tieout_env, "raw", system, object_name),
            record_ids(tieout_env, "valid", system, object_name),
        )
        assert sum(valid.values()) == metadata["valid"]
        assert not valid - raw

    checks = check_results(result)
    assert len(checks) == 3 * len(OBJECTS)
    assert all(c.passed for c in checks.values()), [k for k, c in checks.items() if not c.passed]
    share = checks[("harvest", "time_entries", "quarantine_share")]
    assert share.metadata["quarantined"].value == valid_metadata(result, "harvest", "time_entries")["quarantined"]
    assert "hours_out_of_range" in share.metadata["failure_cases"].value
    assert share.metadata["rules_broken"].value["id_duplicate"] == 4
    assert share.description.startswith(f"{share.metadata['quarantined'].value} of ")
    contract = checks[("quickbooks", "invoice", "contract")]
    assert "invoice_lines_do_not_sum" in contract.metadata["rules_checked"].value
    assert contract.metadata["failure_cases"].value == "_none_"


def test_checking_in_small_slices_quarantines_exactly_the_same_records(tieout_env, small_firm, tmp_path, monkeypatch):
    """Slices are chosen by the record's id, so duplicate ids still meet and are caught."""
    write_quality_config(tmp_path / "quality.yaml", monkeypatch, max_quarantine_share=0.1, slice_records=7)
    result = run_night()
    assert result.success
    assert quarantined(tieout_env) == planted(small_firm)
    assert quarantined(tieout_env, table="quality.warnings") == planted(small_firm, "warnings")
    assert valid_metadata(result, "harvest", "time_entries")["rules_broken"]["id_duplicate"] == 4


def keeps_credentials_of(firm, system: str) -> bool:
    """Whether the sandbox firm's state holds the system's credentials (a HubSpot unit, say)."""
    from sandbox.store import SandboxStore

    return system in (SandboxStore(firm / "state.db").meta("credentials") or {})
