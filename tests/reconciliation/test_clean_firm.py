"""The sandbox firm with nothing planted: a whole night finds nothing at all, though its malformed
records are still quarantined (the quarantine makes no finding either)."""

import pytest

from sandbox.firm import build_sandbox
from tests.conftest import AS_OF
from tests.reconciliation.conftest import reconcile
from tests.validation.night import quarantined
from tests.validation.test_sandbox_night import planted


@pytest.fixture(scope="module")
def clean_night(tmp_path_factory):
    firm = tmp_path_factory.mktemp("clean-firm")
    build_sandbox(firm, size="small", as_of=AS_OF, clean=True)
    return reconcile(firm, tmp_path_factory.mktemp("clean-night"))


def test_a_clean_firm_has_no_finding(clean_night):
    assert clean_night.manifest["clean"] is True and clean_night.manifest["findings"] == []
    assert clean_night.manifest["malformed"]
    assert clean_night.result.success
    found = clean_night.query("SELECT code, count(*) FROM recon.findings GROUP BY code ORDER BY code")
    assert found == []
    assert clean_night.query("SELECT count(*) FROM recon.tieout WHERE abs(unexplained) > 0.01") == [(0,)]
    assert quarantined(clean_night.warehouse) == planted(clean_night.sandbox)
