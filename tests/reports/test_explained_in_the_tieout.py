"""A finding finance explained in the portal counts as explained in the night's tie-out: on the
reconciled small firm, finance explains an open invoice finding over HTTP, the tie-out and the report
are materialised again, and the statement says how much of each cell's difference people explained
while the workbook names who explained the finding, when and why; the other findings stay as they were."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import duckdb
import openpyxl
from argon2 import PasswordHasher

from portal.config import PortalConfig, Role, User
from portal.server import running_portal
from tests.portal.conftest import Clock, Portal, csrf_of
from tests.reconciliation.conftest import ReconciledFirm, reconciled_small_firm  # noqa: F401 (the fixture)
from tests.reconciliation.exact import query, writable_copy
from tests.reconciliation.test_tieout import run_tieout
from tests.reports.conftest import materialize_report
from tests.reports.test_reports import sheet_rows

REASON = "Discount agreed by the partner after the PSA invoice was issued"
# the movement of one invoice group per tie-out cell: its ERP postings less its PSA invoice (tieout.sql)
GROUP_CELLS = """
SELECT legal_entity, month, currency, sum(amount) AS movement FROM (
    SELECT legal_entity, date_trunc('month', psa_issue_date)::DATE AS month, psa_currency AS currency,
           -psa_total AS amount
    FROM recon.invoice_match WHERE snapshot_date = $night AND psa_invoice_id = $group AND posting_number = 1
    UNION ALL
    SELECT split_part(erp_invoice_id, ':', 1), date_trunc('month', erp_issue_date)::DATE, erp_currency, erp_total
    FROM recon.invoice_match WHERE snapshot_date = $night AND psa_invoice_id = $group AND erp_invoice_id IS NOT NULL
      AND psa_managed)
GROUP BY ALL
"""
STATEMENT = (
    "SELECT legal_entity, month, currency, explained_by_findings, unexplained, explained_by_people, "
    "invoices_explained_by_people FROM recon.tieout WHERE snapshot_date = ? ORDER BY ALL"
)


def explain_over_http(warehouse: Path, home: Path, finding_id: str) -> None:
    """Finance signs in to a portal over the warehouse and explains the finding on its page."""
    finance = Role("finance", frozenset({"all", "finance", "pmo", "sales_ops"}), approve=True)
    config = PortalConfig(
        users={"ana.finance": User("ana.finance", finance, PasswordHasher().hash("ledger-Owl-42"))},
        reports_dir=home / "reports",
        warehouse=warehouse,
        audit_log=home / "audit.jsonl",
        sessions=home / "sessions.sqlite3",
    )
    with running_portal(config, Clock()) as url:
        portal = Portal(url, config, Clock(), warehouse, {}, home / "portal.yaml")
        http = portal.sign_in("ana.finance", "ledger-Owl-42")
        token = csrf_of(http.get(f"{url}/findings/{finding_id}").text)
        answer = http.post(
            f"{url}/findings/{finding_id}/work", data={"csrf_token": token, "action": "explain", "note": REASON}
        )
    assert answer.status_code == 200 and "Marked explained." in answer.text


def test_an_explained_finding_is_explained_in_the_tieout_with_who_and_when(
    reconciled_small_firm: ReconciledFirm,  # noqa: F811
    tmp_path,
    monkeypatch,
):
    firm = reconciled_small_firm
    night = firm.snapshot_date
    warehouse = writable_copy(firm, tmp_path)
    monkeypatch.setenv("TIEOUT_HOME", str(tmp_path / "home"))
    before = query(warehouse, STATEMENT, [night])
    [(finding_id, group, code)] = query(
        warehouse,
        "SELECT finding_id, psa_id, code FROM recon.findings WHERE snapshot_date = ? AND status = 'open' "
        "AND code = 'INVOICE_AMOUNT_MISMATCH' ORDER BY finding_id LIMIT 1",
        [night],
    )
    assert before and {row[5:] for row in before} == {(0, 0)}  # nobody has explained anything yet

    explain_over_http(warehouse, tmp_path / "portal", finding_id)
    assert run_tieout(warehouse, night) == {"no_unexplained_remainder": True}
    result = materialize_report(warehouse, night)
    assert result.success

    [(explained_at,)] = query(
        warehouse, 'SELECT "at" FROM workbench.finding_actions WHERE finding_id = ?', [finding_id]
    )
    assert query(warehouse, "SELECT * FROM workbench.night_explanations") == [
        (night, finding_id, "ana.finance", explained_at, REASON)
    ]
    moved = {
        (entity, month, currency): movement
        for entity, month, currency, movement in query(warehouse, GROUP_CELLS, {"night": night, "group": group})
    }
    after = query(warehouse, STATEMENT, [night])
    # what the findings explain and the remainder are as they were; the group's cells say people explained it
    assert [row[:5] for row in after] == [row[:5] for row in before]
    assert {row[:3]: (row[5], row[6]) for row in after if row[6]} == {cell: (m, 1) for cell, m in moved.items()}
    assert all(row[5] == 0 for row in after if not row[6])

    book = openpyxl.load_workbook(tmp_path / "home" / "reports" / night.isoformat() / f"tieout-{night}.xlsx")
    [shown] = sheet_rows(book["Explained"])
    assert (shown["finding_id"], shown["code"], shown["explained_by"], shown["explanation"]) == (
        finding_id,
        code,
        "ana.finance",
        REASON,
    )
    assert abs(shown["explained_at"] - explained_at) < timedelta(milliseconds=1)  # Excel keeps milliseconds
    invoices = {r["finding_id"]: r for r in sheet_rows(book["Invoices and cash"])}
    assert (invoices[finding_id]["explained_by"], invoices[finding_id]["explanation"]) == ("ana.finance", REASON)
    assert {f: r["explained_by"] for f, r in invoices.items() if f != finding_id and r["explained_by"]} == {}
    statement = {
        (r["legal_entity"], r["month"], r["currency"]): r["invoices_explained_by_people"]
        for r in sheet_rows(book["Tie-out"])
        if r["month"] != "total"
    }
    assert {cell: n for cell, n in statement.items() if n} == {(e, m.strftime("%Y-%m"), c): 1 for e, m, c in moved}
    with duckdb.connect(str(warehouse), read_only=True) as db:  # the action, in the warehouse's own words
        assert db.execute("SELECT actor, action, note FROM workbench.finding_actions").fetchall() == [
            ("ana.finance", "explained", REASON)
        ]
