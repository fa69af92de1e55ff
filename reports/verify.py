"""Reading a written report back, as its checks and tests do: the files against the manifest, every
text cell against formula injection, and the summary's figures."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

import openpyxl

from reports.build import read_manifest, sha256_of
from reports.cells import is_live


def text_cells(path: Path) -> Iterator[tuple[str, str]]:
    """Every text cell of a workbook or CSV, with where it is."""
    if path.suffix == ".xlsx":
        book = openpyxl.load_workbook(path, read_only=True)
        try:
            for sheet in book.worksheets:
                for row in sheet.iter_rows():
                    for cell in row:
                        if isinstance(cell.value, str):
                            yield f"{path.name}!{sheet.title}!{cell.coordinate}", cell.value
        finally:
            book.close()
    else:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            for number, row in enumerate(csv.reader(handle), start=1):
                for position, value in enumerate(row, start=1):
                    yield f"{path.name}:{number}:{position}", value


def live_cells(directory: Path) -> list[str]:
    """Where a text cell of the night's files would be taken for a formula (should be none)."""
    return [
        f"{where}: {text[:40]!r}"
        for entry in read_manifest(directory)
        for where, text in text_cells(Path(directory) / entry.name)
        if is_live(text)
    ]


def manifest_problems(directory: Path) -> list[str]:
    """Files the manifest lists that are missing or no longer what was written."""
    problems = []
    for entry in read_manifest(directory):
        path = Path(directory) / entry.name
        if not path.is_file():
            problems.append(f"{entry.name}: missing")
        elif sha256_of(path) != entry.sha256:
            problems.append(f"{entry.name}: changed since written")
    return problems


def summary_figures(workbook: Path) -> dict[str, object]:
    """The summary sheet's headline figures, label to value."""
    book = openpyxl.load_workbook(workbook, read_only=True)
    try:
        rows = book["Summary"].iter_rows(min_row=3, max_col=2, values_only=True)
        figures = {}
        for label, value in rows:
            if label is None:
                break
            figures[label] = value
        return figures
    finally:
        book.close()
