"""Finance reports of one reconciliation night: the workbook, one CSV per owner queue, the tie-out
statement and a manifest (docs/data-model.md, shared/contracts/findings.md "Reports").

Every text cell of every file goes through `reports.cells.neutralise`, since finance opens them in Excel."""

from reports.build import (
    ALL,
    MANIFEST,
    Report,
    ReportFile,
    build_report,
    earlier_versions,
    manifest_version,
    read_manifest,
    report_directory,
)
from reports.night import Night, freeze_corrections, load_night
from reports.summary import AgingBuckets

__all__ = [
    "ALL",
    "MANIFEST",
    "AgingBuckets",
    "Night",
    "Report",
    "ReportFile",
    "build_report",
    "earlier_versions",
    "freeze_corrections",
    "load_night",
    "manifest_version",
    "read_manifest",
    "report_directory",
]
