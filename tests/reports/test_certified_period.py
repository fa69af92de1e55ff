"""A certified month that a later night changes (docs/decisions.md 26): on the reconciled small firm,
finance signs off a legal entity's month in the portal; a PSA invoice of that month is then moved to a
later month in Harvest (through the emulator's API), and the next night has exactly one
CERTIFIED_PERIOD_CHANGED, for that legal entity, month and currency, naming the certified figures,
tonight's and who signed; its tie-out still has no unexplained remainder, the finding is in the
workbook and finance's queue file, and /periods shows the month changed since the sign-off."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import duckdb
import openpyxl
import pytest
import requests
from argon2 import PasswordHasher

from portal.config import PortalConfig, Role, User
from portal.server import running_portal
from sandbox.runtime import running_sandbox, stop_sandbox
from tests.conftest import NEXT_NIGHT
from tests.portal.conftest import Clock, Portal, csrf_of
from tests.reconciliation.conftest import ReconciledFirm, reconciled_small_firm, run_night, sandbox_night_environment  # noqa: F401
from tests.reconciliation.test_aging import copy_warehouse
from tests.reports.conftest import materialize_report
from tests.reports.test_reports import sheet_rows

LATER = date.fromisoformat(NEXT_NIGHT)
CODE = "CERTIFIED_PERIOD_CHANGED"
PASSWORD = "ledger-Owl-42"
# a PSA invoice posted once in the ERP, matched by its reference (a date change keeps the match), in a
# month that ended at least two months before the night, so that moving it 40 days from the month's
# start lands it in a later month before the night
MOVABLE = """
SELECT psa_invoice_id, legal_entity, date_trunc('month', psa_issue_date)::DATE AS month, psa_currency, psa_total
FROM recon.invoice_match
WHERE snapshot_date = ? AND method = 'reference' AND postings = 1 AND psa_total > 1
  AND date_trunc('month', psa_issue_date) <= date_trunc('month', ?::DATE) - INTERVAL 2 MONTH
ORDER BY psa_issue_date DESC, psa_invoice_id
LIMIT 1
"""
CELLS = (
    "SELECT currency, psa_billed, erp_invoiced, unexplained FROM recon.tieout "
    "WHERE snapshot_date = ? AND legal_entity = ? AND month = ? ORDER BY currency"
)


def query(warehouse: Path, sql: str, parameters) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as db:
        return db.execute(sql, parameters).fetchall()


def finance_portal(warehouse: Path, home: Path):
    """A portal over the warehouse with finance, who signs off."""
    finance = Role("finance", frozenset({"all", "finance"}), approve=True, sign_off=True)
    config = PortalConfig(
        users={"ana.finance": User("ana.finance", finance, PasswordHasher().hash(PASSWORD))},
        reports_dir=home / "reports",
        warehouse=warehouse,
        audit_log=home / "audit.jsonl",
        sessions=home / "sessions.sqlite3",
    )
    return config, running_portal(config, Clock())


def sign_off_over_http(warehouse: Path, home: Path, night: date, legal_entity: str, month: date) -> None:
    config, serving = finance_portal(warehouse, home)
    with serving as url:
        http = Portal(url, config, Clock(), warehouse, {}, home / "portal.yaml").sign_in("ana.finance", PASSWORD)
        form = {"night": night.isoformat(), "legal_entity": legal_entity, "month": month.isoformat()}
        answer = http.post(f"{url}/periods", data={"csrf_token": csrf_of(http.get(f"{url}/periods").text), **form})
    assert answer.status_code == 200 and f"Signed off {legal_entity} {month:%B %Y}" in answer.text, answer.text


def move_in_harvest(sandbox: Path, invoice_id: str, issue_date: date) -> None:
    runtime = running_sandbox(sandbox, "small")
    credentials = runtime.credentials("harvest")
    answer = requests.patch(
        f"{runtime.base_url('harvest')}/v2/invoices/{invoice_id}",
        json={"issue_date": issue_date.isoformat()},
        headers={
            "Authorization": f"Bearer {credentials['access_token']}",
            "Harvest-Account-Id": credentials["account_id"],
            "User-Agent": "tieout tests (qa@example.com)",
        },
        timeout=10,
    )
    assert answer.status_code == 200, answer.text


@pytest.fixture(scope="module")
def changed(reconciled_small_firm, tmp_path_factory):  # noqa: F811
    """The reconciled night, a month of it signed off, an invoice of the month moved, the next night run."""
    firm = reconciled_small_firm
    home = tmp_path_factory.mktemp("certified")
    with pytest.MonkeyPatch.context() as env:
        sandbox, warehouse = sandbox_night_environment(firm.sandbox, home, env)
        copy_warehouse(firm.warehouse, warehouse)
        [(invoice_id, legal_entity, month, currency, total)] = query(
            warehouse, MOVABLE, [firm.snapshot_date, firm.snapshot_date]
        )
        certified = query(warehouse, CELLS, [firm.snapshot_date, legal_entity, month])
        sign_off_over_http(warehouse, home / "portal", firm.snapshot_date, legal_entity, month)
        try:
            move_in_harvest(sandbox, invoice_id, month + timedelta(days=40))
            result = run_night(NEXT_NIGHT)
        finally:
            stop_sandbox(sandbox)
        report = materialize_report(warehouse, LATER)
    yield {
        "warehouse": warehouse,
        "home": home,
        "result": result,
        "report": report,
        "cell": (legal_entity, month, currency),
        "moved": total,
        "certified": certified,
        "first": firm.snapshot_date,
    }


def test_the_later_night_has_one_finding_for_the_certified_month(changed):
    assert changed["result"].success  # the tie-out's blocking check among them
    legal_entity, month, currency = changed["cell"]
    warehouse = changed["warehouse"]
    [(signed_at,)] = query(warehouse, 'SELECT DISTINCT "at" FROM workbench.period_signoffs', [])
    assert (
        query(
            warehouse,
            "SELECT currency, psa_billed, erp_invoiced, unexplained FROM workbench.period_signoffs ORDER BY currency",
            [],
        )
        == changed["certified"]
    )
    found = query(
        warehouse,
        "SELECT legal_entity, currency, category, owner_queue, severity, status, expected_value, actual_value, "
        "amount_difference, money_at_risk, psa_id, erp_id, detail FROM recon.findings "
        "WHERE snapshot_date = ? AND code = ?",
        [LATER, CODE],
    )
    [certified] = [c for c in changed["certified"] if c[0] == currency]
    psa_now, erp_now = certified[1] - changed["moved"], certified[2]
    assert found == [
        (
            legal_entity,
            currency,
            "invoice_cash",
            "finance",
            "high",
            "open",
            f"PSA {certified[1]:.2f}, ERP {certified[2]:.2f}",
            f"PSA {psa_now:.2f}, ERP {erp_now:.2f}",
            -changed["moved"],
            changed["moved"],
            None,
            None,
            f"{legal_entity} {month:%B %Y} ({currency}) was signed off by ana.finance on "
            f"{signed_at:%Y-%m-%d %H:%M} UTC from the night of {changed['first']}: PSA {certified[1]:.2f}, "
            f"ERP {certified[2]:.2f}; tonight PSA {psa_now:.2f}, ERP {erp_now:.2f}.",
        )
    ]
    # tonight's statement agrees, and its remainder is still explained (the moved invoice's date finding)
    tonight = {c[0]: c for c in query(warehouse, CELLS, [LATER, legal_entity, month])}
    assert (tonight[currency][1], tonight[currency][2]) == (psa_now, erp_now)
    assert query(warehouse, "SELECT max(abs(unexplained)) FROM recon.tieout WHERE snapshot_date = ?", [LATER]) == [
        (Decimal("0.00"),)
    ]
    # the first night, re-read, has none: only a night after the certified one compares
    assert query(
        warehouse, "SELECT count(*) FROM recon.findings WHERE code = ? AND snapshot_date = ?", [CODE, changed["first"]]
    ) == [(0,)]


def test_the_finding_is_in_the_report_and_on_the_periods_page(changed):
    assert changed["report"].success
    legal_entity, month, currency = changed["cell"]
    [finding_id] = [
        r[0]
        for r in query(
            changed["warehouse"],
            "SELECT finding_id FROM recon.findings WHERE snapshot_date = ? AND code = ?",
            [LATER, CODE],
        )
    ]
    directory = changed["home"] / "home" / "reports" / NEXT_NIGHT
    book = openpyxl.load_workbook(directory / f"tieout-{NEXT_NIGHT}.xlsx")
    invoices = {r["finding_id"]: r for r in sheet_rows(book["Invoices and cash"])}
    assert (invoices[finding_id]["code"], invoices[finding_id]["legal_entity"]) == (CODE, legal_entity)
    queue = list(csv.DictReader(io.StringIO((directory / f"queue-finance-{NEXT_NIGHT}.csv").read_text("utf-8-sig"))))
    assert [r["code"] for r in queue if r["finding_id"] == finding_id] == [CODE]

    config, serving = finance_portal(changed["warehouse"], changed["home"] / "portal-later")
    with serving as url:
        http = Portal(url, config, Clock(), changed["warehouse"], {}, Path()).sign_in("ana.finance", PASSWORD)
        page = http.get(f"{url}/periods").text
    key = f"{legal_entity}-{month:%Y-%m}"
    assert f'id="period-{key}" data-state="signed"' in page
    section = page[page.index(f'id="period-{key}"') :]
    section = section[: section.index("</tbody>")]
    assert "changed since the sign-off" in section
    assert page.count("changed since the sign-off") == 1


def quarantine_in_harvest(sandbox: Path, invoice_id: str) -> None:
    """The invoice as a bad import leaves it, with a currency no contract knows (quarantined, not gone)."""
    store = running_sandbox(sandbox, "small").store
    invoice = store.get("harvest", "", "invoices", invoice_id)
    assert invoice is not None
    now = datetime.now(UTC)
    invoice.update(currency="XXX", updated_at=now.strftime("%Y-%m-%dT%H:%M:%SZ"))
    store.put("harvest", "", "invoices", invoice_id, invoice, now.strftime("%Y-%m-%dT%H:%M:%SZ"))


def test_a_certified_month_holding_a_quarantined_invoice_is_not_reported_changed(
    reconciled_small_firm,  # noqa: F811
    tmp_path,
):
    """The quarantine holds a record, it does not remove it: a signed month whose invoice is quarantined
    tonight has figures short of that invoice, which is not a change anyone made to the month; and the
    tie-out shows the invoice's ERP posting as held by the quarantine, not as an unexplained remainder
    that would stop the night."""
    firm = reconciled_small_firm
    home = tmp_path / "held"
    with pytest.MonkeyPatch.context() as env:
        sandbox, warehouse = sandbox_night_environment(firm.sandbox, home, env)
        copy_warehouse(firm.warehouse, warehouse)
        [(invoice_id, legal_entity, month, _, _)] = query(warehouse, MOVABLE, [firm.snapshot_date, firm.snapshot_date])
        sign_off_over_http(warehouse, home / "portal", firm.snapshot_date, legal_entity, month)
        try:
            quarantine_in_harvest(sandbox, invoice_id)
            run_night(NEXT_NIGHT)  # raises unless every step and blocking check passed
        finally:
            stop_sandbox(sandbox)

    quarantined = query(
        warehouse,
        "SELECT DISTINCT record_id FROM quality.quarantine WHERE snapshot_date = ? AND system = 'harvest' "
        "AND object = 'invoices'",
        [LATER],
    )
    assert (invoice_id,) in quarantined
    held = query(
        warehouse,
        "SELECT value FROM recon.quarantine_holds WHERE snapshot_date = ? AND id_column = 'psa_id'",
        [LATER],
    )
    assert (invoice_id,) in held
    assert query(warehouse, "SELECT * FROM recon.findings WHERE snapshot_date = ? AND code = ?", [LATER, CODE]) == []
    # the tie-out holds the invoice's ERP posting, now without its PSA invoice, rather than leave it unexplained
    [(posted,)] = query(
        warehouse,
        "SELECT sum(erp_total) FROM recon.invoice_match WHERE snapshot_date = ? AND psa_invoice_id = ?",
        [firm.snapshot_date, invoice_id],
    )
    cells = query(
        warehouse,
        "SELECT sum(held_by_quarantine), sum(invoices_held_by_quarantine), sum(abs(unexplained)) FROM recon.tieout "
        "WHERE snapshot_date = ? AND legal_entity = ? AND month = ?",
        [LATER, legal_entity, month],
    )
    assert cells == [(posted, 1, 0)]
