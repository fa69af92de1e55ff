"""Ctrl-C that reaches a running DuckDB query stops the run, as it does anywhere else in a step.

DuckDB swallows the exception Dagster's SIGINT handler raises and raises its own error instead; left
alone, Dagster took that for an ordinary failure and ran every other step (the night went on for a
minute after Ctrl-C and the command line exited 1, not 130)."""

import os
import subprocess

import pandas as pd
import pytest
from dagster import asset, materialize

from resources.warehouse import WarehouseResource

# long enough that Ctrl-C lands while DuckDB works (about 75 s on two cores: now and then DuckDB does not look
# for the signal during it and finishes it, and the handler raises only after; the test then passes slowly)
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
    """Depends on nothing; the in-process executor runs it after the step interrupted (steps in name order)."""


@asset
def frame_scan(warehouse: WarehouseResource) -> None:
    """Ctrl-C lands in pandas code DuckDB calls as a frame is registered (as when a night's snapshot
    registers its bookkeeping frames): DuckDB quotes the exception the handler raised in its own error."""
    read_end, write_end = os.pipe()

    class FrameReadSlowly(pd.DataFrame):
        @property
        def _constructor(self):  # a pandas subclass's own; with it DuckDB reads the columns as frame[name]
            return FrameReadSlowly

        def __getitem__(self, key):
            os.read(read_end, 1)  # waits without a clock: end of file when the process holding the pipe exits
            return super().__getitem__(key)

    with warehouse.get_connection() as connection:
        ctrl_c = subprocess.Popen(["sh", "-c", f"sleep 1 && kill -INT {os.getpid()}"], pass_fds=[write_end])
        os.close(write_end)
        try:
            connection.register("frame", FrameReadSlowly({"column": [1, 2]}))
        finally:
            ctrl_c.kill()
            ctrl_c.wait()
            os.close(read_end)


@pytest.mark.parametrize("interrupted", [long_query, frame_scan], ids=lambda step: step.key.path[-1])
def test_ctrl_c_during_a_query_interrupts_the_run_and_no_further_step_starts(interrupted, tmp_path):
    result = materialize(
        [interrupted, unrelated_step],
        resources={"warehouse": WarehouseResource(database=str(tmp_path / "warehouse.duckdb"))},
        raise_on_error=False,
    )
    step = interrupted.key.path[-1]
    failures = result.get_step_failure_events()
    assert [(failure.step_key, failure.step_failure_data.error_source.value) for failure in failures] == [
        (step, "INTERRUPT")
    ]
    started = [event.step_key for event in result.all_events if event.event_type_value == "STEP_START"]
    assert started == [step]
