"""The report's own checks, read back from the files as finance will open them."""

from collections.abc import Iterator
from datetime import date

from dagster import AssetCheckExecutionContext, AssetCheckResult, MetadataValue
from dagster_duckdb import DuckDBResource

from assets.nightly import nightly_check, nightly_checks
from assets.reports.workbook import REPORT_KEY, reports_root
from reports import read_manifest, report_directory
from reports.verify import live_cells, manifest_problems, summary_figures


@nightly_checks(
    name="reports__workbook__checks",
    specs=[
        nightly_check(
            "files_as_written",
            REPORT_KEY,
            "Every file the night's manifest lists exists with the sha256 it was written with.",
        ),
        nightly_check(
            "no_live_formula", REPORT_KEY, "No text cell of any file starts with =, +, -, @, tab or carriage return."
        ),
        nightly_check(
            "open_findings_match",
            REPORT_KEY,
            "The workbook's open findings equal the night's open rows of recon.findings.",
        ),
    ],
)
def report_checks_evaluate(
    context: AssetCheckExecutionContext, warehouse: DuckDBResource
) -> Iterator[AssetCheckResult]:
    snapshot_date = date.fromisoformat(context.partition_key)
    directory = report_directory(reports_root(), snapshot_date)
    problems = manifest_problems(directory) if read_manifest(directory) else ["no manifest"]
    yield AssetCheckResult(
        check_name="files_as_written", passed=not problems, metadata={"problems": MetadataValue.json(problems)}
    )
    live = [] if problems else live_cells(directory)
    yield AssetCheckResult(
        check_name="no_live_formula",
        passed=not problems and not live,
        metadata={"live_cells": MetadataValue.int(len(live)), "examples": MetadataValue.json(live[:20])},
    )
    with warehouse.get_connection() as connection:
        (expected,) = connection.execute(
            "SELECT count(*) FROM recon.findings WHERE snapshot_date = ? AND status = 'open'", [snapshot_date]
        ).fetchone()
    shown = (
        None
        if problems
        else summary_figures(directory / f"tieout-{snapshot_date.isoformat()}.xlsx").get("Open findings")
    )
    yield AssetCheckResult(
        check_name="open_findings_match",
        passed=shown == expected,
        metadata={"in_workbook": MetadataValue.text(str(shown)), "in_recon_findings": MetadataValue.int(expected)},
    )
