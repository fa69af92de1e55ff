"""The customer and engagement codes on the demo firm (the size a user first sees), taken through
every stage straight (benchmarks/stages.py: no HTTP, so it runs in about a minute): exactly the
planted findings for every deterministic code, and precision and recall of the fuzzy ones at the
configured threshold."""

import json

import duckdb
import pytest

from benchmarks.stages import night as stages
from sandbox.firm.score import findings_vs_manifest, precision_recall
from tests.conftest import AS_OF
from tests.reconciliation.test_customers_and_engagements import CUSTOMER_CODES, ENGAGEMENT_CODES, MATCHED_CODES


@pytest.fixture(scope="module")
def demo_night(tmp_path_factory):
    from sandbox.firm import build_sandbox

    firm = tmp_path_factory.mktemp("demo-firm")
    build_sandbox(firm, size="demo", as_of=AS_OF)
    warehouse = firm / "warehouse.duckdb"
    with duckdb.connect(str(warehouse)) as connection:
        for stage in stages(firm / "state.db").values():
            stage(connection, AS_OF)
        findings = connection.execute(
            "SELECT * FROM recon.findings WHERE snapshot_date = ? AND status = 'open'", [AS_OF]
        ).df()
    return findings, json.loads((firm / "manifest.json").read_text())


def test_deterministic_codes_equal_the_manifest(demo_night):
    findings, manifest = demo_night
    codes = CUSTOMER_CODES + ENGAGEMENT_CODES
    assert all(any(f["code"] == code for f in manifest["findings"]) for code in codes)
    comparison = findings_vs_manifest(findings, manifest, codes)
    assert {code: result for code, result in comparison.items() if result["missing"] or result["extra"]} == {}


@pytest.mark.parametrize("code", MATCHED_CODES)
def test_fuzzy_codes_precision_and_recall(demo_night, code):
    findings, manifest = demo_night
    precision, recall = precision_recall(findings, manifest, code)
    print(f"{code}: precision {precision:.3f}, recall {recall:.3f}")
    assert precision >= 0.95 and recall >= 0.95, findings_vs_manifest(findings, manifest, [code])
