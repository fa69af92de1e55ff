"""The ledger's tables exported as files in a drop folder (docs/ledger.md, Files): `<table>.csv|.xlsx`
or `<table>-<anything>.csv|.xlsx`, a header row of the table's columns, one table a file.

A file is known by its sha256: one already loaded on an earlier night is not read again on an
incremental night (its rows are in the snapshot that night folds onto); a full sweep reads every file
present. A file that cannot be read whole (not CSV/XLSX, an unknown table, a header that is not the
table's columns, text that is not UTF-8, a broken workbook) is quarantined whole with the reason and
none of its rows is loaded; the night goes on. Across the files read, the newest `modified_at` of a
key wins (a tie: the file later by name)."""

from __future__ import annotations

import csv
import hashlib
import logging
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from resources.extraction import SourceFile
from resources.ledger_tables import KINDS, OBJECT_OF_TABLE, TABLES, normal

log = logging.getLogger("tieout.ledger")

SUFFIXES = (".csv", ".xlsx")


class Unreadable(ValueError):
    """Why a file is quarantined whole."""


@dataclass(frozen=True)
class DropFile:
    path: Path
    sha256: str

    @property
    def table(self) -> str:
        """The table its name says: the name up to its first `-`, or up to its suffix."""
        return self.path.name.split("-")[0].removesuffix(self.path.suffix)

    @property
    def object_name(self) -> str | None:
        return OBJECT_OF_TABLE.get(self.table)


def checksum(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def dropped(folder: Path) -> list[DropFile]:
    """Every file in the folder, by name; hidden and temporary ones (`.x`, `~$x` of an open workbook) left out."""
    if not folder.is_dir():
        raise FileNotFoundError(f"the ledger's drop folder {folder} is not a folder")
    names = sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith((".", "~$")))
    return [DropFile(path, checksum(path)) for path in names]


def refused(file: DropFile) -> str | None:
    """Why a file is no export of a table, from its name alone; None when it may be one."""
    if file.path.suffix.lower() not in SUFFIXES:
        return f"not a CSV or XLSX file ({file.path.suffix or 'no suffix'})"
    if file.object_name is None:
        return f"no ledger table is named {file.table!r} (the name starts with the table, e.g. ledger_invoices-...)"
    return None


def _csv_rows(path: Path) -> Iterator[list[object]]:
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            yield from csv.reader(handle)
    except UnicodeDecodeError as error:  # decoded in blocks: where in the file is not known, what is
        raise Unreadable(f"not UTF-8 text (a byte 0x{error.object[error.start]:02x} where UTF-8 has none)") from None
    except csv.Error as error:
        raise Unreadable(f"not CSV ({error})") from None


def _xlsx_rows(path: Path) -> Iterator[list[object]]:
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError) as error:
        raise Unreadable(f"not an XLSX workbook ({type(error).__name__})") from None
    try:
        for row in workbook.worksheets[0].iter_rows(values_only=True):
            yield list(row)
    finally:
        workbook.close()


def read_rows(file: DropFile, object_name: str) -> list[dict]:
    """Every row of the file as payloads of `object_name`, or Unreadable: nothing of a file half read."""
    rows = _xlsx_rows(file.path) if file.path.suffix.lower() == ".xlsx" else _csv_rows(file.path)
    columns = list(KINDS[object_name])
    header = next(rows, None)
    named = [str(cell).strip() if cell is not None else "" for cell in header or []]
    while named and not named[-1]:  # a spreadsheet's trailing empty columns
        named.pop()
    if sorted(named) != sorted(columns):
        missing, unknown = sorted(set(columns) - set(named)), sorted(set(named) - set(columns))
        raise Unreadable(
            f"the header is not {TABLES[object_name].name}'s columns"
            + (f"; missing {', '.join(missing)}" if missing else "")
            + (f"; unknown {', '.join(unknown)}" if unknown else "")
            + ("; a column named twice" if not missing and not unknown else "")
        )
    kinds = KINDS[object_name]
    found = []
    for number, cells in enumerate(rows, start=2):
        if not any(cell not in (None, "") for cell in cells):
            continue  # an empty line or row
        if len(cells) > len(named) and any(cell not in (None, "") for cell in cells[len(named) :]):
            raise Unreadable(f"row {number} has more cells than the header")
        padded = [*cells, *[None] * (len(named) - len(cells))]
        found.append({column: normal(kinds[column], cell) for column, cell in zip(named, padded, strict=False)})
    return found


@dataclass
class FileRead:
    """One object's rows from the drop folder, and what became of each of its files."""

    rows: list[dict]
    files: list[SourceFile]


def read_object(object_name: str, folder: Path, known: set[str], with_unknown: bool) -> FileRead:
    """`object_name`'s rows from the files of its table not in `known` (checksums already loaded);
    `with_unknown` also records the files that are no table's (one object does, not seven)."""
    newest: dict[str, tuple[datetime, dict]] = {}
    files: list[SourceFile] = []
    for file in dropped(folder):
        if file.sha256 in known:
            continue
        reason = refused(file)
        if reason is not None:
            if with_unknown:
                log.warning("ledger: %s quarantined: %s", file.path.name, reason)
                files.append(SourceFile(file.sha256, file.path.name, file.table, 0, "quarantined", reason))
            continue
        if file.object_name != object_name:
            continue
        try:
            rows = read_rows(file, object_name)
        except Unreadable as error:
            log.warning("ledger: %s quarantined: %s", file.path.name, error)
            files.append(SourceFile(file.sha256, file.path.name, file.table, 0, "quarantined", str(error)))
            continue
        files.append(SourceFile(file.sha256, file.path.name, file.table, len(rows), "loaded"))
        for row in rows:
            key = _key(object_name, row)
            stamp = _moment(row.get("modified_at"))
            if key not in newest or stamp >= newest[key][0]:
                newest[key] = (stamp, row)
    return FileRead([row for _, row in newest.values()], files)


def _moment(stamp: object) -> datetime:
    """A payload's modified_at as a time to compare; an unreadable one (quarantined later) the oldest."""
    try:
        return datetime.fromisoformat(str(stamp).replace("Z", "+00:00"))
    except ValueError:
        return datetime.min.replace(tzinfo=UTC)


def _key(object_name: str, row: dict) -> str:
    """The row's key; a row without one keeps its own place (the contract quarantines it: id_missing)."""
    parts = [row.get(column.name) for column in TABLES[object_name].primary_key.columns]
    return ":".join(str(part) for part in parts) if all(p is not None for p in parts) else f"#{id(row)}"
