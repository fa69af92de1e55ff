"""The finding codes' queries timed one by one on a reconciled warehouse, the slowest beside a bare DuckDB
join of the same inputs: the tables the code reads joined as it needs them (the ERP copy of a time entry
too, whose id a finding names) and its predicate, without the ids, texts and money a finding states. The floor says how much of a query is the data and how much is ours.

`python -m benchmarks.finding_queries <warehouse> [--date D] [--top 3]` (benchmarks/run.py prints it too)."""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from datetime import date
from pathlib import Path

import duckdb

from assets.reconciliation.findings import PARAMETER, code_files, prepare_detection
from resources.settings.reconciliation import ReconciliationSettings

# A bare join per code, written for the codes that were the slowest on the benchmark firms (TIME_* over
# every time entry, the cutover's grouping of every posting); `$snapshot_date` and the code's own
# parameters are bound as for the code.
FLOORS = {
    "TIME_BILLED_STATUS_MISMATCH": """
        SELECT t.source_id FROM canonical.time_entry AS t
        JOIN canonical.time_entry AS erp
          ON erp.snapshot_date = t.snapshot_date AND erp.system = 'erp' AND erp.global_id = t.global_id
        WHERE t.snapshot_date = $snapshot_date AND t.system = 'psa'
          AND erp.billable_status IN ('Billable', 'HasBeenBilled')
          AND t.is_billed <> (erp.billable_status = 'HasBeenBilled')""",
    "TIME_RATE_MISMATCH": """
        SELECT t.source_id, erp.source_id FROM canonical.time_entry AS t
        LEFT JOIN canonical.time_entry AS erp
          ON erp.snapshot_date = t.snapshot_date AND erp.system = 'erp' AND erp.global_id = t.global_id
        JOIN canonical.rate_card AS card
          ON card.snapshot_date = t.snapshot_date AND card.project_source_id = t.project_source_id
         AND card.resource_global_id = t.resource_global_id
        WHERE t.snapshot_date = $snapshot_date AND t.system = 'psa' AND t.billable
          AND abs(t.billable_rate - card.hourly_rate) > $rate_tolerance""",
    "TIME_ON_INACTIVE_PROJECT": """
        SELECT t.source_id, erp.source_id FROM canonical.time_entry AS t
        LEFT JOIN canonical.time_entry AS erp
          ON erp.snapshot_date = t.snapshot_date AND erp.system = 'erp' AND erp.global_id = t.global_id
        JOIN canonical.engagement AS p
          ON p.snapshot_date = t.snapshot_date AND p.system = 'psa' AND p.source_id = t.project_source_id
        WHERE t.snapshot_date = $snapshot_date AND t.system = 'psa'
          AND NOT p.is_active AND p.ends_on IS NOT NULL AND t.spent_date > p.ends_on""",
    "INVOICE_POSTED_IN_BOTH_ERPS": """
        SELECT psa_invoice_id FROM recon.invoice_match
        WHERE snapshot_date = $snapshot_date AND psa_invoice_id IS NOT NULL AND erp_invoice_id IS NOT NULL
        GROUP BY psa_invoice_id HAVING bool_or(NOT in_its_erp)""",
}


def _timed(connection, query: str, parameters: dict) -> tuple[float, int]:
    started = time.monotonic()
    connection.execute(f"CREATE OR REPLACE TEMP TABLE timed AS {query}", parameters)
    seconds = time.monotonic() - started
    (rows,) = connection.execute("SELECT count(*) FROM timed").fetchone()
    return seconds, rows


def measure(warehouse: Path, snapshot_date: date) -> list[dict]:
    """Each code's query and, where one is written, its floor: seconds and rows (a copy of the warehouse
    is used, so the night's own tables are not touched)."""
    settings = ReconciliationSettings.load()
    with tempfile.TemporaryDirectory() as scratch:
        copy = Path(scratch) / "warehouse.duckdb"
        shutil.copy(warehouse, copy)
        with duckdb.connect(str(copy)) as connection:
            prepare_detection(connection)
            results = []
            for code_file in code_files():
                query = code_file.path.read_text()
                parameters = settings.bound(set(PARAMETER.findall(query)), snapshot_date, code_file.name)
                seconds, rows = _timed(connection, query, parameters)
                result = {"code": code_file.code, "seconds": seconds, "rows": rows}
                if floor := FLOORS.get(code_file.code):
                    floor_parameters = {k: v for k, v in parameters.items() if f"${k}" in floor}
                    result["floor_seconds"], result["floor_rows"] = _timed(connection, floor, floor_parameters)
                results.append(result)
    return sorted(results, key=lambda r: -r["seconds"])


def report(results: list[dict], top: int = 3) -> list[str]:
    """The slowest `top` codes, each beside its floor (or a note that none is written for it)."""
    lines = [f"finding queries: the {top} slowest of {len(results)} (all {sum(r['seconds'] for r in results):.2f} s)"]
    for r in results[:top]:
        line = f"  {r['code']:<30} {r['seconds']:7.2f} s {r['rows']:>8} rows"
        if "floor_seconds" in r:
            ratio = r["seconds"] / r["floor_seconds"] if r["floor_seconds"] else float("inf")
            line += f"   bare join {r['floor_seconds']:6.2f} s {r['floor_rows']:>8} rows ({ratio:.1f}x)"
        else:
            line += "   (no bare join written for it: benchmarks/finding_queries.py FLOORS)"
        lines.append(line)
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("warehouse", type=Path)
    parser.add_argument("--date", type=date.fromisoformat, default=None, help="the night (default: the newest)")
    parser.add_argument("--top", type=int, default=3)
    options = parser.parse_args()
    night = options.date
    if night is None:
        with duckdb.connect(str(options.warehouse), read_only=True) as connection:
            ((night,),) = connection.execute("SELECT max(snapshot_date) FROM recon.findings").fetchall()
    print("\n".join(report(measure(options.warehouse, night), options.top)))


if __name__ == "__main__":
    main()
