"""A warehouse holding one stand-in night and the report asset materialised for it."""

from datetime import date
from pathlib import Path

import dagster as dg
import pytest

from assets.reports import report_assets, report_checks
from resources.warehouse import WarehouseResource
from tests.conftest import AS_OF
from tests.reports.stand_in import write_stand_in_night

NIGHT: date = AS_OF


def materialize_report(warehouse: Path, night: date = NIGHT, refresh_corrections: bool = False):
    return dg.materialize(
        [*report_assets, *report_checks],
        partition_key=night.isoformat(),
        resources={"warehouse": WarehouseResource(database=str(warehouse))},
        run_config={"ops": {"reports__workbook": {"config": {"refresh_corrections": refresh_corrections}}}},
    )


def materialized(directory: Path):
    """Under `directory`: a TIEOUT_HOME and a warehouse holding the stand-in night, the report
    materialised once. Returns (report directory, run result, stand-in rows, warehouse)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TIEOUT_HOME", str(directory / "home"))
        warehouse = directory / "warehouse.duckdb"
        written = write_stand_in_night(warehouse, NIGHT)
        result = materialize_report(warehouse)
        assert result.success
        yield directory / "home" / "reports" / NIGHT.isoformat(), result, written, warehouse


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    """One materialised report shared by the tests that only read it."""
    yield from materialized(tmp_path_factory.mktemp("report"))


@pytest.fixture
def own_report(tmp_path):
    """A report of the test's own, for tests that change the warehouse."""
    yield from materialized(tmp_path)
