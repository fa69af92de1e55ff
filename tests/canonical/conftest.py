"""One night of the small firm taken through the canonical model, shared by the module's tests:
extracted over HTTP from the emulators, promoted to `valid.*`, then built with its checks."""

import shutil
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import pytest
from dagster import ExecuteInProcessResult, materialize

from assets.canonical import build_canonical_assets, canonical_checks
from assets.extraction import extraction_assets
from pipelines.resources import build_resources
from sandbox.runtime import stop_sandbox
from tests.canonical.truth import GeneratedFirm
from tests.canonical.valid_stand_in import promote_raw_to_valid
from tests.conftest import SNAPSHOT_DATE


@dataclass
class Night:
    warehouse: Path
    firm: GeneratedFirm
    result: ExecuteInProcessResult

    def query(self, sql: str, parameters=None) -> list[tuple]:
        with duckdb.connect(str(self.warehouse), read_only=True) as db:
            return db.execute(sql, parameters or []).fetchall()


@pytest.fixture(scope="module")
def night(small_firm_template, tmp_path_factory) -> Night:
    home = tmp_path_factory.mktemp("canonical")
    sandbox, warehouse = home / "sandbox", home / "warehouse.duckdb"
    shutil.copytree(small_firm_template, sandbox)
    with pytest.MonkeyPatch.context() as env:
        for name, value in (
            ("TIEOUT_HOME", home / "home"),
            ("TIEOUT_SANDBOX_DIR", sandbox),
            ("TIEOUT_SANDBOX_SIZE", "small"),
            ("TIEOUT_WAREHOUSE", warehouse),
        ):
            env.setenv(name, str(value))
        try:
            assert materialize(extraction_assets, partition_key=SNAPSHOT_DATE, resources=build_resources()).success
            firm = GeneratedFirm(sandbox)
            with duckdb.connect(str(warehouse)) as connection:
                promote_raw_to_valid(connection, date.fromisoformat(SNAPSHOT_DATE), firm.manifest)
            yield Night(
                warehouse,
                firm,
                materialize(
                    [*build_canonical_assets({}), *canonical_checks],
                    partition_key=SNAPSHOT_DATE,
                    resources=build_resources(),
                ),
            )
        finally:
            stop_sandbox(sandbox)
