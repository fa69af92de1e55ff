"""A top-level QuickBooks customer with a sub-customer moved under another one between two nights.
QuickBooks recomputes the moved customer's Level but not its sub-customer's, which keeps a stale
Level: the sub-customer is kept (a parent_level_wrong warning, not quarantined), depths come from the
ParentRef chains, and the hierarchy findings are exactly the one parent mismatch the move made."""

from datetime import date

import duckdb
import pytest
import requests

from sandbox.runtime import running_sandbox, stop_sandbox
from tests.conftest import NEXT_NIGHT, SNAPSHOT_DATE
from tests.reconciliation.conftest import run_night, sandbox_night_environment
from tests.reconciliation.test_aging import copy_warehouse

FIRST, SECOND = date.fromisoformat(SNAPSHOT_DATE), date.fromisoformat(NEXT_NIGHT)

HIERARCHY = ("CUSTOMER_PARENT_MISMATCH", "HIERARCHY_CYCLE", "HIERARCHY_ORPHAN")

# A top-level ERP customer with a sub-customer, linked to a CRM account without a parent, and another
# top-level customer of the same entity to move it under; neither named by a hierarchy finding.
MOVE = f"""
WITH erp AS (SELECT * FROM canonical.customer WHERE snapshot_date = $first AND system = 'erp'),
crm AS (SELECT * FROM canonical.customer WHERE snapshot_date = $first AND system = 'crm'),
named AS (SELECT customer_global_id AS global_id FROM recon.findings
          WHERE snapshot_date = $first AND status = 'open' AND code IN {HIERARCHY}),
top AS (SELECT erp.* FROM erp JOIN crm USING (global_id)
        WHERE erp.is_active AND erp.parent_source_id IS NULL AND crm.parent_source_id IS NULL
          AND global_id NOT IN (FROM named)),
moved AS (SELECT p.source_id, p.legal_entity, min(c.source_id) AS child
          FROM top AS p JOIN erp AS c ON c.parent_source_id = p.source_id GROUP BY ALL)
SELECT m.source_id, m.child, min(t.source_id) AS new_parent
FROM moved AS m JOIN top AS t ON t.legal_entity = m.legal_entity AND t.source_id <> m.source_id
GROUP BY ALL ORDER BY ALL LIMIT 1
"""


def qbo_reparent(runtime, source_id: str, new_parent: str) -> None:
    """A person moves the customer under another one in QuickBooks, over HTTP."""
    entity, customer_id = source_id.split(":")
    realm = next(e["realm_id"] for e in runtime.legal_entities() if e["code"] == entity)
    record = runtime.store.get("quickbooks", realm, "Customer", customer_id)
    response = requests.post(
        f"{runtime.base_url('quickbooks')}/v3/company/{realm}/customer",
        json={
            "Id": customer_id,
            "SyncToken": record["SyncToken"],
            "sparse": True,
            "Job": True,
            "ParentRef": {"value": new_parent.split(":")[1]},
        },
        headers={
            "Authorization": f"Bearer {runtime.credentials('quickbooks')['access_token']}",
            "Accept": "application/json",
        },
        timeout=10,
    )
    assert response.status_code == 200, response.text


@pytest.fixture(scope="module")
def reparented(reconciled_small_firm, tmp_path_factory):
    """((moved, its sub-customer, its new parent) as ERP source ids, the warehouse after night two)."""
    home = tmp_path_factory.mktemp("reparent")
    (move,) = reconciled_small_firm.query(MOVE, {"first": FIRST})
    with pytest.MonkeyPatch.context() as env:
        sandbox, warehouse = sandbox_night_environment(reconciled_small_firm.sandbox, home, env)
        copy_warehouse(reconciled_small_firm.warehouse, warehouse)
        try:
            qbo_reparent(running_sandbox(sandbox, "small"), move[0], move[2])
            result = run_night(NEXT_NIGHT)
        finally:
            stop_sandbox(sandbox)
    assert result.success
    return move, warehouse


def test_the_stale_level_is_a_warning_and_depths_follow_the_parent_chain(reparented):
    (moved, child, new_parent), warehouse = reparented
    entity, child_id = child.split(":")
    with duckdb.connect(str(warehouse), read_only=True) as db:
        warned = db.execute(
            "SELECT rule FROM quality.warnings WHERE snapshot_date = ? AND entity = ? "
            "AND object = 'Customer' AND record_id = ?",
            [SECOND, entity, child_id],
        ).fetchall()
        quarantined = db.execute(
            "SELECT count(*) FROM quality.quarantine WHERE snapshot_date = ? AND entity = ? "
            "AND object = 'Customer' AND record_id = ?",
            [SECOND, entity, child_id],
        ).fetchone()
        levels = dict(
            db.execute(
                "SELECT source_id, erp_level FROM canonical.customer WHERE snapshot_date = ? "
                "AND system = 'erp' AND source_id IN (?, ?, ?)",
                [SECOND, moved, child, new_parent],
            ).fetchall()
        )
        stored = db.execute(
            "SELECT (payload ->> '$.Level')::INTEGER FROM valid.quickbooks__customer "
            "WHERE snapshot_date = ? AND entity = ? AND record_id = ?",
            [SECOND, entity, child_id],
        ).fetchone()
    assert warned == [("parent_level_wrong",)] and quarantined == (0,)
    assert stored == (1,)
    assert levels == {new_parent: 0, moved: 1, child: 2}


def test_the_move_makes_one_parent_mismatch_and_nothing_else_in_the_hierarchy(reparented):
    (moved, child, new_parent), warehouse = reparented
    with duckdb.connect(str(warehouse), read_only=True) as db:
        changed = db.execute(
            "SELECT code, erp_id, expected_value, actual_value, status FROM recon.findings AS f "
            f"WHERE snapshot_date = $second AND code IN {HIERARCHY} AND (status = 'resolved' OR finding_id NOT IN "
            "(SELECT finding_id FROM recon.findings WHERE snapshot_date = $first AND status = 'open'))",
            {"first": FIRST, "second": SECOND},
        ).fetchall()
    assert changed == [("CUSTOMER_PARENT_MISMATCH", moved, None, new_parent, "open")]
