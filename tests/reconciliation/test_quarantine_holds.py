"""A record quarantined on the second and third nights, and it is involved in a finding: the CRM
account of a planted CUSTOMER_MISSING_IN_ERP gets a currency no contract knows. Quarantine neither
resolves nor raises findings: the account's finding stays open as last seen, held by quarantine, its
age growing; its PSA client, deals and projects raise nothing new; and the report counts the held
findings."""

from datetime import UTC, date, datetime, timedelta

import duckdb
import pandas as pd
import pytest

from reports import load_night
from reports.summary import headline
from sandbox.runtime import running_sandbox, stop_sandbox
from tests.conftest import NEXT_NIGHT, SNAPSHOT_DATE
from tests.reconciliation.conftest import run_night, sandbox_night_environment
from tests.reconciliation.test_aging import copy_warehouse, planted

FIRST, SECOND = date.fromisoformat(SNAPSHOT_DATE), date.fromisoformat(NEXT_NIGHT)
THIRD = SECOND + timedelta(days=1)
ID_COLUMNS = ["crm_id", "psa_id", "erp_id"]


def break_currency(store, account_id: str) -> None:
    """The account as a bad import leaves it, with a currency the API itself would refuse."""
    now = datetime.now(UTC)
    stamp = now.strftime("%Y-%m-%dT%H:%M:%S.000+0000")
    account = store.get("salesforce", "", "Account", account_id)
    account.update(CurrencyIsoCode="XXX", LastModifiedDate=stamp, SystemModstamp=stamp)
    store.put("salesforce", "", "Account", account_id, account, now.strftime("%Y-%m-%dT%H:%M:%SZ"))


@pytest.fixture(scope="module")
def quarantine_night(reconciled_small_firm, tmp_path_factory):
    """(the planted finding's account, the warehouse after the second and third nights)."""
    home = tmp_path_factory.mktemp("quarantine-holds")
    account = planted(reconciled_small_firm.manifest, "CUSTOMER_MISSING_IN_ERP")["crm_id"]
    with pytest.MonkeyPatch.context() as env:
        sandbox, warehouse = sandbox_night_environment(reconciled_small_firm.sandbox, home, env)
        copy_warehouse(reconciled_small_firm.warehouse, warehouse)
        try:
            break_currency(running_sandbox(sandbox, "small").store, account)
            results = [run_night(night.isoformat()) for night in (SECOND, THIRD)]
        finally:
            stop_sandbox(sandbox)
    assert all(result.success for result in results)
    return account, warehouse


def findings(db, night: date) -> pd.DataFrame:
    return db.execute("SELECT * FROM recon.findings WHERE snapshot_date = ?", [night]).df().set_index("finding_id")


def linked_ids(db, account: str) -> set[str]:
    """The account's customer on the first night: its records in every system, its deals and projects."""
    return {
        source_id
        for (source_id,) in db.execute(
            "WITH customer AS (SELECT global_id FROM canonical.customer WHERE snapshot_date = $first AND system = 'crm' "
            "                  AND source_id = $account) "
            "SELECT source_id FROM canonical.customer WHERE snapshot_date = $first AND global_id IN (FROM customer) "
            "UNION SELECT source_id FROM canonical.engagement WHERE snapshot_date = $first "
            "                                                 AND customer_global_id IN (FROM customer)",
            {"first": FIRST, "account": account},
        ).fetchall()
    }


def naming(frame: pd.DataFrame, ids: set[str]) -> pd.DataFrame:
    return frame[frame[ID_COLUMNS].isin(ids).any(axis=1)]


@pytest.mark.parametrize("night", [SECOND, THIRD])
def test_the_account_is_quarantined_and_its_finding_stays_as_last_seen(quarantine_night, night):
    account, warehouse = quarantine_night
    with duckdb.connect(str(warehouse), read_only=True) as db:
        rules = db.execute(
            "SELECT rule FROM quality.quarantine WHERE snapshot_date = ? AND object = 'Account' AND record_id = ?",
            [night, account],
        ).fetchall()
        first, tonight = findings(db, FIRST), findings(db, night)
    assert rules == [("currency_unknown",)]
    (finding_id,) = first[(first["code"] == "CUSTOMER_MISSING_IN_ERP") & (first["crm_id"] == account)].index
    held = tonight.loc[finding_id]
    assert (held["status"], held["held_by"], held["last_seen"]) == ("open", "quarantine", pd.Timestamp(FIRST))
    assert held["first_seen"] == first.loc[finding_id, "first_seen"]
    assert held["age_days"] == first.loc[finding_id, "age_days"] + (night - FIRST).days


@pytest.mark.parametrize("night", [SECOND, THIRD])
def test_its_linked_records_raise_nothing_new_and_nothing_of_theirs_is_resolved(quarantine_night, night):
    account, warehouse = quarantine_night
    with duckdb.connect(str(warehouse), read_only=True) as db:
        ids = linked_ids(db, account)
        first, tonight = findings(db, FIRST), findings(db, night)
    assert len(ids) > 2  # the account, its PSA client, its deals and projects
    first_open = naming(first[first["status"] == "open"], ids)
    named = naming(tonight, ids)
    assert sorted(named.index) == sorted(first_open.index)
    assert (named["status"] == "open").all() and (named["held_by"] == "quarantine").all()


def test_the_report_counts_the_findings_held_by_quarantine(quarantine_night):
    _, warehouse = quarantine_night
    with duckdb.connect(str(warehouse), read_only=True) as db:
        lines = dict(headline(load_night(db, THIRD)))
        (held,) = db.execute(
            "SELECT count(*) FROM recon.findings WHERE snapshot_date = ? AND status = 'open' "
            "AND held_by = 'quarantine'",
            [THIRD],
        ).fetchone()
    assert held >= 1 and lines["Open findings held by quarantine (as last seen)"] == held
