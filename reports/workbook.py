"""The night's workbook (xlsxwriter): the summary sheet with its charts, a sheet per category, the
corrections, the quarantine and the tie-out. Every value is written with its type (text as text,
never through xlsxwriter's guessing `write`), text neutralised; nothing is a formula, so any reader
(openpyxl, LibreOffice, a script) sees the figures without recalculating. The file's dates are the
night's, so the same night always yields the same bytes."""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path

import xlsxwriter

from reports.cells import neutralise
from reports.tables import Table

MAX_WIDTH = 60
CHART_ROWS, CHART_COLUMN = 16, 3  # the charts' room: rows from the top, first column


class Formats:
    def __init__(self, book: xlsxwriter.Workbook):
        self.title = book.add_format({"bold": True, "font_size": 16})
        self.subtitle = book.add_format({"bold": True, "font_size": 12})
        self.header = book.add_format(
            {"bold": True, "bg_color": "#DCE6F1", "border": 1, "text_wrap": True, "valign": "top"}
        )
        self.text = book.add_format({})
        self.bold = book.add_format({"bold": True})
        self.kinds = {
            kind: book.add_format({"num_format": num_format})
            for kind, num_format in {
                "money": "#,##0.00",
                "int": "0",
                "number": "0.00",
                "date": "yyyy-mm-dd",
                "datetime": "yyyy-mm-dd hh:mm:ss",
            }.items()
        }
        self.total_kinds = {
            kind: book.add_format({"num_format": fmt.num_format, "bold": True, "top": 1})
            for kind, fmt in self.kinds.items()
        }
        self.total_text = book.add_format({"bold": True, "top": 1})


def write_value(sheet, row: int, col: int, value, kind: str, formats: Formats, total: bool = False) -> None:
    """One cell, typed: numbers and dates as such, text neutralised."""
    kinds = formats.total_kinds if total else formats.kinds
    if value is None or value == "":
        sheet.write_blank(row, col, None, formats.total_text if total else formats.text)
    elif isinstance(value, bool):
        sheet.write_string(row, col, str(value).lower(), formats.total_text if total else formats.text)
    elif isinstance(value, (int, float, Decimal)):
        sheet.write_number(
            row,
            col,
            float(value),
            kinds["money" if isinstance(value, Decimal) else kind if kind in ("int", "number") else "number"],
        )
    elif isinstance(value, datetime):
        sheet.write_datetime(row, col, value, kinds["datetime"])
    elif isinstance(value, date):
        sheet.write_datetime(row, col, datetime.combine(value, time()), kinds["date"])
    else:
        sheet.write_string(row, col, neutralise(str(value)), formats.total_text if total else formats.text)


def shown_width(value) -> int:
    if isinstance(value, datetime):
        return 19
    if isinstance(value, date):
        return 10
    return len(f"{value:,.2f}" if isinstance(value, Decimal) else str(value if value is not None else ""))


def write_table(sheet, table: Table, top: int, formats: Formats, fit: dict[int, int]) -> int:
    """`table` with its header at row `top`; returns the row after it. Column widths grow in `fit`."""
    for col, column in enumerate(table.columns):
        sheet.write_string(top, col, neutralise(column.name), formats.header)
        fit[col] = max(
            fit.get(col, 0),
            column.width or min(MAX_WIDTH, max([len(column.name)] + [shown_width(r[col]) for r in table.rows[:500]])),
        )
    for offset, row in enumerate(table.rows, start=1):
        for col, column in enumerate(table.columns):
            write_value(sheet, top + offset, col, row[col], column.kind, formats)
    after = top + len(table.rows) + 1
    if table.total_row is not None:
        for col, column in enumerate(table.columns):
            write_value(sheet, after, col, table.total_row[col], column.kind, formats, total=True)
        after += 1
    return after


def detail_sheet(book, formats: Formats, name: str, table: Table) -> None:
    """A sheet holding one table: frozen header, filters on every column."""
    sheet = book.add_worksheet(name)
    fit: dict[int, int] = {}
    write_table(sheet, table, 0, formats, fit)
    sheet.freeze_panes(1, 1)
    print_setup(sheet)
    sheet.repeat_rows(0)
    sheet.autofilter(0, 0, max(len(table.rows), 1), len(table.columns) - 1)
    for col, width in fit.items():
        sheet.set_column(col, col, width + 2)


def summary_sheet(
    book,
    formats: Formats,
    title: str,
    lines: list[tuple[str, object]],
    tables: list[Table],
    chart_source: Table,
    bucket_labels: list[str],
) -> None:
    """The headline figures, then the breakdown tables; the charts beside them read `chart_source`
    (the by-queue table): open findings per aging bucket stacked by queue, and open findings per queue."""
    sheet = book.add_worksheet("Summary")
    sheet.write_string(0, 0, neutralise(title), formats.title)
    fit: dict[int, int] = {0: 34}
    for offset, (label, value) in enumerate(lines, start=2):
        sheet.write_string(offset, 0, neutralise(label), formats.bold)
        write_value(sheet, offset, 1, value, "int", formats)
    top = max(len(lines), CHART_ROWS) + 3
    source_top = None
    for table in tables:
        sheet.write_string(top, 0, neutralise(table.title), formats.subtitle)
        if table is chart_source:
            source_top = top + 1
        top = write_table(sheet, table, top + 1, formats, fit) + 2
    for col, width in fit.items():
        sheet.set_column(col, col, min(width, 40) + 2)
    assert source_top is not None, "the chart's source table is one of the tables written"
    add_charts(book, sheet, chart_source, source_top, bucket_labels)
    print_setup(sheet)


def print_setup(sheet) -> None:
    """Landscape, one page wide, header repeated: how finance prints it (and LibreOffice renders it)."""
    sheet.set_landscape()
    sheet.set_paper(9)  # A4
    sheet.fit_to_pages(1, 0)


def add_charts(book, sheet, source: Table, header_row: int, bucket_labels: list[str]) -> None:
    """Two charts side by side right of the headline figures, above the tables."""
    names = source.names
    first_row, last_row = header_row + 1, header_row + len(source.rows)
    if not source.rows:
        return
    aging = book.add_chart({"type": "column", "subtype": "stacked"})
    first_bucket, last_bucket = names.index(bucket_labels[0]), names.index(bucket_labels[-1])
    for row in range(first_row, last_row + 1):
        aging.add_series(
            {
                "name": ["Summary", row, 0],
                "categories": ["Summary", header_row, first_bucket, header_row, last_bucket],
                "values": ["Summary", row, first_bucket, row, last_bucket],
            }
        )
    aging.set_title({"name": "Open findings by aging_days"})
    aging.set_y_axis({"name": "findings"})
    sheet.insert_chart(1, CHART_COLUMN, aging, {"x_scale": 1.1, "y_scale": 1.0})
    queues = book.add_chart({"type": "bar"})
    open_column = names.index("open findings")
    queues.add_series(
        {
            "name": "Open findings",
            "categories": ["Summary", first_row, 0, last_row, 0],
            "values": ["Summary", first_row, open_column, last_row, open_column],
            "data_labels": {"value": True},
        }
    )
    queues.set_title({"name": "Open findings by owner queue"})
    queues.set_legend({"none": True})
    sheet.insert_chart(1, CHART_COLUMN, queues, {"x_offset": 560, "x_scale": 1.0, "y_scale": 1.0})


def write_workbook(
    path: Path,
    snapshot_date: date,
    title: str,
    lines: list[tuple[str, object]],
    breakdowns: list[Table],
    chart_source: Table,
    bucket_labels: list[str],
    details: list[tuple[str, Table]],
) -> None:
    book = xlsxwriter.Workbook(
        str(path), {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}
    )
    book.set_properties({"title": title, "author": "tieout", "created": datetime.combine(snapshot_date, time())})
    formats = Formats(book)
    summary_sheet(book, formats, title, lines, breakdowns, chart_source, bucket_labels)
    for name, table in details:
        detail_sheet(book, formats, name, table)
    book.close()
