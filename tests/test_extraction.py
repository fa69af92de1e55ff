"""A night's extraction over real HTTP against the sandbox emulators, through `materialize`."""

from datetime import date, timedelta

import duckdb
import requests
from dagster import materialize

from assets.extraction import SOURCE_CONNECTORS, extraction_assets
from pipelines.resources import build_resources
from sandbox.runtime import running_sandbox
from sandbox.store import SandboxStore
from sql.tables import raw_table
from tests.conftest import AS_OF, NEXT_NIGHT, SNAPSHOT_DATE

EXTRACTED = [(c.system, o) for c in SOURCE_CONNECTORS for o in c.objects]


PREVIOUS_NIGHT = (AS_OF - timedelta(days=1)).isoformat()


def run_night(snapshot_date=SNAPSHOT_DATE, mode="auto", raise_on_error=True, refetched_by=None):
    config: dict = {"mode": mode} if mode != "auto" else {}
    if refetched_by:
        config.update(refetch=True, requested_by=refetched_by)
    run_config = {"ops": {a.op.name: {"config": config} for a in extraction_assets}} if config else {}
    return materialize(
        extraction_assets,
        partition_key=snapshot_date,
        resources=build_resources(),
        run_config=run_config,
        raise_on_error=raise_on_error,
    )


def snapshot(warehouse, system, object_name, snapshot_date=SNAPSHOT_DATE):
    """The snapshot's records as {(entity, record_id): payload text}, plus its row count."""
    with duckdb.connect(str(warehouse), read_only=True) as db:
        rows = db.execute(
            f"SELECT entity, record_id, payload::VARCHAR FROM {raw_table(system, object_name)} WHERE snapshot_date = ?",
            [snapshot_date],
        ).fetchall()
    return {(e, r): p for e, r, p in rows}, len(rows)


def load_log(warehouse, snapshot_date):
    with duckdb.connect(str(warehouse), read_only=True) as db:
        rows = db.execute(
            "SELECT system, object, mode, fetched_rows, rows, requests, retries FROM raw.load_log "
            "WHERE snapshot_date = ?",
            [snapshot_date],
        ).fetchall()
    return {(s, o): dict(mode=m, fetched=f, rows=r, requests=q, retries=t) for s, o, m, f, r, q, t in rows}


def tenants(store: SandboxStore, system: str) -> list[str]:
    """Where the emulator keeps the system's records: a legal entity's QuickBooks realm or Xero tenant
    (each entity's ERP is one of them, QuickBooks when it names none), the HubSpot unit's portal, or the
    firm's one account; for the ledger, its legal entities (whose rows are in ledger.db, not the store)."""
    entities = store.meta("legal_entities")
    if system == "quickbooks":
        return [e["realm_id"] for e in entities if e.get("erp", "quickbooks") == "quickbooks"]
    if system == "xero":
        return [e["xero_tenant_id"] for e in entities if e.get("erp") == "xero"]
    if system == "ledger":
        return [e["code"] for e in entities if e.get("erp") == "ledger"]
    if system == "hubspot":  # a firm's HubSpot unit, where it has one: its portal
        hubspot = (store.meta("credentials") or {}).get("hubspot")
        return [hubspot["portal_id"]] if hubspot else []
    return [""]


def served_count(store: SandboxStore, system: str, object_name: str) -> int:
    return sum(store.count(system, tenant, object_name) for tenant in tenants(store, system))


def test_a_full_night_extracts_every_object_of_every_system(tieout_env, small_firm):
    result = run_night()
    assert result.success
    store = SandboxStore(small_firm / "state.db")
    logged = load_log(tieout_env, SNAPSHOT_DATE)
    assert set(logged) == set(EXTRACTED)
    for system, object_name in EXTRACTED:
        _, rows = snapshot(tieout_env, system, object_name)
        assert rows == served_count(store, system, object_name), (system, object_name)
        # an ERP no legal entity of the firm uses (Xero, in the small firm), or a CRM of a business unit the
        # firm has not (HubSpot), stores an empty snapshot
        assert (rows > 0) == bool(tenants(store, system)), (system, object_name)
        assert logged[(system, object_name)]["mode"] == "full"
    metadata = result.asset_materializations_for_node("raw__harvest__time_entries")[0].metadata
    assert metadata["rows"].value == served_count(store, "harvest", "time_entries")
    assert metadata["requests"].value >= 1


def test_rerunning_a_date_leaves_exactly_one_copy(tieout_env):
    run_night()
    first = {key: snapshot(tieout_env, *key) for key in EXTRACTED}
    run_night(mode="full")
    assert {key: snapshot(tieout_env, *key) for key in EXTRACTED} == first
    with duckdb.connect(str(tieout_env), read_only=True) as db:
        loads = db.execute("SELECT count(*) FROM raw.load_log WHERE snapshot_date = ?", [SNAPSHOT_DATE]).fetchone()
        copies = db.execute(f"SELECT count(DISTINCT load_id) FROM {raw_table('harvest', 'time_entries')}").fetchone()
    assert loads == (len(EXTRACTED),)
    assert copies == (1,)


def test_storms_of_429_and_5xx_are_survived_with_identical_results(tieout_env, small_firm, tmp_path, monkeypatch):
    run_night()
    clean = {key: snapshot(tieout_env, *key)[0] for key in EXTRACTED}
    runtime = running_sandbox(small_firm)
    for system in ("salesforce", "harvest", "quickbooks"):
        faults = runtime.faults(system)
        faults.retry_after = 0
        faults.rate_limit_next, faults.server_error_next = 3, 2
    monkeypatch.setenv("TIEOUT_WAREHOUSE", str(tmp_path / "stormy.duckdb"))
    assert run_night().success
    stormy = tmp_path / "stormy.duckdb"
    assert {key: snapshot(stormy, *key)[0] for key in EXTRACTED} == clean
    assert sum(entry["retries"] for entry in load_log(stormy, SNAPSHOT_DATE).values()) == 3 * (3 + 2)


def test_a_failed_night_leaves_the_previous_snapshot_complete(tieout_env, small_firm):
    run_night()
    before = snapshot(tieout_env, "harvest", "time_entries")
    running_sandbox(small_firm).faults("harvest").server_error_next = 100
    running_sandbox(small_firm).faults("harvest").retry_after = 0
    result = run_night(NEXT_NIGHT, raise_on_error=False)
    assert not result.success
    assert snapshot(tieout_env, "harvest", "time_entries") == before
    assert snapshot(tieout_env, "harvest", "time_entries", NEXT_NIGHT)[1] == 0


def rename_a_client(small_firm) -> str:
    """Rename a Harvest client through the emulator's API, as a person would; returns its id."""
    runtime = running_sandbox(small_firm)
    harvest = runtime.credentials("harvest")
    client = SandboxStore(small_firm / "state.db").list("harvest", "", "clients", limit=1)[0]
    response = requests.patch(
        f"{runtime.base_url('harvest')}/v2/clients/{client['id']}",
        json={"name": "Renamed Client Ltd"},
        headers={"Authorization": f"Bearer {harvest['access_token']}", "Harvest-Account-Id": harvest["account_id"]},
    )
    assert response.status_code == 200, response.text
    return str(client["id"])


def test_a_past_night_is_kept_and_an_explicit_refetch_keeps_its_earlier_version(tieout_env, small_firm):
    assert run_night().success and run_night(NEXT_NIGHT).success
    stored = {key: snapshot(tieout_env, *key)[0] for key in EXTRACTED}
    client = rename_a_client(small_firm)
    store = SandboxStore(small_firm / "state.db")
    start = store.last_request_n()
    kept = run_night()
    assert store.last_request_n() == start  # no request to any vendor
    assert {key: snapshot(tieout_env, *key)[0] for key in EXTRACTED} == stored
    assert kept.asset_materializations_for_node("raw__harvest__clients")[0].metadata["mode"].value == "kept"

    assert run_night(refetched_by="ann.auditor").success
    assert snapshot(tieout_env, "harvest", "clients")[0][("", client)] != stored[("harvest", "clients")][("", client)]
    assert "Renamed Client Ltd" in snapshot(tieout_env, "harvest", "clients")[0][("", client)]
    with duckdb.connect(str(tieout_env), read_only=True) as db:
        earlier = db.execute(
            "SELECT system, object, entity, record_id, payload::VARCHAR, superseded_by_load FROM raw.superseded_snapshots "
            "WHERE snapshot_date = ?",
            [date.fromisoformat(SNAPSHOT_DATE)],
        ).fetchall()
        logged = dict(
            db.execute(
                "SELECT load_id, refetched_by FROM raw.load_log WHERE snapshot_date = ?", [SNAPSHOT_DATE]
            ).fetchall()
        )
    kept_rows: dict = {}
    for system, object_name, entity, record_id, payload, load in earlier:
        kept_rows.setdefault((system, object_name), {})[(entity, record_id)] = payload
        assert logged[load] == "ann.auditor"
    assert kept_rows == {key: rows for key, rows in stored.items() if rows}
    assert set(logged.values()) == {"ann.auditor"} and len(logged) == len(EXTRACTED)


def test_a_past_night_never_extracted_is_refused_since_vendors_give_only_todays_state(tieout_env):
    assert run_night().success
    result = run_night(PREVIOUS_NIGHT, raise_on_error=False)
    assert not result.success
    messages = [e.step_failure_data.error.message for e in result.get_step_failure_events()]
    assert len(messages) == len(EXTRACTED)
    for message in messages:
        assert f"no snapshot of {PREVIOUS_NIGHT} is stored and a later night ({SNAPSHOT_DATE}) is" in message
        assert "The vendors' APIs give only today's state" in message
        assert f"`tieout run --date {PREVIOUS_NIGHT} --refetch`" in message
    assert load_log(tieout_env, PREVIOUS_NIGHT) == {}


def test_a_second_night_fetches_only_what_changed(tieout_env, recent_firm, monkeypatch):
    small_firm, as_of = recent_firm
    monkeypatch.setenv("TIEOUT_SANDBOX_DIR", str(small_firm))
    first, second = as_of.isoformat(), (as_of + timedelta(days=1)).isoformat()
    run_night(first)
    runtime = running_sandbox(small_firm)
    store = SandboxStore(small_firm / "state.db")
    harvest = runtime.credentials("harvest")
    client = store.list("harvest", "", "clients", limit=1)[0]
    response = requests.patch(
        f"{runtime.base_url('harvest')}/v2/clients/{client['id']}",
        json={"name": "Renamed Client Ltd"},
        headers={"Authorization": f"Bearer {harvest['access_token']}", "Harvest-Account-Id": harvest["account_id"]},
    )
    assert response.status_code == 200, response.text

    start = store.last_request_n()
    assert run_night(second).success
    logged = load_log(tieout_env, second)
    realms = len(tenants(store, "quickbooks"))
    for system, object_name in EXTRACTED:
        entry = logged[(system, object_name)]
        if not tenants(store, system):  # no entity on this ERP: nothing to ask, no watermark to go from
            assert (entry["mode"], entry["requests"], entry["rows"]) == ("full", 0, 0), (system, object_name)
            continue
        assert entry["mode"] == "incremental", (system, object_name)
        assert entry["requests"] == (realms if system == "quickbooks" else 1), (system, object_name, entry)
        assert entry["rows"] == snapshot(tieout_env, system, object_name, first)[1]
        assert entry["rows"] == snapshot(tieout_env, system, object_name, second)[1]
    cdc = [r.query for r in store.requests("quickbooks", since_n=start) if r.path.endswith("/cdc")]
    assert sum("entities=Invoice&" in query for query in cdc) == realms  # transactions by CDC, name lists swept
    assert logged[("harvest", "clients")]["fetched"] >= 1
    records, _ = snapshot(tieout_env, "harvest", "clients", second)
    assert "Renamed Client Ltd" in records[("", str(client["id"]))]
