"""Raw retention over three nights of the small firm keeping one raw night, against the same nights
with every raw night kept: old nights leave DuckDB for Parquet with their content, the newest stays,
the next nights' incremental loads and findings are those of a warehouse without retention, a night
reloads exactly, and a compaction stopped between file and delete is finished by the next run."""

import gc
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest
from dagster import materialize

from assets.extraction import extraction_assets
from assets.extraction.retention import archive_path, restore_archived_night
from assets.retention import raw_retention
from pipelines.resources import build_resources
from resources.settings import SettingsError
from resources.settings.environment import WarehouseSettings
from sandbox.runtime import stop_sandbox
from tests.conftest import AS_OF
from tests.reconciliation.conftest import every_stage, sandbox_night_environment
from tests.reconciliation.test_aging import copy_warehouse

NIGHTS = [AS_OF + timedelta(days=n) for n in range(3)]
SAME = "snapshot_date, entity, record_id, updated_at, payload::VARCHAR, page"  # not the load's id and time
FINDINGS = "SELECT finding_id, code, status, first_seen, last_seen, age_days FROM recon.findings ORDER BY ALL"


def run_nights(firm: Path, home: Path, kept: str) -> Path:
    with pytest.MonkeyPatch.context() as env:
        sandbox, warehouse = sandbox_night_environment(firm, home, env)
        env.setenv("TIEOUT_RAW_NIGHTS_KEPT", kept)
        try:
            for night in NIGHTS:
                result = materialize(
                    [*every_stage(), raw_retention], partition_key=str(night), resources=build_resources()
                )
                assert result.success
        finally:
            stop_sandbox(sandbox)
    return warehouse


@pytest.fixture(scope="module")
def warehouses(small_firm_template, tmp_path_factory) -> tuple[Path, Path]:
    """(every raw night kept, one raw night kept), each after the same three nights."""
    return (
        run_nights(small_firm_template, tmp_path_factory.mktemp("kept-all"), "all"),
        run_nights(small_firm_template, tmp_path_factory.mktemp("kept-one"), "1"),
    )


def rows(warehouse: Path, sql: str, parameters=()) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        return connection.execute(sql, list(parameters)).fetchall()


def objects(warehouse: Path) -> list[tuple[str, str]]:
    return rows(warehouse, "SELECT DISTINCT system, object FROM raw.load_log ORDER BY ALL")


def table(system: str, object_name: str) -> str:
    return f"raw.{system}__{object_name.lower()}"


def archived_file(warehouse: Path, system: str, object_name: str, night: date) -> Path:
    return warehouse.parent / archive_path(system, object_name, night)


def test_old_nights_move_to_parquet_with_their_content_and_the_newest_stays(warehouses):
    kept_all, kept_one = warehouses
    for system, object_name in objects(kept_one):
        raw = table(system, object_name)
        assert rows(kept_one, f"SELECT DISTINCT snapshot_date FROM {raw}") in ([(NIGHTS[-1],)], [])
        for night in NIGHTS:
            everything = rows(kept_all, f"SELECT {SAME} FROM {raw} WHERE snapshot_date = ? ORDER BY ALL", [night])
            if night == NIGHTS[-1]:
                assert rows(kept_one, f"SELECT {SAME} FROM {raw} WHERE snapshot_date = ? ORDER BY ALL", [night]) == (
                    everything
                )
            elif everything:
                parquet = archived_file(kept_one, system, object_name, night)
                assert rows(kept_one, f"SELECT {SAME} FROM read_parquet(?) ORDER BY ALL", [str(parquet)]) == everything
        logged = rows(
            kept_one,
            "SELECT snapshot_date, archive_path, archived_at IS NOT NULL FROM raw.load_log "
            "WHERE system = ? AND object = ? ORDER BY snapshot_date",
            [system, object_name],
        )
        expected = [
            (night, archive_path(system, object_name, night).as_posix(), True)
            for night in NIGHTS[:-1]
            if archived_file(kept_one, system, object_name, night).exists()
        ]
        assert [row for row in logged if row[2]] == expected
        assert logged[-1] == (NIGHTS[-1], None, False)


def test_incremental_loads_and_aging_are_those_of_a_warehouse_without_retention(warehouses):
    kept_all, kept_one = warehouses
    modes = "SELECT snapshot_date, system, object, mode, base_snapshot_date, rows FROM raw.load_log ORDER BY ALL"
    assert rows(kept_one, modes) == rows(kept_all, modes)
    assert ("harvest", "time_entries", "incremental") in [
        (s, o, m) for n, s, o, m, *_ in rows(kept_one, modes) if n == NIGHTS[-1]
    ]
    assert rows(kept_one, FINDINGS) == rows(kept_all, FINDINGS) != []


def test_a_restored_night_is_the_archived_rows_exactly(warehouses, tmp_path):
    _, kept_one = warehouses
    warehouse = tmp_path / "warehouse.duckdb"
    copy_warehouse(kept_one, warehouse)
    (tmp_path / "archive").symlink_to(kept_one.parent / "archive")
    system, object_name = "harvest", "time_entries"
    parquet = archived_file(warehouse, system, object_name, NIGHTS[0])
    with duckdb.connect(str(warehouse)) as connection:
        assert restore_archived_night(connection, system, object_name, NIGHTS[0]) is True
        assert restore_archived_night(connection, system, object_name, NIGHTS[-1]) is False  # never archived
        restored = connection.execute(
            f"SELECT * FROM {table(system, object_name)} WHERE snapshot_date = ? ORDER BY ALL", [NIGHTS[0]]
        ).fetchall()
        assert restored == connection.execute("SELECT * FROM read_parquet(?) ORDER BY ALL", [str(parquet)]).fetchall()
        assert len(restored) > 0
        assert restore_archived_night(connection, system, object_name, NIGHTS[0]) is False  # back already


def test_a_past_night_rerun_restores_its_archived_snapshot(warehouses, tmp_path, monkeypatch):
    kept_all, kept_one = warehouses
    warehouse = tmp_path / "warehouse.duckdb"
    copy_warehouse(kept_one, warehouse)
    (tmp_path / "archive").symlink_to(kept_one.parent / "archive")
    sandbox = kept_one.parent / "sandbox"
    monkeypatch.setenv("TIEOUT_WAREHOUSE", str(warehouse))
    monkeypatch.setenv("TIEOUT_SANDBOX_DIR", str(sandbox))
    monkeypatch.setenv("TIEOUT_SANDBOX_SIZE", "small")
    try:
        assert materialize(extraction_assets, partition_key=str(NIGHTS[1]), resources=build_resources()).success
    finally:
        stop_sandbox(sandbox)
    for system, object_name in objects(warehouse):
        night = f"SELECT {SAME} FROM {table(system, object_name)} WHERE snapshot_date = ? ORDER BY ALL"
        assert rows(warehouse, night, [NIGHTS[1]]) == rows(kept_all, night, [NIGHTS[1]]), (system, object_name)
    modes = "SELECT DISTINCT mode FROM raw.load_log WHERE snapshot_date = ? AND object = 'time_entries'"
    assert rows(warehouse, modes, [NIGHTS[1]]) == [("incremental",)]


def retention_run(night: date):
    return materialize([raw_retention], partition_key=str(night), resources=build_resources(), raise_on_error=False)


def test_a_compaction_stopped_after_the_file_is_finished_by_the_next_run(warehouses, tmp_path, monkeypatch):
    kept_all, _ = warehouses
    warehouse = tmp_path / "warehouse.duckdb"
    copy_warehouse(kept_all, warehouse)
    monkeypatch.setenv("TIEOUT_WAREHOUSE", str(warehouse))
    monkeypatch.setenv("TIEOUT_RAW_NIGHTS_KEPT", "2")
    first = objects(warehouse)[0]
    before = rows(warehouse, f"SELECT * FROM {table(*first)} WHERE snapshot_date = ? ORDER BY ALL", [NIGHTS[0]])

    @contextmanager
    def crash(connection):
        raise RuntimeError("stopped")  # the process stops once the first file is written, before any delete
        yield connection

    with monkeypatch.context() as stopped:
        stopped.setattr("assets.extraction.retention.atomic", crash)
        assert not retention_run(NIGHTS[-1]).success
    gc.collect()  # DuckDBResource closes its connection only when a step ends well; the failed one's goes here
    parquet = archived_file(warehouse, *first, NIGHTS[0])
    assert parquet.exists() and rows(
        warehouse, f"SELECT count(*) FROM {table(*first)} WHERE snapshot_date = ?", [NIGHTS[0]]
    ) == [(len(before),)]

    finished = retention_run(NIGHTS[-1])
    metadata = finished.asset_materializations_for_node("warehouse__retention")[0].metadata
    assert finished.success and metadata["nights_archived"].value == [str(NIGHTS[0])]
    assert rows(warehouse, "SELECT * FROM read_parquet(?) ORDER BY ALL", [str(parquet)]) == before
    assert rows(warehouse, f"SELECT DISTINCT snapshot_date FROM {table(*first)} ORDER BY 1") == [
        (n,) for n in NIGHTS[1:]
    ]

    again = retention_run(NIGHTS[-1]).asset_materializations_for_node("warehouse__retention")[0].metadata
    assert again["nights_archived"].value == [] and again["rows_moved"].value == 0


@pytest.mark.parametrize("value", ["0", "-1", "two", "1.5"])
def test_a_bad_number_of_nights_is_refused_naming_the_variable(monkeypatch, value):
    monkeypatch.setenv("TIEOUT_RAW_NIGHTS_KEPT", value)
    with pytest.raises(SettingsError) as refused:
        WarehouseSettings.load()
    assert str(refused.value) == "TIEOUT_RAW_NIGHTS_KEPT: must be a whole number of nights, at least 1, or all"


@pytest.mark.parametrize(("value", "kept"), [(None, 7), ("", 7), ("all", None), ("3", 3)])
def test_nights_kept_default_to_a_week_and_all_turns_retention_off(monkeypatch, value, kept):
    monkeypatch.delenv("TIEOUT_RAW_NIGHTS_KEPT", raising=False)
    if value is not None:
        monkeypatch.setenv("TIEOUT_RAW_NIGHTS_KEPT", value)
    assert WarehouseSettings.load().raw_nights_kept == kept
