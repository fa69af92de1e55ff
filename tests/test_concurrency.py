"""Two overlapping nights on one warehouse, as when a person runs `tieout run` while the schedule's
run is still going: DuckDB admits one writing process, so both must wait their turn, not fail."""

import os
import re
import shutil
import subprocess
import sys

import duckdb

from tests.conftest import REPO, SNAPSHOT_DATE


def start_night(sandbox, warehouse, home):
    """`tieout run` for the test night in its own process, output (both streams) captured."""
    env = {
        **os.environ,
        "TIEOUT_SANDBOX_DIR": str(sandbox),
        "TIEOUT_SANDBOX_SIZE": "small",
        "TIEOUT_WAREHOUSE": str(warehouse),
        "TIEOUT_HOME": str(home),
        "DAGSTER_HOME": str(home / "dagster"),
    }
    return subprocess.Popen(
        [sys.executable, "-m", "pipelines.cli", "run", "--date", SNAPSHOT_DATE],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def finish(night) -> str:
    output, _ = night.communicate(timeout=600)
    assert night.returncode == 0, output[-4000:]
    assert "lock" not in output.lower(), [line for line in output.splitlines() if "lock" in line.lower()]
    return output


def table_counts(warehouse) -> dict[str, int]:
    """Rows of every warehouse table, by qualified name."""
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        tables = connection.execute("SELECT schema_name, table_name FROM duckdb_tables() ORDER BY ALL").fetchall()
        return {
            f"{schema}.{table}": connection.execute(f'SELECT count(*) FROM "{schema}"."{table}"').fetchone()[0]
            for schema, table in tables
        }


def test_two_overlapping_nights_both_succeed_and_load_once(small_firm, small_firm_template, tmp_path):
    warehouse, home = tmp_path / "warehouse.duckdb", tmp_path / "home"
    overlapping = [start_night(small_firm, warehouse, home) for _ in range(2)]
    for night in overlapping:
        finish(night)
    # the new Dagster home got the local instance config, whose pool makes the two take turns
    assert (home / "dagster" / "dagster.yaml").read_text() == (REPO / "deploy" / "local" / "dagster.yaml").read_text()

    reference_sandbox = tmp_path / "reference-sandbox"
    shutil.copytree(small_firm_template, reference_sandbox)
    reference = tmp_path / "reference.duckdb"
    output = finish(start_night(reference_sandbox, reference, tmp_path / "reference-home"))
    assert output.splitlines()[-1] == f"reports: {tmp_path / 'reference-home' / 'reports' / SNAPSHOT_DATE}"
    progress = re.findall(rf"night of {SNAPSHOT_DATE} \[(\d+)/(\d+) steps, \d+:\d\d\] done: (\S+)", output)
    assert [int(done) for done, _, _ in progress] == list(range(1, len(progress) + 1))
    assert {int(total) for _, total, _ in progress} == {len(progress)}
    # retention archives old nights last, once the reports are written
    assert progress[-1][2] == "warehouse__retention"
    assert any(step.startswith("reports__") for _, _, step in progress[:-1])

    with duckdb.connect(str(warehouse), read_only=True) as connection:
        loads = connection.execute(
            "SELECT system, object, snapshot_date::VARCHAR, count(*) FROM raw.load_log GROUP BY ALL ORDER BY ALL"
        ).fetchall()
        raw_tables = connection.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'raw' "
            "AND table_name NOT IN ('load_log', 'unavailable_entities', 'superseded_snapshots', 'companies', 'ledger_files')"
        ).fetchone()[0]
    assert len(loads) == raw_tables
    assert {(snapshot_date, count) for _, _, snapshot_date, count in loads} == {(SNAPSHOT_DATE, 1)}
    assert table_counts(warehouse) == table_counts(reference)
