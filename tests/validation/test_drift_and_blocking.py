"""Schema drift and the blocking check: a field the vendor renamed quarantines every record with a
message naming it, the object's share passes its threshold and the stage downstream does not run;
a field the vendor added is kept and reported, and the stage downstream of it runs."""

import duckdb
from dagster import asset

from assets.partitions import nightly_partitions
from assets.validation.factory import valid_key
from sandbox.store import SandboxStore
from tests.conftest import SNAPSHOT_DATE
from tests.validation.night import check_results, materialized, quarantined, run_night


@asset(deps=[valid_key("harvest", "users")], partitions_def=nightly_partitions)
def staffing() -> None:
    """A stage that reads the valid users."""


@asset(deps=[valid_key("harvest", "clients")], partitions_def=nightly_partitions)
def client_list() -> None:
    """A stage that reads the valid clients."""


def change_every(store: SandboxStore, object_name: str, change) -> int:
    records = store.list("harvest", "", object_name)
    for record in records:
        change(record)
    store.put_many("harvest", "", object_name, [(str(r["id"]), r, r["updated_at"]) for r in records])
    return len(records)


def test_a_renamed_field_blocks_downstream_and_a_new_field_is_kept(tieout_env, small_firm):
    store = SandboxStore(small_firm / "state.db")
    users = change_every(store, "users", lambda r: r.update(email_address=r.pop("email")))
    clients = change_every(store, "clients", lambda r: r.update(billing_contact="ap@example.com"))

    result = run_night([staffing, client_list], objects=[("harvest", "users"), ("harvest", "clients")])

    assert not result.success
    assert client_list.key in materialized(result)
    assert staffing.key not in materialized(result)
    assert set(quarantined(tieout_env)) == {
        ("harvest", "", "users", str(r["id"]), "field_missing", "email") for r in store.list("harvest", "", "users")
    }
    checks = check_results(result)
    share = checks[("harvest", "users", "quarantine_share")]
    assert not share.passed
    assert share.description.startswith(
        f"{users} of {users} harvest users records quarantined (100.0%, threshold 10.0%)"
    )
    assert f"downstream of harvest users do not run on {SNAPSHOT_DATE}" in share.description
    drift = checks[("harvest", "users", "schema_drift")]
    assert not drift.passed and drift.severity.value == "WARN"
    assert drift.description == (
        f"required field 'email' missing from {users} records (quarantined); "
        f"new field 'email_address' in {users} records (kept in the payload)"
    )
    assert checks[("harvest", "clients", "quarantine_share")].passed
    assert (
        checks[("harvest", "clients", "schema_drift")].description
        == f"new field 'billing_contact' in {clients} records (kept in the payload)"
    )
    with duckdb.connect(str(tieout_env), read_only=True) as db:
        kept = db.execute(
            "SELECT count(*) FROM valid.harvest__clients WHERE payload->>'billing_contact' = 'ap@example.com'"
        ).fetchone()[0]
    assert kept == clients
