"""tieout against a firm it did not generate (../shared/acceptance): every planted finding and
nothing else, nothing on the clean firm, the same findings through injected API faults, and a
writeback that writes each correction once, to the system that does not own the field."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from corrections.approval import list_corrections
from corrections.ownership import load_ownership
from corrections.proposals import RULE_FIELDS
from tests.acceptance.conftest import load_scorer

COMPARED = (
    "finding_id",
    "code",
    "severity",
    "crm_id",
    "psa_id",
    "erp_id",
    "document_number",
    "currency",
    "expected_value",
    "actual_value",
    "amount_difference",
)


@pytest.fixture(scope="module")
def planted(acceptance_night):
    night = acceptance_night("small-planted")
    assert night.exit_code == 0, night.output[-3000:]
    return night


def score_table(kit, night) -> list[tuple]:
    """(code, expected, found, matched) per code, by the kit's own scorer."""
    return load_scorer(kit).score(night.manifest["expected_findings"], night.findings())


def test_the_planted_firm_gets_every_planted_finding_and_nothing_else(kit, planted):
    table = score_table(kit, planted)
    wrong = [
        (code, expected, found, matched) for code, expected, found, matched in table if not expected == found == matched
    ]
    assert wrong == []
    assert {code for code, *_ in table} == {f["code"] for f in planted.manifest["expected_findings"]}


def test_the_clean_firm_gets_no_finding(acceptance_night):
    night = acceptance_night("small-clean")
    assert night.exit_code == 0, night.output[-3000:]
    assert night.manifest["clean"] is True
    assert Counter(f["code"] for f in night.findings()) == Counter()


def test_injected_api_faults_change_no_finding(planted, acceptance_night):
    faulty = acceptance_night("small-planted", fault_rate=0.2)
    assert faulty.exit_code == 0, faulty.output[-3000:]
    assert any("fault" in entry for entry in faulty.logged())  # the faults did happen
    as_set = lambda night: {tuple(str(f[c]) for c in COMPARED) for f in night.findings()}  # noqa: E731
    assert as_set(faulty) == as_set(planted)


def written_records(entry: dict, entity_of_realm: dict) -> list[tuple[str, str, str]]:
    """(system, object, record id) of each record one logged write request changes."""
    body, path = entry.get("body") or {}, entry["path"]
    if entry["vendor"] == "harvest":
        object_name, record_id = re.match(r"/v2/(\w+)/(\d+)", path).groups()
        return [("harvest", object_name, record_id)]
    if entry["vendor"] == "salesforce":
        records = body.get("records") if "/composite/sobjects" in path else [{**body, "id": path.rsplit("/", 1)[-1]}]
        return [
            (
                "salesforce",
                r["attributes"]["type"] if "attributes" in r else path.split("/")[-2],
                r.get("id") or r.get("Id"),
            )
            for r in records
        ]
    realm = re.search(r"/company/(\d+)/", path).group(1)
    items = body.get("BatchItemRequest") if path.endswith("/batch") else [{path.rsplit("/", 1)[-1]: body}]
    return [
        ("quickbooks", name, f"{entity_of_realm[realm]}:{value['Id']}")
        for item in items
        for name, value in item.items()
        if isinstance(value, dict) and "Id" in value
    ]


def test_the_writeback_writes_each_correction_once_and_never_to_the_fields_owner(planted):
    before = len(planted.logged())
    drained = planted.tieout("corrections", "writeback")
    assert drained.returncode == 0, drained.stdout + drained.stderr
    applied = list_corrections(planted.warehouse, ["applied"])
    assert applied, "the planted firm has corrections tieout applies on its own"
    entity_of_realm = {e["realm_id"]: e["code"] for e in planted.manifest["legal_entities"]}
    writes = [
        entry
        for entry in planted.logged()[before:]
        if entry["method"] != "GET" and not entry["path"].endswith("/query")
    ]
    written = Counter(record for entry in writes for record in written_records(entry, entity_of_realm))
    wanted = Counter(
        (
            c["target_system"],
            c["target_object"],
            f"{c['legal_entity']}:{c['record_id']}" if c["target_system"] == "quickbooks" else c["record_id"],
        )
        for c in applied
    )
    assert written == wanted
    assert all(entry["status"] in (200, 201) for entry in writes)
    ownership = load_ownership()
    assert [c for c in applied if c["target_system"] in ownership.owners(RULE_FIELDS[c["rule"]])] == []
