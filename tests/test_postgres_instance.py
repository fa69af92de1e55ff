"""The production Dagster instance (deploy/production/dagster.yaml) on a real PostgreSQL server:
runs, event logs, asset check results and schedule ticks land there."""

import os
import shutil
import uuid

import pytest
import sqlalchemy as sa
from dagster import DagsterInstance, materialize

from assets.extraction import extraction_assets
from pipelines.resources import build_resources
from tests.conftest import REPO, SNAPSHOT_DATE

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


def test_a_night_is_recorded_in_postgres(tieout_env, production_instance):
    instance, database_url = production_instance
    harvest_assets = [a for a in extraction_assets if a.key.path[1] == "harvest"]
    result = materialize(harvest_assets, partition_key=SNAPSHOT_DATE, resources=build_resources(), instance=instance)
    assert result.success

    engine = sa.create_engine(database_url)
    with engine.connect() as db:
        runs = db.execute(sa.text("SELECT run_id, status FROM runs")).fetchall()
        materializations = db.execute(sa.text(
            "SELECT count(*) FROM event_logs WHERE dagster_event_type = 'ASSET_MATERIALIZATION' AND run_id = :run"
        ), {"run": result.run_id}).scalar()
    engine.dispose()
    assert runs == [(result.run_id, "SUCCESS")]
    assert materializations == len(harvest_assets)
    assert instance.get_latest_materialization_event(harvest_assets[0].key).run_id == result.run_id
