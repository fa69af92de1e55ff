"""Operations: the nightly schedule's ticks, backfill requests, and alerts to a webhook."""

import json
import logging
import re
from datetime import UTC, datetime

import pytest
from dagster import (
    DagsterEventType,
    DagsterInstance,
    build_run_status_sensor_context,
    build_schedule_context,
    materialize,
)

from assets.extraction import extraction_assets
from pipelines.cli import main
from pipelines.definitions import defs
from pipelines.resources import build_resources
from pipelines.schedules import backfill_requests, nightly_schedule
from sandbox.cli import main as sandbox_main
from sandbox.runtime import running_sandbox
from sandbox.store import SandboxStore
from tests.conftest import SNAPSHOT_DATE, alert_on_failed_run


def test_the_2am_tick_runs_the_night_that_just_ended():
    context = build_schedule_context(scheduled_execution_time=datetime(2026, 11, 21, 2, 0, tzinfo=UTC))
    schedule = defs.resolve_schedule_def(nightly_schedule.name)
    requests = schedule.evaluate_tick(context).run_requests
    assert [r.partition_key for r in requests] == ["2026-11-20"]
    assert schedule.cron_schedule == "0 2 * * *"


def test_a_backfill_requests_each_night_once_in_order():
    requests = backfill_requests("2026-11-17", "2026-11-20")
    assert [r.partition_key for r in requests] == ["2026-11-17", "2026-11-18", "2026-11-19", "2026-11-20"]
    assert len({r.run_key for r in requests}) == 4
    with pytest.raises(Exception, match="2099"):
        backfill_requests("2026-11-17", "2099-01-01")


def test_the_command_line_refuses_a_bad_date_with_exit_code_2(capsys):
    assert main(["run", "--date", "20-11-2026"]) == 2
    assert "Invalid isoformat" in capsys.readouterr().err
    assert main(["nonsense"]) == 2


def test_sandbox_build_from_the_command_line_says_how_far_it_is(tmp_path, caplog, capsys):
    caplog.set_level(logging.INFO, logger="tieout.sandbox")
    assert sandbox_main(["build", "--size", "huge", "--dir", str(tmp_path)]) == 2
    assert "unknown sandbox size 'huge'" in capsys.readouterr().err
    assert sandbox_main(["build", "--dir", str(tmp_path), "--salesforce-field", "vat=VAT_Number__c"]) == 2
    assert "HOLDS=NAME with HOLDS one of legal_entity" in capsys.readouterr().err
    named = ["--salesforce-field", "tax_id=VAT_Number__c"]  # the org's custom field under another name
    assert sandbox_main(["build", "--size", "small", "--dir", str(tmp_path), *named]) == 0
    assert json.loads((tmp_path / "manifest.json").read_text())["size"] == "small"
    accounts = SandboxStore(tmp_path / "state.db").list("salesforce", "", "Account")
    assert all("VAT_Number__c" in a and "Tax_Id__c" not in a for a in accounts)
    progress = [record.getMessage() for record in caplog.records if record.name == "tieout.sandbox"]
    assert progress[0].startswith("sandbox small: ") and progress[-1].startswith("sandbox small: ")
    steps = [re.fullmatch(r"time and expenses: (\d+) of (\d+) projects", m) for m in progress[1:-1]]
    total = int(steps[0].group(2))
    assert [int(step.group(1)) for step in steps] == list(range(total // 10, total + 1, total // 10))


def test_a_failed_night_posts_an_alert_to_the_webhook(tieout_env, small_firm, webhook):
    faults = running_sandbox(small_firm).faults("harvest")
    faults.server_error_next, faults.retry_after = 100, 0
    with DagsterInstance.ephemeral() as instance:
        harvest = [a for a in extraction_assets if a.key.path[1] == "harvest"]
        result = materialize(
            harvest, partition_key=SNAPSHOT_DATE, resources=build_resources(), instance=instance, raise_on_error=False
        )
        assert not result.success
        alert_on_failed_run(instance, result.run_id)
    assert len(webhook.received) == 1
    text = webhook.received[0]["text"]
    assert text.startswith(":red_circle: tieout run ") and SNAPSHOT_DATE in text and "failed" in text


def test_a_night_that_succeeds_with_a_failed_check_posts_an_alert(tieout_env, small_firm, webhook):
    """A warning check (a new field in the vendor's payload) fails while the run succeeds."""
    from dagster import DagsterRunStatus

    from assets.validation import validation_assets, validation_checks
    from pipelines.alerts import alert_on_failed_checks
    from sandbox.store import SandboxStore

    store = SandboxStore(small_firm / "state.db")
    clients = store.list("harvest", "", "clients")
    store.put_many(
        "harvest",
        "",
        "clients",
        [(str(c["id"]), {**c, "billing_contact": "ap@example.com"}, c["updated_at"]) for c in clients],
    )
    clients_only = [
        *[a for a in extraction_assets if a.key.path[1:] == ["harvest", "clients"]],
        *[a for a in validation_assets if a.key.path[1:] == ["harvest", "clients"]],
        *[c for c in validation_checks if all(k.asset_key.path[1:] == ["harvest", "clients"] for k in c.check_keys)],
    ]
    with DagsterInstance.ephemeral() as instance:
        result = materialize(clients_only, partition_key=SNAPSHOT_DATE, resources=build_resources(), instance=instance)
        assert result.success
        success = instance.all_logs(result.run_id, of_type=DagsterEventType.RUN_SUCCESS)[0]
        context = build_run_status_sensor_context(
            sensor_name=alert_on_failed_checks.name,
            dagster_instance=instance,
            dagster_run=instance.get_run_by_id(result.run_id),
            dagster_event=success.dagster_event,
        )
        assert context.dagster_run.status == DagsterRunStatus.SUCCESS
        alert_on_failed_checks(context)
    assert [message["text"] for message in webhook.received] == [
        f":warning: tieout night {SNAPSHOT_DATE}: 1 check(s) failed: valid/harvest/clients:schema_drift"
    ]
