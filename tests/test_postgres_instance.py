"""The production Dagster instance (deploy/production/dagster.yaml) on a real PostgreSQL server:
runs, event logs, asset check results and schedule ticks land there."""

import os
import shutil
import sys
import uuid
from datetime import date, datetime, time, timedelta, timezone

import pytest
import sqlalchemy as sa
from dagster import AssetKey, DagsterInstance, materialize
from dagster._core.remote_origin import InProcessCodeLocationOrigin
from dagster._core.test_utils import create_test_daemon_workspace_context, freeze_time
from dagster._core.types.loadable_target_origin import LoadableTargetOrigin
from dagster._core.workspace.load_target import InProcessWorkspaceLoadTarget
from dagster._daemon import get_default_daemon_logger
from dagster._scheduler.scheduler import launch_scheduled_runs

from assets.extraction import extraction_assets
from assets.validation import validation_assets, validation_checks
from pipelines.resources import build_resources
from tests.conftest import NEXT_NIGHT, REPO, SNAPSHOT_DATE

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
        materializations = db.execute(sa.text(
            "SELECT count(*) FROM event_logs WHERE dagster_event_type = 'ASSET_MATERIALIZATION' AND run_id = :run"
        ), {"run": result.run_id}).scalar()
        executions = db.execute(sa.text(
            "SELECT asset_key, check_name, execution_status, partition FROM asset_check_executions WHERE run_id = :run"
        ), {"run": result.run_id}).fetchall()
    engine.dispose()
    assert runs == [(result.run_id, "SUCCESS")]
    assert materializations == len(assets)
    assert instance.get_latest_materialization_event(assets[0]).run_id == result.run_id
    assert len(checks) == 3 * len([a for a in validation_assets if a.key.path[1] == "harvest"])
    assert {(AssetKey.from_db_string(key).to_user_string(), name) for key, name, _, _ in executions} == checks
    assert len(executions) == len(checks)
    assert {(status, partition) for _, _, status, partition in executions} == {("SUCCEEDED", SNAPSHOT_DATE)}


def test_a_nightly_schedule_tick_is_recorded_in_postgres(tieout_env, production_instance):
    """The scheduler daemon's own iteration, against the code location loaded as the daemon loads it,
    ticks once a day and requests the night that just ended."""
    instance, database_url = production_instance
    today = datetime.combine(date.today(), time(), tzinfo=timezone.utc)
    origin = InProcessCodeLocationOrigin(
        LoadableTargetOrigin(executable_path=sys.executable, module_name="pipelines.definitions",
                             attribute="defs", working_directory=str(REPO)),
        location_name="tieout",
    )
    with create_test_daemon_workspace_context(InProcessWorkspaceLoadTarget(origin), instance) as workspace:
        location = workspace.create_request_context().get_code_location("tieout")
        schedule = location.get_repository("__repository__").get_schedule("nightly_schedule")
        with freeze_time(today - timedelta(seconds=1)):
            instance.start_schedule(schedule)
        # the day's single cron time lies between the start and the end of this iteration
        end_of_day = today + timedelta(hours=23, minutes=59)
        with freeze_time(end_of_day):
            list(launch_scheduled_runs(workspace, get_default_daemon_logger("SchedulerDaemon"), end_of_day,
                                       iteration_times={}))

    engine = sa.create_engine(database_url)
    with engine.connect() as db:
        ticks = db.execute(sa.text("SELECT type, status FROM job_ticks")).fetchall()
    engine.dispose()
    assert ticks == [("SCHEDULE", "SUCCESS")]
    [tick] = instance.get_ticks(schedule.get_remote_origin_id(), schedule.selector_id)
    [run_id] = tick.run_ids
    run = instance.get_run_by_id(run_id)
    assert run.job_name == "nightly"
    assert run.tags["dagster/partition"] == NEXT_NIGHT
    assert run.tags["dagster/schedule_name"] == "nightly_schedule"
