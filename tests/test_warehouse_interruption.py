"""Ctrl-C that reaches a running DuckDB query stops the run, as it does anywhere else in a step.

DuckDB swallows the exception Dagster's SIGINT handler raises and raises its own error instead; left
alone, Dagster took that for an ordinary failure and ran every other step (the night went on for a
minute after Ctrl-C and the command line exited 1, not 130)."""

import os
import subprocess

from dagster import asset, materialize

from resources.warehouse import WarehouseResource

# long enough that Ctrl-C lands while DuckDB works (minutes on two cores if it did not)
ENDLESS_QUERY = "SELECT sum(hash(i)) FROM range(20000000000) t(i)"


@asset
def long_query(warehouse: WarehouseResource) -> None:
    with warehouse.get_connection() as connection:
        # Ctrl-C a second into the query, from another process (a timed wait in this one never returns
        # under faketime, with which the suite is also run)
        ctrl_c = subprocess.Popen(["sh", "-c", f"sleep 1 && kill -INT {os.getpid()}"])
        try:
            connection.execute(ENDLESS_QUERY).fetchall()
        finally:
            ctrl_c.kill()
            ctrl_c.wait()


@asset
def unrelated_step() -> None:
    """Depends on nothing; the in-process executor runs it after long_query (steps in name order)."""


def test_ctrl_c_during_a_query_interrupts_the_run_and_no_further_step_starts(tmp_path):
    result = materialize(
        [long_query, unrelated_step],
        resources={"warehouse": WarehouseResource(database=str(tmp_path / "warehouse.duckdb"))},
        raise_on_error=False,
    )
    failures = result.get_step_failure_events()
    assert [(failure.step_key, failure.step_failure_data.error_source.value) for failure in failures] == [
        ("long_query", "INTERRUPT")
    ]
    started = [event.step_key for event in result.all_events if event.event_type_value == "STEP_START"]
    assert started == ["long_query"]
