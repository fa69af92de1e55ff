"""The sandbox firm with nothing planted: a whole night finds nothing at all, though its malformed
records are still quarantined (the quarantine makes no finding either)."""

import json

import duckdb
import pytest

from sandbox.firm import build_sandbox
from sandbox.runtime import stop_sandbox
from tests.conftest import AS_OF
from tests.reconciliation.conftest import run_night, sandbox_night_environment
from tests.validation.night import quarantined
from tests.validation.test_sandbox_night import planted


@pytest.fixture(scope="module")
def clean_night(tmp_path_factory):
    firm = tmp_path_factory.mktemp("clean-firm")
    build_sandbox(firm, size="small", as_of=AS_OF, clean=True)
    home = tmp_path_factory.mktemp("clean-night")
    with pytest.MonkeyPatch.context() as env:
        sandbox, warehouse = sandbox_night_environment(firm, home, env)
        try:
            result = run_night()
        finally:
            stop_sandbox(sandbox)
    return sandbox, warehouse, result


def test_a_clean_firm_has_no_finding(clean_night):
    sandbox, warehouse, result = clean_night
    manifest = json.loads((sandbox / "manifest.json").read_text())
    assert manifest["clean"] is True and manifest["findings"] == [] and manifest["malformed"]
    assert result.success
    with duckdb.connect(str(warehouse), read_only=True) as db:
        found = db.execute("SELECT code, count(*) FROM recon.findings GROUP BY code ORDER BY code").fetchall()
        unexplained = db.execute("SELECT count(*) FROM recon.tieout WHERE abs(unexplained) > 0.01").fetchone()[0]
    assert found == []
    assert unexplained == 0
    assert quarantined(warehouse) == planted(sandbox)
