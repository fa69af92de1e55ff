"""An incremental night types and checks only the records that changed, and those whose verdict may have
(without an id, sharing one, quarantined or warned the night before), carrying every other record's verdict
(config/quality.yaml `revalidate`, docs/decisions.md 45). The oracle is the whole night checked again from
the same raw snapshots with `revalidate: night`: both must leave the same valid, quarantine and warning rows."""

from datetime import date, timedelta

import duckdb

from sandbox.store import SandboxStore
from tests.conftest import NEXT_NIGHT, SNAPSHOT_DATE
from tests.validation.night import (
    quarantined,
    record_ids,
    run_night,
    valid_metadata,
    write_quality_config,
)

HARVEST = [("harvest", name) for name in ("time_entries", "users", "clients", "projects", "tasks", "invoices")]


def valid_time_entry(warehouse, store: SandboxStore) -> dict:
    """A time entry the night found valid, as the vendor serves it."""
    with duckdb.connect(str(warehouse), read_only=True) as db:
        (record_id,) = db.execute(
            "SELECT min(record_id) FROM valid.harvest__time_entries WHERE snapshot_date = ?", [SNAPSHOT_DATE]
        ).fetchone()
    return store.get("harvest", "", "time_entries", record_id)


def night_outcome(warehouse) -> tuple:
    """Every object's valid ids, the quarantine and the warnings of the second night."""
    return (
        {(s, o): record_ids(warehouse, "valid", s, o, NEXT_NIGHT) for s, o in HARVEST},
        quarantined(warehouse, NEXT_NIGHT),
        quarantined(warehouse, NEXT_NIGHT, table="quality.warnings"),
    )


def test_an_incremental_night_checks_what_changed_and_decides_as_the_whole_night(
    tieout_env, small_firm, tmp_path, monkeypatch
):
    write_quality_config(tmp_path / "quality.yaml", monkeypatch, max_quarantine_share=0.2)
    store = SandboxStore(small_firm / "state.db")
    assert run_night(objects=HARVEST).success
    # copies of a valid entry dated two and five days after the first night: both in the future then (one
    # day's grace), only the second on the next night; changed before the first night, whose extraction runs
    # again to fetch them, so the second night's load does not fetch them again
    entry = valid_time_entry(tieout_env, store)
    copies = []
    for days in (2, 5):
        copy = {**entry, "id": store.next_id("harvest", "", "time_entries")}
        copy["spent_date"] = (date.fromisoformat(SNAPSHOT_DATE) + timedelta(days=days)).isoformat()
        store.put("harvest", "", "time_entries", str(copy["id"]), copy, entry["updated_at"])
        copies.append(copy)
    ahead, far = copies
    assert run_night(objects=HARVEST).success
    for copy in (ahead, far):
        in_future = ("harvest", "", "time_entries", str(copy["id"]), "date_in_future", "spent_date")
        assert in_future in quarantined(tieout_env)

    # one valid entry made to break a rule, changed after the first night: the second night fetches it
    broken = {**valid_time_entry(tieout_env, store), "hours": 30.0, "updated_at": f"{NEXT_NIGHT}T00:30:00Z"}
    store.put("harvest", "", "time_entries", str(broken["id"]), broken, broken["updated_at"])

    second = run_night(snapshot_date=NEXT_NIGHT, objects=HARVEST)
    assert second.success
    incremental = night_outcome(tieout_env)
    entries = valid_metadata(second, "harvest", "time_entries")
    assert entries["verdicts_carried_from"] == SNAPSHOT_DATE
    # the fetched entry, the one quarantined the night before, and the night's other quarantined or warned
    # entries (the small firm plants some): fewer than the night's records
    assert 2 <= entries["rechecked"] < entries["extracted"] // 2, entries
    assert ("harvest", "", "time_entries", str(broken["id"]), "hours_out_of_range", "hours") in incremental[1]
    assert incremental[0][("harvest", "time_entries")][("", str(ahead["id"]))] == 1
    # not fetched, but quarantined the night before: checked again, and still in the future
    assert ("harvest", "", "time_entries", str(far["id"]), "date_in_future", "spent_date") in incremental[1]

    write_quality_config(tmp_path / "quality.yaml", monkeypatch, max_quarantine_share=0.2, revalidate="night")
    whole = run_night(snapshot_date=NEXT_NIGHT, objects=HARVEST, layers=("valid",))
    assert whole.success
    assert valid_metadata(whole, "harvest", "time_entries")["rechecked"] == entries["extracted"]
    assert night_outcome(tieout_env) == incremental

    # a project an entry refers to gone from the second night's snapshot (as when a sweep no longer finds it;
    # Harvest's incremental listing cannot say so): the carried references may no longer resolve, so every
    # entry is checked, and the one naming it is quarantined
    write_quality_config(tmp_path / "quality.yaml", monkeypatch, max_quarantine_share=0.2)
    with duckdb.connect(str(tieout_env)) as db:
        db.execute(
            "DELETE FROM raw.harvest__projects WHERE snapshot_date = ? AND record_id = ?",
            [NEXT_NIGHT, str(ahead["project"]["id"])],
        )
    gone = valid_metadata(run_night(snapshot_date=NEXT_NIGHT, objects=HARVEST, layers=("valid",)), *HARVEST[0])
    assert (gone["rechecked"], gone["verdicts_carried_from"]) == (entries["extracted"], "")
    unresolved = {(r[3], r[4]) for r in quarantined(tieout_env, NEXT_NIGHT) if r[2] == "time_entries"}
    assert (str(ahead["id"]), "reference_unresolved") in unresolved

    # a setting a verdict depends on changed since the first night: its verdicts are not carried
    write_quality_config(tmp_path / "quality.yaml", monkeypatch, max_quarantine_share=0.2, future_grace_days=3)
    regraced = valid_metadata(run_night(snapshot_date=NEXT_NIGHT, objects=HARVEST, layers=("valid",)), *HARVEST[0])
    assert (regraced["rechecked"], regraced["verdicts_carried_from"]) == (entries["extracted"], "")

    # the first night's time entries gone from the warehouse (as when retention archives a night) and that
    # night validated again: it read none of its load's records, so the next night carries nothing from it
    write_quality_config(tmp_path / "quality.yaml", monkeypatch, max_quarantine_share=0.2)
    with duckdb.connect(str(tieout_env)) as db:
        db.execute("DELETE FROM raw.harvest__time_entries WHERE snapshot_date = ?", [SNAPSHOT_DATE])
    assert run_night(objects=HARVEST, layers=("valid",)).success
    again = valid_metadata(run_night(snapshot_date=NEXT_NIGHT, objects=HARVEST, layers=("valid",)), *HARVEST[0])
    assert (again["rechecked"], again["verdicts_carried_from"]) == (entries["extracted"], "")
