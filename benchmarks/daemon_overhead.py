"""Benchmark: what `dagster dev` (webserver + daemon, a run launched over GraphQL as the UI does)
costs over the same night run in-process (`pipelines.cli.run_nights`).

    python -m benchmarks.daemon_overhead <sandbox dir> [--date YYYY-MM-DD] [--workdir DIR]

The sandbox directory is copied once per path, so the original is left untouched and both paths
start from the same firm; each path gets a fresh warehouse and a fresh Dagster home. Figures are
wall-clock seconds: for `dagster dev`, its start-up (until the webserver answers) and the run (from
submission until the run is SUCCESS); in-process, the run alone, in a fresh interpreter.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import shutil
import tempfile
import time
from pathlib import Path

from pipelines.devserver import dagster_dev, run_night

REPO = Path(__file__).resolve().parents[1]


def _workspace(root: Path, sandbox: Path, name: str) -> dict[str, str]:
    """A private copy of the sandbox, warehouse and Dagster home under `root/name`; its environment."""
    base = root / name
    shutil.copytree(sandbox, base / "sandbox")
    (base / "dagster").mkdir()
    shutil.copy(REPO / "deploy" / "local" / "dagster.yaml", base / "dagster")
    manifest = json.loads((sandbox / "manifest.json").read_text())
    return {
        "TIEOUT_HOME": str(base / "home"),
        "TIEOUT_SANDBOX_DIR": str(base / "sandbox"),
        "TIEOUT_SANDBOX_SIZE": manifest["size"],
        "TIEOUT_WAREHOUSE": str(base / "warehouse.duckdb"),
        "DAGSTER_HOME": str(base / "dagster"),
    }


def through_dagster_dev(env: dict[str, str], snapshot_date: str, log: Path) -> tuple[float, float]:
    """Seconds until `dagster dev` answers, then seconds from submitting the night to its SUCCESS."""
    started = time.monotonic()
    with dagster_dev(env, log) as port:
        startup = time.monotonic() - started
        submitted = time.monotonic()
        _, status = run_night(port, snapshot_date)
        run = time.monotonic() - submitted
    if status != "SUCCESS":
        raise SystemExit(f"the night through dagster dev ended {status}; see {log}")
    return startup, run


def _in_process(env: dict[str, str], snapshot_date: str, queue) -> None:
    os.environ.update(env)
    from pipelines.cli import run_nights

    started = time.monotonic()
    code = run_nights([snapshot_date], "auto")
    queue.put((code, time.monotonic() - started))


def in_process(env: dict[str, str], snapshot_date: str) -> float:
    """Seconds of `run_nights` for the night, in a fresh interpreter (imports not counted)."""
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    process = context.Process(target=_in_process, args=(env, snapshot_date, queue))
    process.start()
    code, seconds = queue.get()
    process.join()
    if code:
        raise SystemExit(f"the night in-process failed (exit code {code})")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sandbox", type=Path, help="a generated sandbox firm directory (left untouched)")
    parser.add_argument("--date", help="snapshot date (default: the firm's as-of date)")
    parser.add_argument("--workdir", type=Path, help="where the copies go (default: a temporary directory)")
    args = parser.parse_args()
    sandbox = args.sandbox.resolve()
    snapshot_date = args.date or json.loads((sandbox / "manifest.json").read_text())["as_of"]
    root = args.workdir or Path(tempfile.mkdtemp(prefix="tieout-daemon-overhead-"))
    root.mkdir(parents=True, exist_ok=True)

    startup, ui_run = through_dagster_dev(
        _workspace(root, sandbox, "dagster-dev"), snapshot_date, root / "dagster-dev.log"
    )
    print(f"dagster dev: start-up {startup:.1f} s, night of {snapshot_date} {ui_run:.1f} s", flush=True)
    direct = in_process(_workspace(root, sandbox, "in-process"), snapshot_date)
    print(f"in-process:  night of {snapshot_date} {direct:.1f} s", flush=True)
    print(
        f"overhead of the daemon path: {ui_run - direct:+.1f} s per night "
        f"({ui_run / direct:.2f}x), plus {startup:.1f} s start-up once",
        flush=True,
    )


if __name__ == "__main__":
    main()
