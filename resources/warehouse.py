"""The DuckDB warehouse. One writing process at a time: assets take it in the `duckdb_warehouse`
pool and open it only inside a step, never at import time."""

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
from dagster_duckdb import DuckDBResource
from pydantic import Field

from resources.migrations import migrate

MEMORY = re.compile(r"^\d+(\.\d+)?\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)$")


# DuckDB's words for an exception raised by Python code it called back into (a pandas frame it scans, a
# UDF): the exception's class name starts a line of the traceback it quotes, or follows "the UDF: "
PYTHON_INTERRUPT = re.compile(r"(?m)(^|UDF: )(KeyboardInterrupt|DagsterExecutionInterruptedError):")


@contextmanager
def interruptions_kept() -> Iterator[None]:
    """Ctrl-C (or Dagster terminating a run) that lands while DuckDB runs a query is an interruption.

    DuckDB checks for signals as it works; when the handler raises (Dagster's raises its
    DagsterExecutionInterruptedError) DuckDB drops that exception and raises its own error
    ("Query interrupted", an InterruptException, or, when the signal reached Python code DuckDB was
    calling, an error quoting the exception), which Dagster takes for an ordinary step failure and
    runs every other step on. Raised again as KeyboardInterrupt, it stops the run."""
    try:
        yield
    except (duckdb.Error, RuntimeError) as error:
        # tieout never calls connection.interrupt() (DuckDB's other way to an InterruptException): both
        # are a signal here; DuckDB words the RuntimeError "Query interrupted"
        message = str(error)
        if (
            isinstance(error, duckdb.InterruptException)
            or "Query interrupted" in message
            or PYTHON_INTERRUPT.search(message)
        ):
            raise KeyboardInterrupt from error
        raise


class WarehouseResource(DuckDBResource):
    """A DuckDB file whose folder is created on first use, migrated to this code's schema whenever a
    step opens it, and opened with a memory limit beyond which DuckDB spills joins, sorts and
    aggregates to disk (its own default is 80% of the machine)."""

    memory_limit: str = Field(default="3GB", description="DuckDB memory_limit, e.g. 3GB; empty for DuckDB's default")

    @contextmanager
    def get_connection(self):
        if self.memory_limit and not MEMORY.match(self.memory_limit):
            raise ValueError(f"warehouse memory_limit {self.memory_limit!r} is not a size such as 3GB or 512MiB")
        Path(self.database).parent.mkdir(parents=True, exist_ok=True)
        with interruptions_kept(), super().get_connection() as connection:
            connection.execute("SET enable_progress_bar = false")  # progress is the run's to show, not each query's
            if self.memory_limit:
                connection.execute(f"SET memory_limit = '{self.memory_limit}'")
            migrate(connection)
            yield connection
