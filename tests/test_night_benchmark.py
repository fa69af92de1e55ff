"""The night benchmark's own path at a tiny size, as CI can afford it: `python -m benchmarks.night`
generates the small firm, serves it from the emulators' own process, runs `tieout run` over HTTP and
prints its figures. What it prints is checked against the run's own record (the warehouse's load log)
and the firm's manifest, not against figures from one machine."""

import json
import os
import re
import sqlite3
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import duckdb

from benchmarks.run import SNAPSHOT

REPO = Path(__file__).resolve().parents[1]
STAGES = ("extraction", "validation", "canonical", "reconciliation", "corrections", "reports", "retention")


def test_the_night_benchmark_runs_the_real_night_and_prints_its_figures(tmp_path):
    directory = tmp_path / "bench"
    done = subprocess.run(
        [
            *(sys.executable, "-m", "benchmarks.night", "--size", "small", "--directory", str(directory)),
            *("--changed", "0.05"),  # then the incremental night, a twentieth of the records changed
        ],
        cwd=REPO,
        env={**os.environ, "TIEOUT_HOME": str(tmp_path / "not-used")},  # the benchmark keeps to its directory
        capture_output=True,
        text=True,
        timeout=600,
    )
    out = done.stdout

    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    for stage in (*STAGES, "whole night"):
        assert re.search(rf"^{stage} +\d+\.\d +\d+\.\d\d GiB +\d+\.\d s$", out, re.MULTILINE), stage
    with duckdb.connect(str(directory / "home" / "warehouse.duckdb"), read_only=True) as warehouse:
        sent = dict(
            warehouse.execute(
                "SELECT system, sum(requests) FROM raw.load_log WHERE snapshot_date = ? GROUP BY 1", [SNAPSHOT]
            ).fetchall()
        )
    assert sent["xero"] == 0  # the small firm keeps no entity on Xero: its assets ask nothing
    assert sent["hubspot"] == 0  # nor has it a business unit on HubSpot
    assert sent["ledger"] == 0  # nor an entity on the on-premises ledger
    assert re.search(
        rf"^extraction: harvest {sent['harvest']:,} requests in [\d.]+ s, hubspot 0 requests in [\d.]+ s, "
        rf"ledger 0 requests in [\d.]+ s, "
        rf"quickbooks {sent['quickbooks']:,} "
        rf"requests in [\d.]+ s, salesforce {sent['salesforce']:,} requests in [\d.]+ s, xero 0 requests in [\d.]+ s$",
        out,
        re.MULTILINE,
    )
    # the steady state: Harvest allows 100 requests per 15 s, QuickBooks 500 a minute per company
    steady = sent["harvest"] * 15 / 100 + sent["quickbooks"] * 60 / 500
    # no account or company of the small firm received a window's worth, so no window made anyone wait
    with sqlite3.connect(directory / "firm" / "state.db") as store:
        busiest = dict(
            store.execute(
                "SELECT system, max(n) FROM (SELECT system, count(*) AS n FROM requests "
                "GROUP BY system, tenant) GROUP BY system"
            ).fetchall()
        )
    assert busiest["harvest"] < 100 and busiest["quickbooks"] < 500
    assert re.search(rf"^rate-limit minimum: steady state {steady:.1f} s, windows 0.0 s;", out, re.MULTILINE)
    assert re.search(r"^emulators: \d+% of the extraction.s wall time in CPU", out, re.MULTILINE)
    assert re.search(
        r"^contracts: the validation stage took [\d.]+ s, a bare DuckDB scan of the same payload paths [\d.]+ s "
        r"\([\d.]+x the floor\)$",
        out,
        re.MULTILINE,
    )
    codes = len({f["code"] for f in json.loads((directory / "firm" / "manifest.json").read_text())["findings"]})
    assert f"findings: {codes} of {codes} codes equal the manifest exactly; tie-out unexplained remainder 0.00" in out
    assert list((directory / "home" / "reports" / SNAPSHOT.isoformat()).glob("tieout-*.xlsx"))
    assert not (tmp_path / "not-used").exists()
    assert_the_incremental_night(directory, out)


def assert_the_incremental_night(directory: Path, out: str) -> None:
    """The night after, with records marked changed in the emulators' store: every object read
    incrementally, the marked records among those fetched, and each stage beside the full night's."""
    after = SNAPSHOT + timedelta(days=1)
    with sqlite3.connect(directory / "firm" / "state.db") as store:
        (stamp,) = store.execute("SELECT max(updated_at) FROM records").fetchone()
        marked = dict(store.execute("SELECT system, count(*) FROM records WHERE updated_at = ? GROUP BY 1", [stamp]))
    with duckdb.connect(str(directory / "home" / "warehouse.duckdb"), read_only=True) as warehouse:
        loads = warehouse.execute(
            "SELECT system, object, mode, fetched_rows, rows FROM raw.load_log WHERE snapshot_date = ? AND rows > 0",
            [after],
        ).fetchall()
        totals = dict(
            warehouse.execute(
                "SELECT 'fetched', sum(fetched_rows) FROM raw.load_log WHERE snapshot_date = ? "
                "UNION ALL SELECT 'stored', sum(rows) FROM raw.load_log WHERE snapshot_date = ?",
                [after, after],
            ).fetchall()
        )
        checked, carried = warehouse.execute(
            "SELECT sum(rechecked), count(carried_from) FROM quality.validated_nights WHERE snapshot_date = ?", [after]
        ).fetchone()
    assert {mode for _, _, mode, _, _ in loads} == {"incremental"}, loads
    fetched = {system: sum(f for s, _, _, f, _ in loads if s == system) for system in marked}
    stored = {system: sum(r for s, _, _, _, r in loads if s == system) for system in marked}
    assert all(marked[system] <= fetched[system] < stored[system] for system in marked), (marked, fetched, stored)
    changed = ", ".join(f"{system} {n:,}" for system, n in sorted(marked.items()))
    assert (
        f"incremental night of {after} (5.0% of records marked changed: {changed}): exit 0, loads full, incremental, "
        f"{totals['fetched']:,} records fetched of {totals['stored']:,} in its snapshots; the contracts checked "
        f"{checked:,} of them ({carried} objects carried the others' verdicts)"
    ) in out
    # every fetched record is checked again; the others' verdicts are carried (decision 45)
    assert totals["fetched"] <= checked < totals["stored"] and carried > 0, (totals, checked, carried)
    for stage in STAGES:
        assert re.search(rf"^{stage} +\d+\.\ds +\d+\.\ds +\d+\.\d%$", out, re.MULTILINE), stage
    assert re.search(r"^whole night +\d+\.\ds +\d+\.\ds +\d+\.\d% +peak RSS \d+\.\d\d GiB$", out, re.MULTILINE)
