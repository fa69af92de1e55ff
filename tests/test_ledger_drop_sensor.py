"""ledger_drop_sensor (pipelines/ledger_drop.py): a file the folder did not hold asks for one run of the
latest night; the same file again (or a copy under another name) asks for none."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime

import pytest
from dagster import DagsterInstance, build_sensor_context

from pipelines.ledger_drop import ledger_drop_sensor, night_to_run
from tests.ledger_data import T1, export, invoice, ledger_rows, write_csv


@pytest.fixture(scope="module")
def defs():
    """The code location, whose nightly job the sensor's partitioned requests are resolved against."""
    from pipelines.definitions import defs

    return defs


def tick(instance, cursor: str | None, defs):
    before = night_to_run(datetime.now(UTC))
    context = build_sensor_context(instance=instance, cursor=cursor, definitions=defs)
    result = ledger_drop_sensor.evaluate_tick(context)
    nights = {before, night_to_run(datetime.now(UTC))}
    assert all(r.partition_key in nights and r.job_name in (None, "nightly") for r in result.run_requests or [])
    return result


def test_a_new_file_asks_for_one_run_and_the_same_file_for_none(tmp_path, monkeypatch, defs):
    folder = tmp_path / "drop"
    written = export(folder, ledger_rows())
    monkeypatch.setenv("TIEOUT_LEDGER_DROP_DIR", str(folder))
    with DagsterInstance.ephemeral() as instance:
        first = tick(instance, None, defs)
        assert len(first.run_requests) == 1
        again = tick(instance, first.cursor, defs)
        assert again.run_requests == [] and again.cursor == first.cursor

        shutil.copy(written[2], folder / "ledger_invoices-copy.xlsx")  # the same bytes under another name
        assert tick(instance, again.cursor, defs).run_requests == []

        newer = invoice(10, "DE", 2, "1000.00", "50.00", "180.50", "500.00", modified_at=T1)
        write_csv(folder / "ledger_invoices-2026-11-21.csv", "invoices", [newer])
        later = tick(instance, again.cursor, defs)
        assert len(later.run_requests) == 1
        assert later.run_requests[0].run_key != first.run_requests[0].run_key
        assert tick(instance, later.cursor, defs).run_requests == []


def test_without_a_drop_folder_the_sensor_skips(monkeypatch):
    monkeypatch.delenv("TIEOUT_LEDGER_DROP_DIR", raising=False)
    with DagsterInstance.ephemeral() as instance:
        result = ledger_drop_sensor.evaluate_tick(build_sensor_context(instance=instance))
    assert result.run_requests == [] and "TIEOUT_LEDGER_DROP_DIR" in (result.skip_message or "")


def test_the_night_run_is_the_one_that_just_ended():
    assert night_to_run(datetime(2026, 11, 21, 2, 0, tzinfo=UTC)) == "2026-11-20"
    assert night_to_run(datetime(2024, 6, 1, tzinfo=UTC)) is None  # before the first night tieout runs
