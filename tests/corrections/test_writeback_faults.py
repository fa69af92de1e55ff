"""The writeback when things go wrong: stale SyncTokens, a 429 storm, rejected records, people
editing records meanwhile, a failure threshold, and a correction aimed at a field's owner."""

import pytest
import requests

from corrections.outbox import Correction, insert_proposals
from corrections.ownership import OwnershipError, load_ownership
from corrections.warehouse import rows, transaction
from corrections.writeback import drain
from tests.conftest import SNAPSHOT_DATE
from tests.corrections.conftest import outbox, plan_and_record, writes


def enqueue(firm, *corrections: Correction) -> list[str]:
    """Approved corrections put straight into the outbox."""
    from datetime import date

    for c in corrections:
        c.policy = "auto"
    with transaction(firm.warehouse) as connection:
        insert_proposals(connection, list(corrections), date.fromisoformat(SNAPSHOT_DATE))
    return [c.correction_id for c in corrections]


def uk_customers(firm, count: int) -> list[dict]:
    """The first `count` customers of the UK company, as stored."""
    return firm.store.list("quickbooks", firm.realm("UK"), "Customer", limit=count)


def rename(firm, customer_id: str, name: str) -> Correction:
    current = firm.store.get("quickbooks", firm.realm("UK"), "Customer", customer_id)
    return Correction(
        "fnd_test",
        "CUSTOMER_NAME_MISMATCH",
        "quickbooks",
        "Customer",
        "UK",
        customer_id,
        "DisplayName",
        current["DisplayName"],
        name,
        "name_to_erp",
    )


def qbo_update(firm, entity: str, object_name: str, record_id: str, **changes) -> None:
    """A person's edit in QuickBooks, over HTTP."""
    base, token = firm.runtime.base_url("quickbooks"), firm.runtime.credentials("quickbooks")["access_token"]
    record = firm.store.get("quickbooks", firm.realm(entity), object_name, record_id)
    response = requests.post(
        f"{base}/v3/company/{firm.realm(entity)}/{object_name.lower()}",
        json={"Id": record_id, "SyncToken": record["SyncToken"], "sparse": True, **changes},
        headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
        timeout=10,
    )
    assert response.status_code == 200, response.text


@pytest.mark.parametrize("field, outcome", [("Description", "applied"), ("BillableStatus", "superseded")])
def test_a_stale_sync_token_is_re_read_and_retried_once(firm, field, outcome):
    plan_and_record(firm, ["TIME_BILLED_STATUS_MISMATCH"])
    edited, other = (firm.target_of(p)[2] for p in firm.planted("TIME_BILLED_STATUS_MISMATCH"))
    entity = firm.planted("TIME_BILLED_STATUS_MISMATCH")[0]["legal_entity"]
    description = firm.store.get("quickbooks", firm.realm(entity), "TimeActivity", edited)["Description"]
    person_sets = {"Description": f"{description} (reviewed)"} if field == "Description" else {field: "NotBillable"}
    target = firm.targets.quickbooks
    read = target.current

    def read_then_someone_edits(corrections):
        values = read(corrections)
        if not hasattr(target, "edited"):
            target.edited = True
            qbo_update(firm, entity, "TimeActivity", edited, **person_sets)
        return values

    target.current = read_then_someone_edits
    start = firm.store.last_request_n()
    drain(firm.warehouse, {"quickbooks": target})
    batches = [r for r in writes(firm.store, start) if r.path.endswith("/batch")]
    assert len(batches) == (2 if outcome == "applied" else 1)
    assert '"5010"' in rows_of_sync_log(firm, f"TimeActivity:{edited}")[0]
    states = {r["record_id"]: r["state"] for r in outbox(firm.warehouse).values()}
    assert states == {edited: outcome, other: "applied"}
    stored = firm.store.get("quickbooks", firm.realm(entity), "TimeActivity", edited)
    assert stored["BillableStatus"] == ("HasBeenBilled" if outcome == "applied" else "NotBillable")
    assert stored["Description"] == person_sets.get("Description", description)


def rows_of_sync_log(firm, marker: str) -> list[str]:
    with transaction(firm.warehouse) as connection:
        return [
            r["response_body"]
            for r in rows(
                connection,
                'SELECT response_body FROM corrections.sync_log WHERE request_body LIKE ? ORDER BY "at"',
                [f"%{marker}%"],
            )
        ]


def test_a_429_storm_mid_batch_is_waited_out_and_nothing_is_written_twice(firm):
    misnamed = firm.misnamed_in("harvest")["psa_id"]
    planned = plan_and_record(firm, ["PAYMENT_NOT_REFLECTED", "CUSTOMER_NAME_MISMATCH"])
    unpaid = [c.record_id for c in planned if c.code == "PAYMENT_NOT_REFLECTED"]  # one per ERP cash payment
    harvest = firm.targets.harvest
    send = harvest.client.request_json

    def storm_after_first_write(method, url, **kwargs):
        answer = send(method, url, **kwargs)
        if method != "GET" and not hasattr(harvest, "stormed"):
            harvest.stormed = True
            firm.runtime.faults("harvest").rate_limit_next = 3
        return answer

    harvest.client.request_json = storm_after_first_write
    start = firm.store.last_request_n()
    drain(firm.warehouse, {"harvest": harvest})
    logged = firm.store.requests("harvest", since_n=start)
    assert sum(1 for r in logged if r.status == 429) == 3 and harvest.client.stats.retries >= 3
    sent = [r for r in writes(firm.store, start) if r.status < 300]
    assert sorted(r.path for r in sent) == sorted(
        [f"/v2/clients/{misnamed}"] + [f"/v2/invoices/{i}/payments" for i in unpaid]
    )
    harvest_ids = {c.correction_id for c in planned if c.target_system == "harvest"}
    assert {i for i, r in outbox(firm.warehouse).items() if r["state"] == "applied"} == harvest_ids


def test_a_partly_rejected_batch_applies_the_rest_and_records_each_error(firm):
    holder, renamed, clashing = (c["Id"] for c in uk_customers(firm, 3))
    taken = firm.store.get("quickbooks", firm.realm("UK"), "Customer", holder)["DisplayName"]
    good, clash = enqueue(firm, rename(firm, renamed, f"{taken} Renamed"), rename(firm, clashing, taken))
    start = firm.store.last_request_n()
    report = drain(firm.warehouse, {"quickbooks": firm.targets.quickbooks})
    assert len([r for r in writes(firm.store, start) if r.path.endswith("/batch")]) == 1
    rows_now = outbox(firm.warehouse)
    assert rows_now[good]["state"] == "applied" and rows_now[good]["verified_at"] is not None
    assert rows_now[clash]["state"] == "failed" and rows_now[clash]["last_error"].startswith("6240")
    assert report.outcomes["quickbooks"]["failed"] == 1
    assert firm.store.get("quickbooks", firm.realm("UK"), "Customer", clashing)["DisplayName"] != taken


def test_a_failure_threshold_stops_the_drain(firm):
    customers = uk_customers(firm, 6)
    ids = enqueue(firm, *(rename(firm, c["Id"], taken["DisplayName"]) for c, taken in zip(customers[3:], customers)))
    ownership = load_ownership()
    limits = ownership.writeback.model_copy(update={"batch_size": {"quickbooks": 1}, "max_failures": 1})
    strict = ownership.model_copy(update={"writeback": limits})
    report = drain(firm.warehouse, {"quickbooks": firm.targets.quickbooks}, strict)
    assert "2 of 2 corrections failed" in report.stopped["quickbooks"]
    assert sorted(outbox(firm.warehouse)[i]["state"] for i in ids) == ["approved", "failed", "failed"]


def test_a_record_a_person_changed_meanwhile_is_superseded_not_overwritten(firm):
    misnamed = firm.misnamed_in("harvest")
    client, person_says = misnamed["psa_id"], misnamed["expected_value"] + " (as a person typed it)"
    plan_and_record(firm, ["CUSTOMER_NAME_MISMATCH"])
    base, credentials = firm.runtime.base_url("harvest"), firm.runtime.credentials("harvest")
    edited = requests.patch(
        f"{base}/v2/clients/{client}",
        json={"name": person_says},
        timeout=10,
        headers={
            "Authorization": f"Bearer {credentials['access_token']}",
            "User-Agent": "a person",
            "Harvest-Account-Id": credentials["account_id"],
        },
    )
    assert edited.status_code == 200
    start = firm.store.last_request_n()
    drain(firm.warehouse, {"harvest": firm.targets.harvest})
    assert writes(firm.store, start) == []
    row = next(r for r in outbox(firm.warehouse).values() if r["target_system"] == "harvest")
    assert row["state"] == "superseded" and person_says in row["last_error"]
    assert firm.store.get("harvest", "", "clients", client)["name"] == person_says


def test_no_correction_ever_writes_to_the_owner_of_its_field(firm):
    with pytest.raises(OwnershipError):
        load_ownership().check("customer.name", "salesforce")
    misnamed = firm.misnamed_in("harvest")
    account = firm.store.get("salesforce", "", "Account", misnamed["crm_id"])
    (forged,) = enqueue(
        firm,
        Correction(
            "fnd_test",
            "CUSTOMER_NAME_MISMATCH",
            "salesforce",
            "Account",
            "UK",
            account["Id"],
            "Name",
            account["Name"],
            misnamed["actual_value"],
            "name_to_psa",
        ),
    )
    start = firm.store.last_request_n()
    drain(firm.warehouse, firm.targets.by_system())
    assert firm.store.requests("salesforce", since_n=start) == []
    row = outbox(firm.warehouse)[forged]
    assert row["state"] == "failed" and row["last_error"].startswith("refused: salesforce owns customer.name")
    assert firm.store.get("salesforce", "", "Account", account["Id"])["Name"] == account["Name"]
