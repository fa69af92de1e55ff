"""Which report files exist and who may have them. Nothing from a request is ever joined into a
path: a night is looked up among the report directory's own entries, a file among the names its
manifest lists, and the path is built from those."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from reports import MANIFEST, ReportFile, earlier_versions, manifest_version, read_manifest

NIGHT = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class Served:
    night: str
    entry: ReportFile
    path: Path
    version: int


def nights(reports_dir: Path) -> dict[str, Path]:
    """Night to directory, newest first, for the directories that hold a manifest."""
    if not reports_dir.is_dir():
        return {}
    found = {p.name: p for p in reports_dir.iterdir() if NIGHT.match(p.name) and (p / MANIFEST).is_file()}
    return dict(sorted(found.items(), reverse=True))


def visible(entries: list[ReportFile], queues: frozenset[str]) -> list[ReportFile]:
    return [e for e in entries if e.queue in queues]


def versions(directory: Path) -> dict[int, Path]:
    """A night's versions, the current one first, each a directory holding its manifest."""
    return {manifest_version(directory): directory, **earlier_versions(directory)}


def find(reports_dir: Path, night: str, name: str, version: int | None = None) -> Served | None:
    """The file `name` of `night` (of its `version`, else the current one) if that version's manifest
    lists it (whoever may see it), else None."""
    directory = nights(reports_dir).get(night)
    if directory is None:
        return None
    every = versions(directory)
    version = next(iter(every)) if version is None else version
    directory = every.get(version)
    if directory is None:
        return None
    entry = next((e for e in read_manifest(directory) if e.name == name), None)
    if entry is None:
        return None
    path = (directory / entry.name).resolve()
    if not path.is_relative_to(reports_dir.resolve()) or not path.is_file():
        return None
    return Served(night, entry, path, version)


def attachment(name: str) -> str:
    """A Content-Disposition value that no file name can break out of (report names are ASCII
    already; anything else is replaced)."""
    safe = re.sub(r"[^A-Za-z0-9._-]", "_", name)[:200] or "download"
    return f'attachment; filename="{safe}"'
