"""Progress of a night run in-process (`tieout run`): a thread follows the run's step events in the
Dagster instance's event log, the same record the UI reads, and shows steps done of the job's steps.
On a terminal it is one bar redrawn in place; piped into a log (cron, CI) a line per finished step."""

from __future__ import annotations

import sys
import threading
import time

from dagster import DagsterEventType

FINISHED = {
    DagsterEventType.STEP_SUCCESS: "done",
    DagsterEventType.STEP_FAILURE: "FAILED",
    DagsterEventType.STEP_SKIPPED: "skipped",
}
BAR_WIDTH = 30


class StepProgress:
    def __init__(self, instance, run_id: str, total_steps: int, label: str, stream=None, every_seconds: float = 1.0):
        self.instance, self.run_id, self.total, self.label = instance, run_id, total_steps, label
        self.stream = stream or sys.stderr
        self.on_terminal = self.stream.isatty()  # asked once: a step may redirect the stream while it runs
        self.every_seconds = every_seconds
        self.finished, self.cursor = 0, None
        self.started = time.monotonic()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._follow, daemon=True, name="tieout-progress")

    def __enter__(self) -> StepProgress:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self._read()  # the steps that finished after the last poll
        if self.on_terminal:
            self.stream.write("\n")
            self.stream.flush()

    def _follow(self) -> None:
        while not self._stop.wait(self.every_seconds):
            self._read()

    def _read(self) -> None:
        while True:
            page = self.instance.get_records_for_run(self.run_id, cursor=self.cursor, of_type=set(FINISHED), limit=100)
            self.cursor = page.cursor
            for record in page.records:
                self.finished += 1
                event = record.event_log_entry
                self._show(event.step_key or "", FINISHED[event.dagster_event.event_type])
            if not page.has_more:
                return

    def _show(self, step: str, outcome: str) -> None:
        elapsed = time.monotonic() - self.started
        clock = f"{int(elapsed // 60)}:{int(elapsed % 60):02d}"
        if self.on_terminal:
            filled = BAR_WIDTH * self.finished // max(self.total, 1)
            line = f"\r{self.label} [{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {self.finished}/{self.total} {clock} {step}"
            self.stream.write(line[:160].ljust(160))
        else:
            self.stream.write(f"{self.label} [{self.finished}/{self.total} steps, {clock}] {outcome}: {step}\n")
        self.stream.flush()
