"""Ctrl-C that a night lost is raised again (`tieout run`, `tieout backfill`).

Dagster's SIGINT handler raises in whatever Python code the main thread runs when the signal lands.
When that is a finalizer (a connection pool closed as its last reference goes), Python prints "Exception
ignored in ..." and drops the exception: the night ran on to the end as if Ctrl-C had never been
pressed (1 night in 40 with Ctrl-C in its first seconds on a loaded machine). Python also writes every
signal to a wakeup file descriptor, whichever handler is installed: a thread reads it, and when steps
go on succeeding after Ctrl-C, the interrupt was lost and the signal is sent to the main thread again."""

from __future__ import annotations

import os
import signal
import threading
import time

from dagster import DagsterEventType

# Steps that may still succeed after a Ctrl-C that was not lost: the one it reached in Dagster's own
# code after the step's work was done. One more, and the night is running on.
SUCCESSES_AFTER_CTRL_C = 1


class InterruptGuard:
    def __init__(self, instance, run_id: str, every_seconds: float = 0.5):
        self.instance, self.run_id, self.every_seconds = instance, run_id, every_seconds
        self.saw_ctrl_c = False
        self.sent_again = 0
        self._stop = threading.Event()
        self._sending = threading.Lock()  # no signal sent once the night has ended
        self._thread: threading.Thread | None = None

    def __enter__(self) -> InterruptGuard:
        if threading.current_thread() is not threading.main_thread():
            return self  # only the main thread gets signals (and may set the wakeup fd): nothing to guard
        self._main_thread = threading.get_ident()
        self._read_end, self._write_end = os.pipe()
        os.set_blocking(self._write_end, False)  # the signal handler never waits on it
        self._previous = signal.set_wakeup_fd(self._write_end, warn_on_full_buffer=False)
        self._thread = threading.Thread(target=self._watch, daemon=True, name="tieout-interrupts")
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        if self._thread is None:
            return
        with self._sending:
            self._stop.set()
        signal.set_wakeup_fd(self._previous)
        os.write(self._write_end, b"\0")  # wakes the thread if it still waits for a signal
        self._thread.join()
        os.close(self._read_end)
        os.close(self._write_end)

    def _succeeded(self) -> int:
        return len(self.instance.get_records_for_run(self.run_id, of_type=DagsterEventType.STEP_SUCCESS).records)

    def _watch(self) -> None:
        while signal.SIGINT not in os.read(self._read_end, 64):
            if self._stop.is_set():
                return
        self.saw_ctrl_c = True
        try:
            before = self._succeeded()  # read after the signal: every step that ended before it is counted
            while not self._stop.is_set():
                time.sleep(self.every_seconds)  # not a timed Event.wait: under faketime that never returns
                succeeded = self._succeeded()
                with self._sending:
                    if succeeded > before + SUCCESSES_AFTER_CTRL_C and not self._stop.is_set():
                        # a real signal: it also wakes a main thread asleep or blocked in a read
                        signal.pthread_kill(self._main_thread, signal.SIGINT)
                        self.sent_again += 1
                        before = succeeded
        except Exception:  # an event log it cannot read leaves Ctrl-C to Dagster alone, as without the guard
            return
