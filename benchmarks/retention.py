"""Benchmark: disk per night with raw retention off and on, consecutive nights of a sandbox firm.

    python -m benchmarks.retention [--size demo] [--nights 6] [--keep 2] [--directory .tieout/retention]

Each night is `tieout run --date D` in its own process (what production runs), once on a copy of the
firm with every raw night kept (`TIEOUT_RAW_NIGHTS_KEPT=all`) and once keeping `--keep`; after each
night it prints the warehouse file (with its write-ahead log) and the Parquet archive beside it. At
the end, what a full rewrite of each warehouse (`COPY FROM DATABASE` into a new file) would leave.
`--raw-only` loads the firm's store straight into the raw tables each night instead (as benchmarks/run
does: a benchmark-sized firm over HTTP takes hours) and measures the raw layer alone.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import duckdb

FIRST_NIGHT = date(2026, 11, 20)  # the sandbox firm's as-of date
MB = 2**20


def size_of(path: Path) -> int:
    """Bytes of a file with its write-ahead log, or of every file under a folder."""
    if path.is_dir():
        return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())
    return sum(p.stat().st_size for p in (path, Path(f"{path}.wal")) if p.exists())


def run_night(home: Path, night: date, size: str, kept: str) -> None:
    env = {
        **os.environ,
        "TIEOUT_HOME": str(home),
        "TIEOUT_WAREHOUSE": str(home / "warehouse.duckdb"),
        "TIEOUT_SANDBOX_DIR": str(home / "sandbox"),
        "TIEOUT_SANDBOX_SIZE": size,
        "DAGSTER_HOME": str(home / "dagster"),
        "TIEOUT_RAW_NIGHTS_KEPT": kept,
    }
    command = [sys.executable, "-m", "pipelines.cli", "run", "--date", night.isoformat()]
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"night {night} ({kept}) failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")


def run_raw_night(home: Path, night: date, kept: str) -> None:
    """The firm's records as the night's raw snapshot, then the night's retention."""
    from assets.extraction.retention import compact_raw
    from benchmarks.raw_load import load_store_into_raw
    from resources.warehouse import WarehouseResource

    with WarehouseResource(database=str(home / "warehouse.duckdb")).get_connection() as connection:
        loaded = load_store_into_raw(connection, home / "sandbox" / "state.db", night)
        for table, count in loaded.items():
            system, object_name = table.removeprefix("raw.").split("__")
            connection.execute(
                "INSERT INTO raw.load_log (load_id, snapshot_date, system, object, mode, rows, fetched_rows, "
                "deleted_rows, pages, requests, retries, seconds, extracted_at) "
                "VALUES (?, ?, ?, ?, 'full', ?, ?, 0, 0, 0, 0, 0, now())",
                [f"{table}-{night}", night, system, object_name, count, count],
            )
        if kept != "all":
            compact_raw(connection, int(kept))


def rewritten_size(warehouse: Path) -> int:
    """The size of the warehouse copied into a new file, as a full rewrite would leave it."""
    copy = warehouse.with_name("rewritten.duckdb")
    copy.unlink(missing_ok=True)
    with duckdb.connect(str(warehouse)) as connection:
        connection.execute(f"ATTACH '{copy}' AS rewritten")
        connection.execute("COPY FROM DATABASE warehouse TO rewritten")
        connection.execute("DETACH rewritten")
    size = size_of(copy)
    copy.unlink()
    return size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="demo", help="sandbox size (small, demo, large)")
    parser.add_argument("--nights", type=int, default=6)
    parser.add_argument("--keep", default="2", help="TIEOUT_RAW_NIGHTS_KEPT of the run with retention on")
    parser.add_argument("--directory", type=Path, default=Path(".tieout/retention"))
    parser.add_argument("--raw-only", action="store_true", help="load the store into raw, no HTTP, no other stage")
    options = parser.parse_args()
    firm = options.directory / "firm"
    if not (firm / "manifest.json").exists():
        from sandbox.firm import build_sandbox

        build_sandbox(firm, size=options.size, as_of=FIRST_NIGHT)
    runs = {"off": "all", "on": options.keep}
    homes = {label: options.directory / label for label in runs}
    for home in homes.values():
        shutil.rmtree(home, ignore_errors=True)
        shutil.copytree(firm, home / "sandbox")
    print(
        f"firm {options.size}{' (raw only)' if options.raw_only else ''}; retention on keeps {options.keep} raw nights",
        flush=True,
    )
    print(f"{'night':<12} {'off: warehouse':>15} {'on: warehouse':>14} {'on: archive':>12} {'on: total':>10}")
    for n in range(options.nights):
        night = FIRST_NIGHT + timedelta(days=n)
        for label, kept in runs.items():
            if options.raw_only:
                run_raw_night(homes[label], night, kept)
            else:
                run_night(homes[label], night, options.size, kept)
        off, on = (size_of(homes[label] / "warehouse.duckdb") for label in runs)
        archive = size_of(homes["on"] / "archive")
        print(
            f"{night!s:<12} {off / MB:12.1f} MB {on / MB:11.1f} MB {archive / MB:9.1f} MB {(on + archive) / MB:7.1f} MB"
        )
    print(
        "rewritten (COPY FROM DATABASE): "
        + ", ".join(f"{label} {rewritten_size(homes[label] / 'warehouse.duckdb') / MB:.1f} MB" for label in runs)
    )


if __name__ == "__main__":
    main()
