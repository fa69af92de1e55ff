"""Benchmark: the night a user runs, `tieout run` itself (every asset and check, corrections proposed,
the reports written), over HTTP against the sandbox firm's emulators at the vendors' own page sizes
and rate limits, printing seconds and peak RSS per step.

    python -m benchmarks.night [--size small] [--directory .tieout/benchmark-night] [--reuse] [--changed 0.01]

The emulators run in a process of their own, so the night's peak RSS is tieout's and the emulators'
CPU time can be set beside the extraction's wall time (their share: if they were the bottleneck, the
night would measure them). The night runs in another process with a fresh Dagster home, warehouse and
token store; a thread samples its RSS and the emulators' CPU time every 50 ms, and each step's peak
RSS is the highest sample between its start and end events in the run's event log (steps run one at
a time in-process, as `tieout run` runs them), its emulators' CPU what they spent meanwhile: the
extraction's, and the corrections' reads of live records.

The rate-limit minimum is what the vendors allow, not what tieout does, from their documented limits:
Harvest 100 requests per 15 seconds per account; QuickBooks 500 a minute per company; Salesforce a
daily allotment and no per-second limit (so 0). Two figures: the issue's steady state, the requests
the extraction sent (raw.load_log) divided by the allowed rate, and the windows' own minimum, the
waits a sliding window forces on the requests each account or company received during extraction
(the emulators' request log): n requests under L per W seconds wait (ceil(n / L) - 1) * W. The two
meet at scale; with fewer requests than one window admits (a small firm) there is no wait at all.

`--changed SHARE` then runs the next night, incremental, after marking that share of every object's
records in the emulators' store as changed (`touch`), and prints it beside the full night.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import shutil
import sys
import threading
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from queue import Empty

from benchmarks.run import SNAPSHOT as NIGHT  # the sandbox firm's as-of date
from benchmarks.run import print_against_manifest

# (requests, per seconds) each vendor allows per account or company, from its API documentation; None: no
# per-second limit (a daily allotment)
VENDOR_LIMITS = {"harvest": (100, 15.0), "quickbooks": (500, 60.0), "salesforce": None}
EMULATORS = "TIEOUT_BENCHMARK_EMULATORS"  # the file where the emulators' process says where they listen


# -- the emulators, in their own process ----------------------------------------------------------------
def _serve_emulators(firm: str, size: str, address_file: str) -> None:
    from sandbox.emulators.quickbooks import QuickBooksEmulator
    from sandbox.runtime import running_sandbox

    runtime = running_sandbox(firm, size)
    # QuickBooks refuses CDC older than 30 days by its own clock: its emulator's stands at the benchmark's
    # nights (moving from the night after the firm's), so a run on any day reads the second one incrementally
    shift = datetime.now(UTC) - datetime.combine(NIGHT + timedelta(days=1), datetime.min.time(), UTC)
    quickbooks = runtime.emulators["quickbooks"].emulator
    assert isinstance(quickbooks, QuickBooksEmulator)
    quickbooks.clock = lambda: datetime.now(UTC) - shift
    systems = {s: {"base_url": runtime.base_url(s), "credentials": runtime.credentials(s)} for s in VENDOR_LIMITS}
    Path(address_file).write_text(json.dumps({"systems": systems, "legal_entities": runtime.legal_entities()}))
    threading.Event().wait()


class AttachedSandbox:
    """The emulators of another process, as a connector asks for them (resources/sandbox.py)."""

    def __init__(self, address_file: str):
        self.addresses = json.loads(Path(address_file).read_text())

    def base_url(self, system: str) -> str:
        return self.addresses["systems"][system]["base_url"]

    def credentials(self, system: str) -> dict:
        return self.addresses["systems"][system]["credentials"]

    def legal_entities(self) -> list[dict]:
        return self.addresses["legal_entities"]


def attached(directory: str, size: str) -> AttachedSandbox:
    """TIEOUT_EMBEDDED_SOURCES for the night: the emulators the benchmark started."""
    return AttachedSandbox(os.environ[EMULATORS])


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# -- the night, in its own process ----------------------------------------------------------------------
def _rss() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


def _night(home: str, address_file: str, emulators_pid: int, night: str, queue) -> None:
    for name in [n for n in os.environ if n.startswith("TIEOUT_")]:  # the caller's settings are not the benchmark's
        del os.environ[name]
    os.environ.update(
        TIEOUT_HOME=home,
        DAGSTER_HOME=str(Path(home) / "dagster"),
        TIEOUT_EMBEDDED_SOURCES="benchmarks.night:attached",
        TIEOUT_RAW_NIGHTS_KEPT="all",
        **{EMULATORS: address_file},
    )
    samples: list[tuple[float, int, float]] = []  # (when, the night's RSS, the emulators' CPU seconds so far)
    done = threading.Event()

    def sample() -> None:  # sleeps, not a timed wait: those never return under faketime (the tests' moved clock)
        while not done.is_set():
            samples.append((time.time(), _rss(), cpu_seconds(emulators_pid)))
            time.sleep(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    from pipelines.cli import _instance, run_nights

    started = time.time()
    code = run_nights([night], mode="auto")
    done.set()
    sampler.join()
    from dagster import DagsterEventType

    instance = _instance()
    (run,) = instance.get_runs(limit=1)
    events = {DagsterEventType.STEP_START, DagsterEventType.STEP_SUCCESS, DagsterEventType.STEP_FAILURE}
    steps: dict[str, dict] = {}
    for record in instance.get_records_for_run(run.run_id, of_type=events, limit=100_000).records:
        entry = record.event_log_entry
        step = steps.setdefault(entry.step_key or "", {})
        step["start" if entry.dagster_event.event_type == DagsterEventType.STEP_START else "end"] = entry.timestamp
    for step in steps.values():
        inside = [(rss, cpu) for at, rss, cpu in samples if step["start"] <= at <= step.get("end", time.time())]
        step["peak_rss"] = max((rss for rss, _ in inside), default=0)
        step["emulator_cpu"] = inside[-1][1] - inside[0][1] if inside else 0.0
    queue.put(
        {"exit_code": code, "seconds": time.time() - started, "peak_rss": max(r for _, r, _ in samples), "steps": steps}
    )


def run_night(home: Path, address_file: Path, emulators_pid: int, night: date = NIGHT) -> dict:
    queue = multiprocessing.get_context("spawn").Queue()
    process = multiprocessing.get_context("spawn").Process(
        target=_night, args=(str(home), str(address_file), emulators_pid, night.isoformat(), queue)
    )
    process.start()
    while True:  # a night process that died (an exception outside the run) would never answer
        try:
            result = queue.get(timeout=5)
            break
        except Empty:
            if not process.is_alive():
                raise SystemExit(
                    f"the night's process died (exit code {process.exitcode}); its error is above"
                ) from None
    process.join()
    return result


# where each vendor's payload says when a record last changed (Salesforce's and HubSpot's emulators filter on
# these; the others on the store's own column)
CHANGED_AT = {
    "harvest": ["$.updated_at"],
    "quickbooks": ["$.MetaData.LastUpdatedTime"],
    "salesforce": ["$.SystemModstamp", "$.LastModifiedDate"],
    "hubspot": ["$.updatedAt", "$.properties.hs_lastmodifieddate"],
}


def touch(firm: Path, share: float) -> dict[str, int]:
    """Mark `share` of every object's records in the emulators' store as changed now (every n-th by creation
    order, n = 1 / share), as the vendors would stamp an edit; the records' contents stay, so the night after
    fetches them again and finds what it found: the cost of an incremental night, not of new findings.
    Returns the records marked per system."""
    import sqlite3

    from sandbox.store import RECORDS_CHANGED

    every, now = max(1, round(1 / share)), datetime.now(UTC)
    stamps = {
        "iso": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "xero": f"/Date({int(now.timestamp() * 1000)}+0000)/",
    }
    with sqlite3.connect(firm / "state.db") as store:
        for system, paths in [*CHANGED_AT.items(), ("xero", ["$.UpdatedDateUTC"])]:
            stamp = stamps["xero" if system == "xero" else "iso"]
            payload = "payload"
            for path in paths:
                payload = f"json_replace({payload}, '{path}', :stamp)"
            store.execute(
                f"UPDATE records SET updated_at = :now, payload = {payload} WHERE system = :system AND seq % :every = 0",
                {"now": stamps["iso"], "stamp": stamp, "system": system, "every": every},
            )
        store.execute(RECORDS_CHANGED)  # the emulators' pages and counts kept from before no longer hold
        rows = store.execute(
            "SELECT system, count(*) FROM records WHERE updated_at = ? GROUP BY system", [stamps["iso"]]
        ).fetchall()
    return dict(rows)


def requests_per_system(warehouse: Path) -> dict[str, tuple[int, float]]:
    """Requests sent and extraction seconds per system on the night (raw.load_log)."""
    import duckdb

    with duckdb.connect(str(warehouse), read_only=True) as connection:
        rows = connection.execute(
            "SELECT system, sum(requests), sum(seconds) FROM raw.load_log WHERE snapshot_date = ? GROUP BY 1",
            [NIGHT],
        ).fetchall()
    return {system: (int(requests), float(seconds)) for system, requests, seconds in rows}


def window_minimum(firm: Path, first_request: int, until: float) -> float:
    """Seconds the vendors' sliding windows force on the requests each account or company received
    from `first_request` on until `until` (epoch seconds; token requests go to another host)."""
    import math
    import sqlite3
    from datetime import UTC, datetime

    stamp = datetime.fromtimestamp(math.ceil(until), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    with sqlite3.connect(f"file:{firm / 'state.db'}?mode=ro", uri=True) as store:
        received = store.execute(
            "SELECT system, tenant, count(*) FROM requests WHERE n > ? AND at <= ? AND status <> 429 "
            "AND path NOT LIKE '%oauth2%' "
            "GROUP BY 1, 2",
            [first_request, stamp],
        ).fetchall()
    waits = 0.0
    for system, _, n in received:
        if limit := VENDOR_LIMITS.get(system):
            waits += max(0, math.ceil(n / limit[0]) - 1) * limit[1]
    return waits


def last_request(firm: Path) -> int:
    import sqlite3

    with sqlite3.connect(f"file:{firm / 'state.db'}?mode=ro", uri=True) as store:
        return store.execute("SELECT coalesce(max(n), 0) FROM requests").fetchone()[0]


def contracts_floor(warehouse: Path) -> float:
    """Seconds of a bare DuckDB scan of what the contracts read: every contract's payload paths parsed
    out of the night's raw snapshot, one aggregate per object, nothing typed, checked or moved out of
    DuckDB. The validation stage does this and more (typing, references, the rules in polars, the
    valid and quarantine tables), so it is the floor the stage is measured against."""
    import duckdb

    from checks import CONTRACTS
    from sql.tables import raw_table

    started = time.monotonic()
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        for contract in CONTRACTS.values():
            paths = ", ".join(f"'{f.json_path}'" for f in contract.fields)
            connection.execute(
                f"SELECT sum(len(list_filter(json_extract(payload, [{paths}]), lambda v: v IS NOT NULL))) "
                f"FROM {raw_table(contract.system, contract.object)} WHERE snapshot_date = ?",
                [NIGHT],
            ).fetchall()
    return time.monotonic() - started


def stage_of(step: str) -> str:
    """The stage a step belongs to, by its asset's key: raw (extraction), valid and the contracts'
    checks (validation), canonical, recon (reconciliation), corrections, reports, warehouse (retention)."""
    first = step.split("__")[0]
    if first.startswith("check_"):
        return "validation"
    return {"raw": "extraction", "valid": "validation", "recon": "reconciliation", "warehouse": "retention"}.get(
        first, first
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="small", help="sandbox size, e.g. small, demo, benchmark, benchmark:0.1")
    parser.add_argument("--directory", default=".tieout/benchmark-night", type=Path)
    parser.add_argument("--reuse", action="store_true", help="keep an already generated firm")
    parser.add_argument("--steps", action="store_true", help="print every step, not only the stages")
    parser.add_argument(
        "--changed", type=float, default=0.0, help="then an incremental night with this share of records changed"
    )
    options = parser.parse_args(argv)
    directory = options.directory.resolve()
    firm, home, address_file = directory / "firm", directory / "home", directory / "emulators.json"
    if not (options.reuse and (firm / "manifest.json").exists()):
        shutil.rmtree(firm, ignore_errors=True)
        from sandbox.firm import build_sandbox

        started = time.monotonic()
        build_sandbox(firm, size=options.size)
        print(f"generated the {options.size} firm in {time.monotonic() - started:.1f} s", flush=True)
    shutil.rmtree(home, ignore_errors=True)
    address_file.unlink(missing_ok=True)
    context = multiprocessing.get_context("spawn")
    emulators = context.Process(target=_serve_emulators, args=(str(firm), options.size, str(address_file)))
    emulators.start()
    try:
        while not address_file.exists():
            if not emulators.is_alive():
                raise SystemExit("the emulators did not start")
            time.sleep(0.1)
        assert emulators.pid is not None
        emulator_cpu_before, first_request = cpu_seconds(emulators.pid), last_request(firm)
        night = run_night(home, address_file, emulators.pid)
        emulator_cpu = cpu_seconds(emulators.pid) - emulator_cpu_before
        report(options, firm, home, night, emulator_cpu, first_request)
        if options.changed and night["exit_code"] == 0:
            touched = touch(firm, options.changed)
            after = run_night(home, address_file, emulators.pid, NIGHT + timedelta(days=1))
            report_incremental(home, night, after, options.changed, touched)
            return after["exit_code"]
    finally:
        emulators.terminate()
        emulators.join()
    return night["exit_code"]


def stage_totals(night: dict) -> dict[str, list[float]]:
    """stage -> [seconds, peak RSS, emulators' CPU seconds], in the order the stages ran."""
    stages: dict[str, list[float]] = {}
    for key, step in sorted(night["steps"].items(), key=lambda item: item[1]["start"]):
        totals = stages.setdefault(stage_of(key), [0.0, 0, 0.0])
        totals[0] += step.get("end", step["start"]) - step["start"]
        totals[1] = max(totals[1], step["peak_rss"])
        totals[2] += step["emulator_cpu"]
    return stages


def report_incremental(home: Path, full: dict, after: dict, share: float, touched: dict[str, int]) -> None:
    """The incremental night beside the full one: per stage and whole, and the records it fetched."""
    import duckdb

    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as connection:
        row = connection.execute(
            "SELECT string_agg(DISTINCT mode, ', ' ORDER BY mode), sum(fetched_rows), sum(rows) FROM raw.load_log "
            "WHERE snapshot_date = ?",
            [NIGHT + timedelta(days=1)],
        ).fetchone()
        checked, carried = connection.execute(
            "SELECT sum(rechecked), count(carried_from) FROM quality.validated_nights WHERE snapshot_date = ?",
            [NIGHT + timedelta(days=1)],
        ).fetchone() or (0, 0)
    modes, fetched, stored = row or (None, 0, 0)
    print(
        f"\nincremental night of {NIGHT + timedelta(days=1)} ({share:.1%} of records marked changed: "
        + ", ".join(f"{system} {n:,}" for system, n in sorted(touched.items()))
        + f"): exit {after['exit_code']}, loads {modes}, {fetched:,} records fetched of {stored:,} in its snapshots; "
        f"the contracts checked {checked or 0:,} of them ({carried} objects carried the others' verdicts)"
    )
    print(f"{'stage':<14} {'full night':>11} {'incremental':>12} {'share':>7}")
    whole = stage_totals(full)
    for stage, (seconds, _, _) in stage_totals(after).items():
        before = whole.get(stage, [0.0])[0]
        print(f"{stage:<14} {before:10.1f}s {seconds:11.1f}s {seconds / before if before else 0:7.1%}")
    print(
        f"{'whole night':<14} {full['seconds']:10.1f}s {after['seconds']:11.1f}s {after['seconds'] / full['seconds']:7.1%}"
        f"   peak RSS {after['peak_rss'] / 2**30:.2f} GiB"
    )
    sys.stdout.flush()


def report(options, firm: Path, home: Path, night: dict, emulator_cpu: float, first_request: int) -> None:
    counts = json.loads((firm / "manifest.json").read_text())["counts"]
    entries = sum(n for key, n in counts.items() if key.endswith("/time_entries"))
    steps = sorted(night["steps"].items(), key=lambda item: item[1]["start"])
    stages = stage_totals(night)
    print(f"\nnight of {NIGHT}, firm {options.size} ({entries:,} Harvest time entries): exit {night['exit_code']}")
    header = f"{'seconds':>9} {'peak RSS':>10} {'emulators CPU':>14}"
    print(f"{'stage':<14} {header}")
    for stage, (seconds, peak, cpu) in stages.items():
        print(f"{stage:<14} {seconds:9.1f} {peak / 2**30:6.2f} GiB {cpu:12.1f} s")
    print(f"{'whole night':<14} {night['seconds']:9.1f} {night['peak_rss'] / 2**30:6.2f} GiB {emulator_cpu:12.1f} s")
    if options.steps:
        print(f"\n{'step':<60} {header}")
        for key, step in steps:
            seconds = step.get("end", step["start"]) - step["start"]
            print(f"{key:<60} {seconds:9.1f} {step['peak_rss'] / 2**30:6.2f} GiB {step['emulator_cpu']:12.1f} s")
    warehouse = home / "warehouse.duckdb"
    sent = requests_per_system(warehouse)
    steady = sum(n * limit[1] / limit[0] for system, (n, _) in sent.items() if (limit := VENDOR_LIMITS.get(system)))
    extracted = [step["end"] for key, step in steps if stage_of(key) == "extraction" and "end" in step]
    windows = window_minimum(firm, first_request, max(extracted, default=0.0))
    extraction = stages.get("extraction", [0.0])[0]
    print("\nextraction: " + ", ".join(f"{s} {r:,} requests in {t:.1f} s" for s, (r, t) in sorted(sent.items())))
    print(
        f"rate-limit minimum: steady state {steady:.1f} s, windows {windows:.1f} s; extraction took {extraction:.1f} s"
        + (f" ({extraction / steady:.2f}x the steady state)" if steady else "")
    )
    share = stages.get("extraction", [0.0, 0, 0.0])[2] / extraction if extraction else 0.0
    print(
        f"emulators: {share:.0%} of the extraction's wall time in CPU (a share near 100% would make them its bottleneck)"
    )
    if night["exit_code"] == 0:
        floor, validation = contracts_floor(warehouse), stages.get("validation", [0.0])[0]
        print(
            f"contracts: the validation stage took {validation:.1f} s, a bare DuckDB scan of the same payload "
            f"paths {floor:.1f} s ({validation / floor:.1f}x the floor)"
        )
        print_against_manifest(warehouse, json.loads((firm / "manifest.json").read_text()))
    sys.stdout.flush()


if __name__ == "__main__":
    raise SystemExit(main())
