"""The night's report files on a night the real pipeline produced (the small sandbox firm extracted
over HTTP, validated, modelled and reconciled), read back against `recon.findings` and `recon.tieout`:
the stand-in night of test_reports.py cannot show that the report agrees with what the pipeline writes."""

import csv
import json
import shutil
from collections import Counter, defaultdict
from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb
import openpyxl
import pandas as pd
import pytest

from reports.cells import is_live
from reports.sheets import UNASSIGNED
from reports.summary import NO_VALUE
from tests.reconciliation.conftest import ReconciledFirm, reconciled_small_firm  # noqa: F401 (the fixture)
from tests.reports.conftest import materialize_report
from tests.reports.test_reports import read_csv, sheet_rows, summary_table

CENT = Decimal("0.01")


def money(value) -> Decimal | None:
    """A money cell as the workbook (float) or the warehouse (DECIMAL) holds it, to the cent."""
    return (
        None if value is None or (isinstance(value, float) and pd.isna(value)) else Decimal(str(value)).quantize(CENT)
    )


@pytest.fixture(scope="module")
def real_report(reconciled_small_firm: ReconciledFirm, tmp_path_factory):  # noqa: F811
    """The report materialised for the reconciled night, on a copy of its warehouse (the fixture's
    warehouse is shared and must not change). Returns (report directory, run result, firm copy)."""
    home = tmp_path_factory.mktemp("real-report")
    warehouse = home / "warehouse.duckdb"
    shutil.copy(reconciled_small_firm.warehouse, warehouse)
    night = reconciled_small_firm.snapshot_date
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TIEOUT_HOME", str(home / "home"))
        result = materialize_report(warehouse, night)
    assert result.success
    firm = ReconciledFirm(
        warehouse, reconciled_small_firm.sandbox, reconciled_small_firm.manifest, reconciled_small_firm.result, night
    )
    yield home / "home" / "reports" / night.isoformat(), result, firm


def day(firm: ReconciledFirm) -> str:
    return firm.snapshot_date.isoformat()


def test_the_reports_checks_pass_on_the_real_night(real_report):
    _, result, firm = real_report
    assert not firm.findings().empty  # a night without open findings would prove nothing
    checks = {e.check_name: e.passed for e in result.get_asset_check_evaluations()}
    assert checks == {"files_as_written": True, "no_live_formula": True, "open_findings_match": True}


def test_summary_counts_and_money_equal_the_nights_open_findings(real_report):
    directory, _, firm = real_report
    findings = firm.findings().to_dict("records")
    book = openpyxl.load_workbook(directory / f"tieout-{day(firm)}.xlsx")
    summary = book["Summary"]
    headline = {
        row[0]: row[1]
        for row in summary.iter_rows(min_row=3, max_row=30, max_col=2, values_only=True)
        if row[0] is not None
    }
    assert headline["Open findings"] == len(findings)
    assert headline["High severity"] == sum(1 for f in findings if f["severity"] == "high")

    at_risk: dict[str, Decimal] = defaultdict(Decimal)
    by_code: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for finding in findings:
        amount = money(finding["money_at_risk"])
        if amount and finding["currency"]:
            at_risk[finding["currency"]] += amount
            by_code[finding["code"]][finding["currency"]] += amount
    assert at_risk, "the small firm's night puts money at risk"
    assert {
        label.removeprefix("Money at risk "): money(value)
        for label, value in headline.items()
        if label.startswith("Money at risk ")
    } == dict(at_risk)

    table = summary_table(summary, "By code")
    assert {code: row["open findings"] for code, row in table.items() if code != "Total"} == dict(
        Counter(f["code"] for f in findings)
    )
    assert table["Total"]["open findings"] == len(findings)
    for currency, total in at_risk.items():
        column = f"money at risk {currency}"
        assert money(table["Total"][column]) == total
        assert {code: money(row[column]) for code, row in table.items() if code != "Total" and money(row[column])} == {
            code: amounts[currency] for code, amounts in by_code.items() if amounts.get(currency)
        }
    queues = summary_table(summary, "By owner queue")
    assert {q: row["open findings"] for q, row in queues.items() if q != "Total"} == dict(
        Counter(f["owner_queue"] or NO_VALUE for f in findings)
    )


def test_tieout_sheet_and_statement_equal_recon_tieout(real_report):
    directory, _, firm = real_report
    with duckdb.connect(str(firm.warehouse), read_only=True) as db:
        cursor = db.execute(
            "SELECT * EXCLUDE (snapshot_date) FROM recon.tieout WHERE snapshot_date = ?", [firm.snapshot_date]
        )
        names = [d[0] for d in cursor.description]
        expected = [dict(zip(names, row)) for row in cursor.fetchall()]
    assert expected, "the reconciliation writes a tie-out for the night"

    kinds = {n: next((type(r[n]) for r in expected if r[n] is not None), str) for n in names}

    def normal(row: dict) -> tuple:
        """A row of the table, the sheet or the CSV in one form: months YYYY-MM, money to the cent."""

        def value(name: str, v):
            if v is None or v == "":
                return None
            if kinds[name] is date:
                return v.strftime("%Y-%m") if isinstance(v, date) else v
            return money(v) if kinds[name] is Decimal else kinds[name](v)

        return tuple(value(n, row[n]) for n in names)

    book = openpyxl.load_workbook(directory / f"tieout-{day(firm)}.xlsx")
    sheet = sheet_rows(book["Tie-out"])
    statement = read_csv(directory / f"tieout-statement-{day(firm)}.csv")
    for shown in (sheet, statement):
        months = [r for r in shown if r["month"] != "total"]
        assert sorted(map(normal, months), key=repr) == sorted(map(normal, expected), key=repr)

    sheet_totals = {(r["legal_entity"], r["currency"]): r for r in sheet if r["month"] == "total"}
    assert set(sheet_totals) == {(r["legal_entity"], r["currency"]) for r in expected}
    for (entity, currency), total in sheet_totals.items():
        rows = [r for r in expected if (r["legal_entity"], r["currency"]) == (entity, currency)]
        for column in ("psa_billed", "erp_invoiced", "difference", "unexplained"):
            assert money(total[column]) == sum(money(r[column]) or 0 for r in rows), (entity, column)


def test_each_queue_file_holds_exactly_its_open_findings(real_report):
    directory, _, firm = real_report
    findings = firm.findings().fillna({"owner_queue": UNASSIGNED})
    manifest = json.loads((directory / "manifest.json").read_text())["files"]
    queue_files = {e["queue"]: e for e in manifest if e["queue"] != "all"}
    assert set(findings["owner_queue"]) <= set(queue_files)
    for queue, entry in queue_files.items():
        rows = read_csv(directory / entry["name"])
        expected = findings[findings["owner_queue"] == queue]
        assert sorted(r["finding_id"] for r in rows) == sorted(expected["finding_id"]), queue
        assert entry["rows"] == len(expected)
        assert {r["finding_id"]: r["code"] for r in rows} == dict(zip(expected["finding_id"], expected["code"]))
        assert sum(money(r["money_at_risk"] or 0) for r in rows) == sum(
            money(v) or 0 for v in expected["money_at_risk"]
        ), queue


def text_cells(path: Path) -> list[tuple[str, str]]:
    """Every text cell of a workbook or CSV with where it is; a workbook holds no formula at all."""
    if path.suffix != ".xlsx":
        with open(path, newline="", encoding="utf-8-sig") as handle:
            return [(f"{path.name}:{n}", value) for n, row in enumerate(csv.reader(handle), 1) for value in row]
    cells = []
    for sheet in openpyxl.load_workbook(path).worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{sheet.title}!{cell.coordinate} is a formula"
                if isinstance(cell.value, str):
                    cells.append((f"{sheet.title}!{cell.coordinate}", cell.value))
    return cells


def test_no_cell_of_any_file_starts_with_a_live_formula_character(real_report):
    directory, _, _ = real_report
    entries = json.loads((directory / "manifest.json").read_text())["files"]
    assert len(entries) == 5
    cells = [cell for entry in entries for cell in text_cells(directory / entry["name"])]
    assert cells
    assert [(where, text) for where, text in cells if is_live(text)] == []
