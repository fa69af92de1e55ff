"""Building a night's report files into `$TIEOUT_HOME/reports/<snapshot_date>/` and its manifest:
the one list of files (with queue, sha256 and rows) that the portal serves from.

A report once served is never silently replaced: a rebuild that comes out byte-identical leaves the
files untouched, and one that differs (say, after a night was refetched) becomes the next version,
the earlier one kept under `versions/<n>/` with its own manifest."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path

from reports.csv_files import write_csv
from reports.night import Night
from reports.sheets import (
    CATEGORIES,
    category_tables,
    corrections_table,
    explained_table,
    quarantine_table,
    queue_tables,
    tieout_table,
)
from reports.summary import DIMENSIONS, AgingBuckets, breakdown, headline
from reports.tables import Table
from reports.workbook import write_workbook

MANIFEST = "manifest.json"
VERSIONS = "versions"
STAGING = ".next"
ALL = "all"


@dataclass(frozen=True)
class ReportFile:
    name: str
    queue: str  # an owner queue, or `all`
    sha256: str
    rows: int


@dataclass(frozen=True)
class Report:
    directory: Path
    files: list[ReportFile]
    summary: list[tuple[str, object]]
    breakdowns: list[Table]
    version: int = 1

    def path(self, name: str) -> Path:
        return self.directory / name


def report_directory(reports_root: Path, snapshot_date: date) -> Path:
    return Path(reports_root) / snapshot_date.isoformat()


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _publish(directory: Path, name: str, write, queue: str, rows: int) -> ReportFile:
    """Write through a temporary name and rename, so a reader never sees half a file."""
    temporary = directory / f".{name}.partial"
    write(temporary)
    os.replace(temporary, directory / name)
    return ReportFile(name, queue, sha256_of(directory / name), rows)


def build_report(night: Night, reports_root: Path, buckets: AgingBuckets | None = None) -> Report:
    """Write the night's workbook, queue CSVs, tie-out statement and manifest: built aside, then
    left unpublished when identical to the current version, else published as the next one."""
    directory = report_directory(reports_root, night.snapshot_date)
    staging = directory / STAGING
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    files, lines, breakdowns = _write_files(night, staging, buckets or AgingBuckets())
    current, version = read_manifest(directory), manifest_version(directory)
    if files != current:
        version = _publish_version(directory, staging, files, version + 1 if current else 1)
    shutil.rmtree(staging)
    return Report(directory, files, lines, breakdowns, version)


def _publish_version(directory: Path, staging: Path, files: list[ReportFile], version: int) -> int:
    """Keep the current version under versions/<n>/ (hard links: its bytes stay as served), then move
    the new files in and the manifest last; the current version's files no longer listed go."""
    if version > 1:
        kept = directory / VERSIONS / str(version - 1)
        kept.mkdir(parents=True, exist_ok=True)
        for name in [*(entry.name for entry in read_manifest(directory)), MANIFEST]:
            if not (kept / name).exists():
                os.link(directory / name, kept / name)
    for entry in files:
        os.replace(staging / entry.name, directory / entry.name)
    manifest = {
        "snapshot_date": directory.name,
        "version": version,
        "files": [asdict(f) for f in files],
    }
    _publish(directory, MANIFEST, lambda path: path.write_text(json.dumps(manifest, indent=2) + "\n"), ALL, 0)
    listed = {f.name for f in files} | {MANIFEST, VERSIONS, STAGING}
    for stale in directory.iterdir():
        if stale.name not in listed:
            stale.unlink()
    return version


def _write_files(
    night: Night, directory: Path, buckets: AgingBuckets
) -> tuple[list[ReportFile], list[tuple[str, object]], list[Table]]:
    """The workbook, queue CSVs and tie-out statement written into `directory`."""
    day = night.snapshot_date.isoformat()
    lines = headline(night)
    breakdowns = [breakdown(night, title, buckets) for title in DIMENSIONS]
    categories = category_tables(night)
    statement = tieout_table(night)
    details = [(title, table) for title, table in zip(CATEGORIES.values(), categories)]
    details += [
        ("Corrections", corrections_table(night)),
        ("Quarantine", quarantine_table(night)),
        ("Tie-out", statement),
        ("Explained", explained_table(night)),
    ]
    title = f"tieout reconciliation, night of {day}"
    files = [
        _publish(
            directory,
            f"tieout-{day}.xlsx",
            lambda path: write_workbook(
                path, night.snapshot_date, title, lines, breakdowns, breakdowns[1], buckets.labels, details
            ),
            ALL,
            sum(len(t.rows) for t in categories),
        )
    ]
    for queue, table in queue_tables(night).items():
        files.append(
            _publish(
                directory, f"queue-{queue}-{day}.csv", lambda path, t=table: write_csv(path, t), queue, len(table.rows)
            )
        )
    files.append(
        _publish(
            directory, f"tieout-statement-{day}.csv", lambda path: write_csv(path, statement), ALL, len(statement.rows)
        )
    )
    return files, lines, breakdowns


def read_manifest(directory: Path) -> list[ReportFile]:
    """The files a night's manifest lists (empty when the night has none)."""
    path = Path(directory) / MANIFEST
    if not path.is_file():
        return []
    return [ReportFile(**entry) for entry in json.loads(path.read_text())["files"]]


def manifest_version(directory: Path) -> int:
    """The version a manifest describes (0 when there is none; 1 for one written before versions)."""
    path = Path(directory) / MANIFEST
    return json.loads(path.read_text()).get("version", 1) if path.is_file() else 0


def earlier_versions(directory: Path) -> dict[int, Path]:
    """A night's earlier versions, newest first, each a directory with its own manifest."""
    root = Path(directory) / VERSIONS
    if not root.is_dir():
        return {}
    found = {int(p.name): p for p in root.iterdir() if p.name.isdigit() and (p / MANIFEST).is_file()}
    return dict(sorted(found.items(), reverse=True))
