"""The bad-input corpus end to end: planted into the sandbox, served by the emulators over HTTP (with
a truncated page and an HTML error page thrown in), extracted and validated through `materialize`.
No crash; every bad record quarantined with its rule; every good record still in the valid layer."""

from collections import Counter
from datetime import date

import duckdb
import pytest

from sandbox.runtime import running_sandbox
from sandbox.store import SandboxStore
from tests.conftest import SNAPSHOT_DATE
from tests.validation.corpus import Corpus
from tests.validation.night import OBJECTS, check_results, quarantined, record_ids, run_night, write_quality_config
from tests.validation.test_sandbox_night import planted


@pytest.fixture
def corpus(small_firm):
    return Corpus(SandboxStore(small_firm / "state.db"), date.fromisoformat(SNAPSHOT_DATE)).plant_all()


def test_every_bad_record_is_quarantined_and_every_good_one_flows(
    tieout_env, small_firm, corpus, tmp_path, monkeypatch
):
    assert len({p.kind for p in corpus}) >= 25
    write_quality_config(tmp_path / "quality.yaml", monkeypatch, max_quarantine_share=0.5)
    faults = running_sandbox(small_firm).faults("harvest")
    faults.truncate_next, faults.html_error_next = 1, 1  # the connector retries both pages

    result = run_night()

    assert result.success
    expected = planted(small_firm) + Counter(p.quarantine_row for p in corpus if not p.kept)
    assert quarantined(tieout_env) == expected
    warned = planted(small_firm, "warnings") + Counter(p.quarantine_row for p in corpus if p.kept)
    assert quarantined(tieout_env, table="quality.warnings") == warned
    assert {p.kind for p in corpus if p.kept} == {
        "spreadsheet formula",
        "sub-cent money",
        "sub-customer one level too deep",
    }
    for system, object_name in OBJECTS:
        raw = record_ids(tieout_env, "raw", system, object_name)
        bad = Counter({(e, r): n for (s, e, o, r, _, _), n in expected.items() if (s, o) == (system, object_name)})
        held = Counter({key: raw[key] for key in bad})  # a record breaking two rules is held once
        assert record_ids(tieout_env, "valid", system, object_name) == raw - held, (system, object_name)
    with duckdb.connect(str(tieout_env), read_only=True) as db:
        drift = set(db.execute("SELECT system, object, field, change, records FROM quality.schema_drift").fetchall())
        retries = db.execute("SELECT sum(retries) FROM raw.load_log WHERE system = 'harvest'").fetchone()[0]
    assert drift == {
        ("harvest", "time_entries", "hours_logged", "new", 1),
        ("harvest", "time_entries", "hours", "missing", 1),
        ("quickbooks", "Customer", "DisplayName", "missing", 1),
    }
    assert retries == 2
    checks = check_results(result)
    assert (
        "required field 'hours' missing from 1 records"
        in checks[("harvest", "time_entries", "schema_drift")].description
    )
    assert not checks[("harvest", "time_entries", "schema_drift")].passed
    assert all(c.passed for (_, _, name), c in checks.items() if name != "schema_drift")


def test_a_page_that_stays_truncated_fails_its_object_with_a_clear_message(
    tieout_env, small_firm, tmp_path, monkeypatch
):
    write_quality_config(tmp_path / "quality.yaml", monkeypatch, max_quarantine_share=0.1)
    faults = running_sandbox(small_firm).faults("harvest")
    faults.truncate_next = 100
    monkeypatch.setattr("resources.http.ApiClient._pause", lambda self, attempt, retry_after: 0.0)

    result = run_night(objects=[("harvest", "clients"), ("salesforce", "Opportunity"), ("salesforce", "Account")])

    assert not result.success
    failed = [event for event in result.all_events if event.is_step_failure]
    assert [event.step_key for event in failed] == ["raw__harvest__clients"]
    cause = failed[0].event_specific_data.error.cause.message
    assert cause.startswith("resources.http.SourceSystemError: harvest: HTTP 200 on clients page 1: unreadable JSON")
    assert "gave up after 7 attempts" in cause
    assert quarantined(tieout_env) == Counter(
        {row: n for row, n in planted(small_firm).items() if row[0] == "salesforce"}
    )


def test_text_that_is_not_utf8_is_quarantined(tieout_env, small_firm, monkeypatch):
    corpus = Corpus(SandboxStore(small_firm / "state.db"), date.fromisoformat(SNAPSHOT_DATE))
    bad = corpus.clone(
        "not UTF-8", "harvest", "clients", "text_unreadable", "name", lambda p: p.update(name="Caf\udce9")
    )
    result = run_night(objects=[("harvest", "clients")])
    assert result.success
    assert quarantined(tieout_env)[corpus.planted[0].quarantine_row] == 1, bad
