"""Issue 14: the emulators answer a lookup by a payload field (QuickBooks' Id, DocNumber, CustomerRef;
Salesforce's Id) from an index of that object, as the vendors do, without reading every record of it;
the store-wide indexes of earlier releases are dropped when a store opens."""

import json
import sqlite3

from sandbox.firm import build_sandbox
from sandbox.store import SandboxStore

TENANT = "9130"
STAMP = "2026-11-01T00:00:00Z"


def invoices(store: SandboxStore, n: int) -> None:
    store.put_many(
        "quickbooks",
        TENANT,
        "Invoice",
        [
            (str(i), {"Id": str(i), "DocNumber": f"INV-{i}", "CustomerRef": {"value": str(i % 50)}}, STAMP)
            for i in range(n)
        ],
    )


def steps(store: SandboxStore, read) -> int:
    """SQLite's virtual-machine steps (in thousands) the read takes: what reading every record costs shows."""
    counted = [0]

    def count() -> int:
        counted[0] += 1
        return 0

    store._db().set_progress_handler(count, 1000)
    try:
        read()
    finally:
        store._db().set_progress_handler(None, 1000)
    return counted[0]


def test_a_lookup_reads_its_index_not_the_whole_object(tmp_path):
    store = SandboxStore(tmp_path / "state.db")
    invoices(store, 20_000)
    store.put("quickbooks", "other", "Invoice", "7", {"Id": "7", "DocNumber": "INV-7"}, STAMP)  # another company

    def look_up() -> list[dict]:
        return store.list_where("quickbooks", TENANT, "Invoice", "$.DocNumber", ["INV-7", "INV-19999", "none"])

    look_up()  # the first lookup builds the index
    assert [r["Id"] for r in look_up()] == ["7", "19999"]
    scan = steps(store, lambda: store.list("quickbooks", TENANT, "Invoice"))
    assert steps(store, look_up) * 100 < scan, scan  # a scan decodes 20,000 payloads; the lookup reads three keys
    by_customer = store.list_where("quickbooks", TENANT, "Invoice", "$.CustomerRef.value", ["3"])
    assert [r["Id"] for r in by_customer] == [str(i) for i in range(3, 20_000, 50)]  # in listing order
    any_case = store.list_where("quickbooks", TENANT, "Invoice", "$.DocNumber", ["inv-42"], ignore_case=True)
    assert [r["Id"] for r in any_case] == ["42"]


def test_the_store_wide_lookup_indexes_of_earlier_releases_are_dropped(tmp_path):
    SandboxStore(tmp_path / "state.db")
    with sqlite3.connect(tmp_path / "state.db") as db:
        db.execute("CREATE INDEX records_at_Id ON records (system, tenant, object, json_extract(payload, '$.Id'))")
    SandboxStore(tmp_path / "state.db")
    with sqlite3.connect(tmp_path / "state.db") as db:
        names = {name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert "records_at_Id" not in names
    assert {"records_by_update", "records_by_seq"} <= names


def index_names(path) -> set[str]:
    with sqlite3.connect(path) as db:
        return {name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}


def assert_lookups_read_built_indexes(state, lookups: list[tuple[str, str, list[str]]]) -> None:
    """Each lookup of the newest record of each object by each path finds it, and builds no index."""
    built = index_names(state)
    store = SandboxStore(state)
    with sqlite3.connect(state) as db:
        for system, object_name, paths in lookups:
            tenant, payload = db.execute(
                "SELECT tenant, payload FROM records WHERE system = ? AND object = ? ORDER BY seq DESC LIMIT 1",
                [system, object_name],
            ).fetchone()
            record = json.loads(payload)
            for path in paths:
                value = record
                for part in path[2:].split("."):
                    value = value[part]
                any_case = system == "salesforce"  # an id of 15 or 18 characters, in any case
                found = store.list_where(
                    system, tenant, object_name, path, [value.lower() if any_case else value], ignore_case=any_case
                )
                assert record in found, (system, object_name, path)
    assert index_names(state) == built


def test_a_firm_is_written_with_the_indexes_its_lookups_read(small_firm):
    """A vendor's indexes exist before its first query: the lookups the corrections make (QuickBooks by
    Id, DocNumber and CustomerRef, Salesforce by Id in any case) find one to read and build none."""
    assert_lookups_read_built_indexes(
        small_firm / "state.db",
        [
            ("quickbooks", "Invoice", ["$.Id", "$.DocNumber", "$.CustomerRef.value"]),
            ("quickbooks", "Payment", ["$.Id", "$.CustomerRef.value"]),
            ("quickbooks", "CreditMemo", ["$.Id", "$.DocNumber"]),
            ("quickbooks", "TimeActivity", ["$.Id"]),
            ("quickbooks", "Customer", ["$.Id"]),
            ("salesforce", "Account", ["$.Id"]),
        ],
    )


def test_a_firm_on_xero_is_written_with_its_projects_lookup_indexes(tmp_path):
    """Xero Projects lists a project's tasks and time by the project: indexed with the firm too."""
    build_sandbox(tmp_path, "small", erps={"UK": "xero"})
    assert_lookups_read_built_indexes(
        tmp_path / "state.db", [("xero", "ProjectTasks", ["$.projectId"]), ("xero", "ProjectTime", ["$.projectId"])]
    )
