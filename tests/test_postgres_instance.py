"""The production Dagster instance (deploy/production/dagster.yaml) on a real PostgreSQL server:
runs, event logs, asset check results and schedule ticks land there."""

import os
import shutil
import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa
from dagster import AssetKey, DagsterInstance, DagsterRunStatus, RunsFilter, materialize

from assets.extraction import extraction_assets
from assets.validation import validation_assets, validation_checks
from pipelines.devserver import supervised, wait_for
from pipelines.resources import build_resources
from tests.conftest import MACHINE_CLOCK, REPO, SNAPSHOT_DATE, machine_now

SERVER = os.environ.get("TIEOUT_TEST_POSTGRES", "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres")


@pytest.fixture
def postgres_database():
    """A fresh database on the local server, dropped afterwards."""
    server = sa.create_engine(SERVER, isolation_level="AUTOCOMMIT")
    try:
        connection = server.connect()
    except sa.exc.OperationalError as exc:
        pytest.skip(f"no PostgreSQL server at {SERVER}: {exc.orig}")
    name = f"tieout_test_{uuid.uuid4().hex[:10]}"
    connection.execute(sa.text(f"CREATE DATABASE {name}"))
    yield name
    connection.execute(sa.text(f"DROP DATABASE {name} WITH (FORCE)"))
    connection.close()


@pytest.fixture
def production_instance(postgres_database, tmp_path, monkeypatch):
    url = sa.engine.make_url(SERVER)
    monkeypatch.setenv("DAGSTER_PG_HOST", url.host)
    monkeypatch.setenv("DAGSTER_PG_PORT", str(url.port or 5432))
    monkeypatch.setenv("DAGSTER_PG_DB", postgres_database)
    monkeypatch.setenv("DAGSTER_PG_USERNAME", url.username)
    monkeypatch.setenv("DAGSTER_PG_PASSWORD", url.password or "")
    shutil.copy(REPO / "deploy" / "production" / "dagster.yaml", tmp_path)
    instance = DagsterInstance.from_config(str(tmp_path))
    yield instance, url.set(database=postgres_database)
    instance.dispose()


def harvest_night() -> list:
    """Harvest's extraction and validation assets with their checks: the smallest slice of a night
    that records asset check results."""
    extraction = [a for a in extraction_assets if a.key.path[1] == "harvest"]
    validation = [a for a in validation_assets if a.key.path[1] == "harvest"]
    checks = [c for c in validation_checks if all(k.asset_key.path[1] == "harvest" for k in c.check_keys)]
    return [*extraction, *validation, *checks]


def test_a_night_is_recorded_in_postgres(tieout_env, production_instance):
    instance, database_url = production_instance
    definitions = harvest_night()
    result = materialize(definitions, partition_key=SNAPSHOT_DATE, resources=build_resources(), instance=instance)
    assert result.success
    assets = [key for d in definitions for key in d.keys]
    checks = {(key.asset_key.to_user_string(), key.name) for d in definitions for key in d.check_keys}

    engine = sa.create_engine(database_url)
    with engine.connect() as db:
        runs = db.execute(sa.text("SELECT run_id, status FROM runs")).fetchall()
        materializations = db.execute(
            sa.text(
                "SELECT count(*) FROM event_logs WHERE dagster_event_type = 'ASSET_MATERIALIZATION' AND run_id = :run"
            ),
            {"run": result.run_id},
        ).scalar()
        executions = db.execute(
            sa.text(
                "SELECT asset_key, check_name, execution_status, partition FROM asset_check_executions WHERE run_id = :run"
            ),
            {"run": result.run_id},
        ).fetchall()
    engine.dispose()
    assert runs == [(result.run_id, "SUCCESS")]
    assert materializations == len(assets)
    assert instance.get_latest_materialization_event(assets[0]).run_id == result.run_id
    assert len(checks) == 3 * len([a for a in validation_assets if a.key.path[1] == "harvest"])
    assert {(AssetKey.from_db_string(key).to_user_string(), name) for key, name, _, _ in executions} == checks
    assert len(executions) == len(checks)
    assert {(status, partition) for _, _, status, partition in executions} == {("SUCCEEDED", SNAPSHOT_DATE)}


def test_the_daemon_ticks_the_nightly_schedule_and_runs_the_night_on_postgres(
    tieout_env, production_instance, tmp_path
):
    """The production path end to end, through public entry points only: `dagster-daemon run` on the
    production instance (Postgres storage, the run queue) ticks the nightly schedule at its configured
    minute, queues the night that just ended, launches it, and the run succeeds; the tick and the run
    are stored in PostgreSQL."""
    instance, database_url = production_instance
    at = machine_now() + timedelta(minutes=2)  # leaves the daemon a minute or more to start
    env = {
        **MACHINE_CLOCK,
        "DAGSTER_HOME": str(tmp_path),
        "TIEOUT_SCHEDULES": "on",
        "TIEOUT_NIGHTLY_HOUR": str(at.hour),
        "TIEOUT_NIGHTLY_MINUTE": str(at.minute),
    }
    engine = sa.create_engine(database_url)

    def stored_ticks() -> list[tuple]:
        with engine.connect() as db:
            return db.execute(sa.text("SELECT type, status FROM job_ticks WHERE status <> 'STARTED'")).fetchall()

    def finished_runs() -> list:
        runs = instance.get_runs(filters=RunsFilter(tags={"dagster/schedule_name": "nightly_schedule"}))
        return [run for run in runs if run.is_finished]

    log = tmp_path / "daemon.log"
    try:
        with supervised(["dagster-daemon", "run"], env, log):
            wait_for(stored_ticks, 300, "the schedule's tick")
            [run] = wait_for(finished_runs, 600, "the scheduled night's run")
    finally:
        engine.dispose()
    assert stored_ticks() == [("SCHEDULE", "SUCCESS")], log.read_text()[-3000:]
    assert run.status == DagsterRunStatus.SUCCESS, log.read_text()[-3000:]
    assert run.job_name == "nightly"
    assert run.tags["dagster/partition"] == (at.date() - timedelta(days=1)).isoformat()  # the day that just ended
    assert instance.get_latest_materialization_event(AssetKey(["reports", "workbook"])).run_id == run.run_id
