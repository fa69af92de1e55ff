"""The DuckDB warehouse. One writing process at a time: assets take it in the `duckdb_warehouse`
pool and open it only inside a step, never at import time."""

from contextlib import contextmanager
from pathlib import Path

from dagster_duckdb import DuckDBResource


class WarehouseResource(DuckDBResource):
    """A DuckDB file whose folder is created on first use."""

    @contextmanager
    def get_connection(self):
        Path(self.database).parent.mkdir(parents=True, exist_ok=True)
        with super().get_connection() as connection:
            yield connection
