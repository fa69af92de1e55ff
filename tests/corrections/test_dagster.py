"""The corrections asset, the writeback job and the approval job, run through Dagster."""

from dagster import materialize

from assets.corrections import approve_corrections_job, correction_assets, writeback
from corrections.warehouse import rows, transaction
from resources.warehouse import WarehouseResource
from tests.conftest import SNAPSHOT_DATE
from tests.corrections.conftest import outbox, sandbox_resources, write_planted_findings


def test_propose_then_approve_then_write_back_through_dagster(firm):
    auto, approval = len(firm.planted("AR_BALANCE_MISMATCH")), len(firm.planted("LEGAL_ENTITY_MISMATCH"))
    write_planted_findings(firm.warehouse, firm.planted("AR_BALANCE_MISMATCH", "LEGAL_ENTITY_MISMATCH"))
    resources = {**sandbox_resources(firm.directory), "warehouse": WarehouseResource(database=str(firm.warehouse))}
    result = materialize(correction_assets, partition_key=SNAPSHOT_DATE, resources=resources)
    metadata = result.asset_materializations_for_node("corrections__proposed")[0].metadata
    assert metadata["proposed"].value == auto + approval
    assert metadata["by_policy"].value == {"auto": auto, "approval": approval}
    assert "Open_AR__c" in metadata["dry_run"].value and "Legal_Entity__c" in metadata["dry_run"].value

    waiting = sorted(i for i, r in outbox(firm.warehouse).items() if r["state"] == "proposed")
    config = {"ops": {"decide_corrections": {"config": {"correction_ids": waiting[:1], "actor": "ana.finance"}}}}
    decided = approve_corrections_job.execute_in_process(run_config=config, resources=resources)
    assert decided.output_for_node("decide_corrections") == waiting[:1]

    start = firm.store.last_request_n()
    assert writeback.execute_in_process(resources=resources).success
    states = {i: r["state"] for i, r in outbox(firm.warehouse).items()}
    assert sorted(states.values()) == ["applied"] * (auto + 1) + ["proposed"] * (approval - 1)
    assert states[waiting[1]] == "proposed"
    assert [r.method for r in firm.store.requests("salesforce", since_n=start) if r.method != "GET"] == ["PATCH"]
    with transaction(firm.warehouse) as connection:
        approvals = rows(
            connection,
            "SELECT actor, correction_id FROM corrections.audit_log WHERE action = 'approved' AND actor <> 'policy'",
        )
    assert approvals == [{"actor": "ana.finance", "correction_id": waiting[0]}]
