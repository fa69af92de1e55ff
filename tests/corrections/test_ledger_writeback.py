"""Corrections for a legal entity whose books are kept in the on-premises ledger (the mixed small firm, DE
on the ledger with its accounts in HubSpot): planned from the live ledger database, a customer's name
written back to it by UPDATE, once; the ledger's exported files are never written."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import create_engine

from corrections.approval import approve_corrections
from corrections.outbox import Correction
from corrections.ownership import OwnershipError, load_ownership
from corrections.proposals import canonical_field
from corrections.targets import targets_from_resources
from corrections.writeback import drain
from corrections.writers import MISSING, SyncLog
from corrections.writers.harvest import payment_field, payment_tag, payment_text, recorded
from corrections.writers.ledger import LedgerTarget
from resources.ledger import LedgerResource
from tests.corrections.conftest import Firm, mixed_firm, outbox, plan_and_record, proposed, sandbox_resources, writes
from tests.ledger_data import T0, customer, insert_rows, ledger_rows

ON_LEDGER = "DE"
CODES = (
    "AR_BALANCE_MISMATCH",
    "CUSTOMER_NAME_MISMATCH",
    "PAYMENT_NOT_REFLECTED",
    "CREDIT_MEMO_NOT_REFLECTED",
    "INVOICE_STATUS_MISMATCH",
    "CUSTOMER_CURRENCY_MISMATCH",
)
PLANNED = (*CODES, "CUSTOMER_PARENT_MISMATCH")  # a parent is held for approval
CENT = Decimal("0.01")


class LedgerFirm(Firm):
    """The mixed firm, its planted findings those of its ledger entity."""

    def planted(self, *codes: str) -> list[dict]:
        return [f for f in super().planted(*codes) if f["legal_entity"] == ON_LEDGER]

    @property
    def database(self) -> Path:
        return self.directory / "ledger.db"

    def rows(self, sql: str, *parameters) -> list[sqlite3.Row]:
        with sqlite3.connect(self.database) as db:
            db.row_factory = sqlite3.Row
            return db.execute(sql, parameters).fetchall()

    def customer(self, erp_id: str) -> sqlite3.Row:
        (row,) = self.rows(
            "SELECT * FROM ledger_customers WHERE entity_code = ? AND customer_id = ?", *erp_id.split(":")
        )
        return row

    def open_ar(self, erp_id: str) -> Decimal:
        entity, customer = erp_id.split(":")
        due = sum(
            (
                Decimal(str(r["amount_due"])) if r["status"] != "voided" else Decimal(0)
                for r in self.rows(
                    "SELECT * FROM ledger_invoices WHERE entity_code = ? AND customer_id = ? AND status <> 'draft'",
                    entity,
                    customer,
                )
            ),
            Decimal(0),
        )
        credit = sum(
            (
                Decimal(str(r["remaining"]))
                for r in self.rows(
                    "SELECT * FROM ledger_credit_memos WHERE entity_code = ? AND customer_id = ?", entity, customer
                )
            ),
            Decimal(0),
        )
        return (due - credit).quantize(CENT)

    def applications(self, psa_invoice_id: str) -> list[sqlite3.Row]:
        """What the ledger applied to the postings of a Harvest invoice, with each payment's date."""
        return self.rows(
            "SELECT a.*, p.payment_date, i.status AS invoice_status FROM ledger_payment_applications AS a "
            "JOIN ledger_invoices AS i ON i.invoice_id = a.invoice_id "
            "LEFT JOIN ledger_payments AS p ON p.payment_id = a.payment_id "
            "WHERE i.entity_code = ? AND i.reference = ?",
            ON_LEDGER,
            f"harvest_invoice:{psa_invoice_id}",
        )

    def company(self, crm_id: str) -> dict:
        portal = str(self.store.meta("credentials")["hubspot"]["portal_id"])
        return self.store.get("hubspot", portal, "companies", crm_id.removeprefix("hubspot:"))["properties"]


@pytest.fixture
def ledger_firm(tmp_path) -> Iterator[LedgerFirm]:
    with mixed_firm(LedgerFirm, tmp_path, erps={"UK": "xero", ON_LEDGER: "ledger"}, crms={"DE": "hubspot"}) as firm:
        yield firm


def expected_corrections(firm: LedgerFirm) -> set[tuple]:
    """(system, object, record, field, before, after, policy) of each correction the DE findings imply,
    off the manifest, the store and ledger.db."""
    expected = set()
    for planted in firm.planted("CUSTOMER_NAME_MISMATCH"):
        client = firm.store.get("harvest", "", "clients", planted["psa_id"])
        if client["name"] == planted["actual_value"]:
            target = ("harvest", "clients", planted["psa_id"], "name")
        else:
            customer = firm.customer(planted["erp_id"])
            assert customer["name"] == planted["actual_value"]
            target = ("ledger", "ledger_customers", str(customer["customer_id"]), "name")
        expected.add((*target, planted["actual_value"], planted["expected_value"], "auto"))
    for planted in firm.planted("AR_BALANCE_MISMATCH"):
        balance = firm.open_ar(planted["erp_id"])
        assert f"{balance}" == planted["expected_value"]
        before = Decimal(str(firm.company(planted["crm_id"])["open_ar"])).quantize(CENT)
        company = planted["crm_id"].removeprefix("hubspot:")
        expected.add(("hubspot", "companies", company, "open_ar", f"{before}", f"{balance}", "auto"))
    for planted in firm.planted("CUSTOMER_PARENT_MISMATCH"):  # the CRM's parent, by its link to the ledger
        customer = firm.customer(planted["erp_id"])
        parent = firm.company(planted["expected_value"])["erp_customer_id"] if planted["expected_value"] else None
        assert parent is None or parent.startswith(f"{ON_LEDGER}:")
        after = parent and parent.split(":")[1]
        before = customer["parent_customer_id"]
        target = ("ledger", "ledger_customers", str(customer["customer_id"]), "parent_customer_id")
        expected.add((*target, None if before is None else str(before), after, "approval"))
    for planted in firm.planted("CUSTOMER_CURRENCY_MISMATCH"):
        client = firm.store.get("harvest", "", "clients", planted["psa_id"])
        currency = firm.customer(planted["erp_id"])["currency"]
        assert currency and client["currency"] != currency
        expected.add(("harvest", "clients", planted["psa_id"], "currency", client["currency"], currency, "approval"))
    for planted in firm.planted("PAYMENT_NOT_REFLECTED", "INVOICE_STATUS_MISMATCH"):
        applied = firm.applications(planted["psa_id"])
        if any(a["invoice_status"] == "voided" for a in applied) or not applied:
            continue  # a void (or nothing received) has no cash to copy
        invoice = firm.store.get("harvest", "", "invoices", planted["psa_id"])
        settled = Decimal(str(invoice["amount"])) - Decimal(str(invoice["due_amount"]))
        cash = [a for a in applied if a["payment_id"] is not None]
        missing = sum((Decimal(str(a["amount"])) for a in applied), Decimal(0)) - settled
        newer = Decimal(0)
        for a in sorted(cash, key=lambda a: (a["payment_date"], f"{ON_LEDGER}:{a['payment_id']}"), reverse=True):
            if newer >= missing - Decimal("0.005"):
                break
            expected.add(
                ("harvest", "invoices", planted["psa_id"], payment_field(f"{ON_LEDGER}:{a['payment_id']}"))
                + (None, payment_text(a["amount"], a["payment_date"]), "auto")
            )
            newer += Decimal(str(a["amount"]))
    for planted in firm.planted("CREDIT_MEMO_NOT_REFLECTED"):
        memo = planted["erp_id"].partition(":")[2]
        (application,) = [a for a in firm.applications(planted["psa_id"]) if str(a["credit_memo_id"]) == memo]
        amount = Decimal(str(application["amount"])).quantize(CENT)
        expected.add(
            ("harvest", "invoices", planted["psa_id"], f"credit_memo:{planted['erp_id']}")
            + (None, f"{amount} credited {application['applied_on']}", "never")
        )
    return expected


def test_the_plan_proposes_what_the_ledger_entitys_findings_imply(ledger_firm):
    assert {p["code"] for p in ledger_firm.planted(*PLANNED)} == set(PLANNED)
    assert ledger_firm.targets.erp_vendors[ON_LEDGER] == "ledger"
    expected = expected_corrections(ledger_firm)
    assert any(e[0] == "ledger" for e in expected), "the firm plants a wrong name in the ledger"
    assert any(e[3].startswith("payment:") for e in expected), "and a payment Harvest lacks"
    assert any(e[3] == "parent_customer_id" for e in expected), "and a parent the CRM does not know"
    planned = plan_and_record(ledger_firm, PLANNED)
    assert proposed(planned) == expected
    assert len(planned) == len(expected)
    for c in planned:
        assert c.legal_entity == ON_LEDGER
        if c.code == "CREDIT_MEMO_NOT_REFLECTED":
            entity, memo = c.field.removeprefix("credit_memo:").split(":")
            (number,) = ledger_firm.rows(
                "SELECT credit_number FROM ledger_credit_memos WHERE entity_code = ? AND credit_memo_id = ?",
                entity,
                memo,
            )
            assert f"Credit memo {number[0]} " in c.note and " in the ledger)" in c.note
            assert "QuickBooks" not in c.note


def test_the_writeback_updates_the_ledger_customer_once(ledger_firm):
    (misnamed,) = [
        p
        for p in ledger_firm.planted("CUSTOMER_NAME_MISMATCH")
        if ledger_firm.customer(p["erp_id"])["name"] == p["actual_value"]
    ]
    before = ledger_firm.customer(misnamed["erp_id"])
    untouched = {r["customer_id"]: tuple(r) for r in ledger_firm.rows("SELECT * FROM ledger_customers")}
    plan_and_record(ledger_firm, CODES)
    start = ledger_firm.store.last_request_n()
    report = drain(ledger_firm.warehouse, ledger_firm.targets.by_system(), load_ownership())
    assert report.stopped == {}
    assert report.outcomes["ledger"]["applied"] == report.outcomes["ledger"]["verified"] == 1

    after = ledger_firm.customer(misnamed["erp_id"])
    assert after["name"] == misnamed["expected_value"]
    assert after["modified_at"] > before["modified_at"]  # the next incremental night reads it
    assert {k: v for k, v in dict(after).items() if k not in ("name", "modified_at")} == {
        k: v for k, v in dict(before).items() if k not in ("name", "modified_at")
    }
    changed = {
        r["customer_id"]
        for r in ledger_firm.rows("SELECT * FROM ledger_customers")
        if tuple(r) != untouched[r["customer_id"]]
    }
    assert changed == {before["customer_id"]}
    rows = outbox(ledger_firm.warehouse).values()
    assert {r["state"] for r in rows if r["target_system"] == "ledger"} == {"applied"}
    assert all(r["state"] == "applied" for r in rows if r["policy"] == "auto"), rows

    paid = [r for r in writes(ledger_firm.store, start) if r.path.endswith("/payments")]
    tagged = [json.loads(r.body)["notes"] for r in paid]
    assert tagged and all(note.startswith("ledger_payment:DE:") for note in tagged)

    stamped = ledger_firm.customer(misnamed["erp_id"])["modified_at"]
    again = ledger_firm.store.last_request_n()
    second = drain(ledger_firm.warehouse, ledger_firm.targets.by_system(), load_ownership())
    assert second.outcomes == {} and second.stopped == {}
    assert writes(ledger_firm.store, again) == []
    assert ledger_firm.customer(misnamed["erp_id"])["modified_at"] == stamped


def test_an_approved_parent_is_written_to_the_ledger_and_read_back(ledger_firm):
    planned = [c for c in plan_and_record(ledger_firm, ("CUSTOMER_PARENT_MISMATCH",)) if c.target_system == "ledger"]
    assert planned and all(c.policy == "approval" for c in planned)
    first = drain(ledger_firm.warehouse, ledger_firm.targets.by_system(), load_ownership())
    assert "ledger" not in first.outcomes  # held for a person
    approve_corrections(ledger_firm.warehouse, [c.correction_id for c in planned], "controller@firm.example")
    report = drain(ledger_firm.warehouse, ledger_firm.targets.by_system(), load_ownership())
    assert report.stopped == {}
    assert report.outcomes["ledger"]["applied"] == report.outcomes["ledger"]["verified"] == len(planned)
    for c in planned:
        row = ledger_firm.customer(f"{c.legal_entity}:{c.record_id}")
        assert (None if row["parent_customer_id"] is None else str(row["parent_customer_id"])) == c.value_after
    assert {r["state"] for r in outbox(ledger_firm.warehouse).values() if r["target_system"] == "ledger"} == {"applied"}
    again = drain(ledger_firm.warehouse, ledger_firm.targets.by_system(), load_ownership())
    assert again.outcomes == {} and again.stopped == {}


def test_the_sync_log_names_the_database_masked_and_the_row(tmp_path):
    """A write to a database with a password: the log names the URL masked, with the table and key; a row
    that is gone fails with a clear error; a field other than a customer's name or parent is refused."""
    target = LedgerTarget("mysql+pymysql://tieout:s3cret@127.0.0.1:1/books")
    assert "s3cret" not in repr(target)

    gone = LedgerTarget(f"sqlite:///{tmp_path / 'ledger.db'}")
    with sqlite3.connect(tmp_path / "ledger.db") as db:
        db.execute(
            "CREATE TABLE ledger_customers (customer_id INTEGER PRIMARY KEY, entity_code TEXT, name TEXT, "
            "parent_customer_id INTEGER, currency TEXT, is_active INTEGER, tax_id TEXT, website TEXT, "
            "external_ref TEXT, modified_at TEXT)"
        )
    rename = Correction(
        "f1", "CUSTOMER_NAME_MISMATCH", "ledger", "ledger_customers", "DE", "7", "name", "Old", "New", "name_to_erp"
    )
    rename.correction_id = "cor_rename"
    retax = replace(rename, field="tax_id", rule="name_to_erp")
    retax.correction_id = "cor_tax"
    log = SyncLog()
    outcomes = {o.correction_id: o for o in gone.write([rename, retax], log)}
    assert not outcomes["cor_rename"].ok and "not in the ledger any more" in (outcomes["cor_rename"].error or "")
    assert not outcomes["cor_tax"].ok and (outcomes["cor_tax"].error or "").startswith("refused:")
    assert gone.current([rename]) == {"cor_rename": MISSING}
    (entry,) = log
    assert entry.url.endswith("ledger.db#ledger_customers.customer_id=7") and entry.method == "UPDATE"

    log = SyncLog()
    (down,) = target.write([rename], log)  # no such server: transient, the password masked everywhere
    assert not down.ok and down.retryable
    (entry,) = log
    assert entry.url == "mysql+pymysql://tieout:***@127.0.0.1:1/books#ledger_customers.customer_id=7"
    assert "s3cret" not in f"{entry.url} {entry.error} {down.error}"


def test_a_correction_to_the_ledger_of_an_erp_owned_field_is_refused():
    ownership = load_ownership()
    assert "ledger" in ownership.owners("customer.open_ar")
    for rule in ("open_ar_to_crm", "legal_entity_to_crm", "currency_to_psa", "cash_to_psa", "credit_to_finance"):
        with pytest.raises(OwnershipError, match="ledger owns"):
            ownership.check(canonical_field(rule), "ledger")
    ownership.check(canonical_field("name_to_erp"), "ledger")  # the CRM owns the name: the ledger gets a copy
    assert ownership.writeback.batch_size["ledger"] > 0


def test_a_drop_folder_ledger_proposes_nothing_for_its_records(ledger_firm):
    """Read from its exported files, the ledger cannot be written (nor read live): its entity is still the
    ledger's, so no ERP correction is proposed for it (none goes to QuickBooks either), and nothing fails."""
    resources = sandbox_resources(ledger_firm.directory)
    resources["ledger"] = LedgerResource(
        drop_dir=str(ledger_firm.directory / "ledger-drop"), sandbox=resources["ledger"].sandbox
    )
    ledger_firm.targets = targets_from_resources(*resources.values(), load_ownership())
    assert ledger_firm.targets.ledger.url == "" and ledger_firm.targets.erp_vendors[ON_LEDGER] == "ledger"
    start = ledger_firm.store.last_request_n()
    planned = plan_and_record(ledger_firm, CODES)
    assert planned == []  # the ledger's names, balances and receipts are unknown live: nothing to copy
    assert not [
        r
        for r in ledger_firm.store.requests(since_n=start)
        if "quickbooks" in r.path.lower() or "/v3/company" in r.path
    ]
    report = drain(ledger_firm.warehouse, ledger_firm.targets.by_system(), load_ownership())
    assert report.stopped == {} and report.outcomes == {}


def test_a_ledger_payment_tag_is_not_read_as_a_longer_ones_prefix():

    c = Correction(
        "f",
        "PAYMENT_NOT_REFLECTED",
        "harvest",
        "invoices",
        "DE",
        "1",
        payment_field("DE:3000015"),
        None,
        "10.00 paid 2026-11-01",
        "cash_to_psa",
    )
    tag = payment_tag("DE:3000015", "ledger")
    other = [
        {
            "amount": 12,
            "paid_date": "2026-11-02",
            "notes": f"{payment_tag('DE:30000152', 'ledger')} (tieout correction x)",
        }
    ]
    assert recorded(other, c, tag) is None
    mine = [{"amount": 10, "paid_date": "2026-11-01", "notes": f"{tag} (tieout correction y)"}]
    assert recorded(mine, c, tag) == "10.00 paid 2026-11-01"


def test_a_forged_correction_of_an_erp_owned_ledger_field_is_refused_by_the_drain(ledger_firm):
    """An approved correction that would write the ledger's own field (a customer's currency, which the ERP
    owns) is refused by ownership at the drain: the row is not touched."""
    from datetime import date

    from corrections.outbox import Correction, insert_proposals
    from corrections.warehouse import transaction
    from tests.conftest import SNAPSHOT_DATE

    (planted,) = ledger_firm.planted("CUSTOMER_NAME_MISMATCH")
    before = ledger_firm.customer(planted["erp_id"])
    forged = Correction(
        "fnd_test",
        "CUSTOMER_CURRENCY_MISMATCH",
        "ledger",
        "ledger_customers",
        ON_LEDGER,
        str(before["customer_id"]),
        "currency",
        before["currency"],
        "GBP",
        "currency_to_psa",
        policy="auto",
    )
    assert plan_and_record(ledger_firm, ()) == []  # the outbox's tables, no proposal
    with transaction(ledger_firm.warehouse) as connection:
        insert_proposals(connection, [forged], date.fromisoformat(SNAPSHOT_DATE))
    drain(ledger_firm.warehouse, ledger_firm.targets.by_system(), load_ownership())
    row = outbox(ledger_firm.warehouse)[forged.correction_id]
    assert row["state"] == "failed" and row["last_error"].startswith("refused: ledger owns customer.currency")
    assert tuple(ledger_firm.customer(planted["erp_id"])) == tuple(before)


def test_each_server_the_ledger_may_live_on_is_read_live_and_written_alike(ledger_url):
    """The writer against SQLite, the machine's MariaDB and PostgreSQL: the live reads the CRM and Harvest
    corrections are made of, then a rename by key and entity, read back with its modified_at moved to now
    (a row the entity does not hold fails), then parents: removed, set, and refused where the ledger would
    be left with a loop or an orphan."""
    rows = ledger_rows()
    rows["customers"].append(customer(4, "DE", "Acme Old GmbH", is_active=False))
    engine = create_engine(ledger_url)
    with engine.begin() as connection:
        insert_rows(connection, rows)
    engine.dispose()
    target = LedgerTarget(ledger_url)
    assert target.entities() == ["DE", "UK"]
    # invoice 10 (customer 2) is due 1130.50 less credit memo 40's 100.00; customer 1's memo has nothing left
    assert (target.open_ar("DE", "2"), target.open_ar("DE", "1"), target.open_ar("UK", "2")) == (
        Decimal("1030.50"),
        Decimal("0.00"),
        None,
    )
    assert [(p["invoice_id"], p["amount_due"]) for p in target.postings("DE", "1010", 9010)] == [
        (10, Decimal("1030.50"))
    ]
    assert target.postings("DE", "1010", 901) == []  # the tag is whole: harvest_invoice:9010 is not 901's
    assert [(a["application_id"], a["payment_date"], a["amount"]) for a in target.applications([10, 11])] == [
        (30, date(2026, 11, 5), Decimal("240.00")),
        (31, None, Decimal("100.00")),
    ]
    assert target.credit_memo_number("DE", "40") == "CM-40"

    rename = Correction(
        "f1", "CUSTOMER_NAME_MISMATCH", "ledger", "ledger_customers", "DE", "2", "name", "Acme Services GmbH",
        "Acme Services", "name_to_erp",
    )  # fmt: skip
    rename.correction_id = "cor_rename"
    elsewhere = replace(rename, legal_entity="UK")
    elsewhere.correction_id = "cor_elsewhere"
    assert target.current([rename, elsewhere]) == {"cor_rename": "Acme Services GmbH", "cor_elsewhere": MISSING}
    started = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
    log = SyncLog()
    outcomes = {o.correction_id: o for o in target.write([rename, elsewhere], log)}
    assert outcomes["cor_rename"].ok and not outcomes["cor_elsewhere"].ok
    assert "not in the ledger any more" in (outcomes["cor_elsewhere"].error or "")
    assert target.current([rename]) == {"cor_rename": "Acme Services"}
    renamed, untouched = target.customer("DE", "2"), target.customer("DE", "1")
    assert renamed is not None and untouched is not None
    stamped = datetime.fromisoformat(str(renamed["modified_at"]))
    assert started <= stamped <= datetime.now(UTC).replace(tzinfo=None) + timedelta(seconds=1)  # a server may round
    assert (untouched["name"], str(untouched["modified_at"])) == ("Acme GmbH", str(T0))
    assert [(entry.method, entry.url.rsplit("#", 1)[1]) for entry in log] == [
        ("UPDATE", "ledger_customers.customer_id=2"),
        ("UPDATE", "ledger_customers.customer_id=2"),
    ]

    # customer 2's parent (1) as the CRM has it: none; a parent that is not an id is refused unsent, without
    # holding back a rename of the same customer sent with it
    orphan = replace(rename, field="parent_customer_id", value_before="1", value_after=None, rule="parent_to_erp")
    orphan.correction_id = "cor_orphan"
    garbled = replace(orphan, value_after="Acme GmbH")
    garbled.correction_id = "cor_garbled"
    again = replace(rename, value_before="Acme Services", value_after="Acme Services GmbH")
    again.correction_id = "cor_again"
    assert target.current([orphan]) == {"cor_orphan": "1"}
    outcomes = {o.correction_id: o for o in target.write([garbled, again], SyncLog())}
    assert (outcomes["cor_garbled"].ok, outcomes["cor_garbled"].retryable, outcomes["cor_garbled"].error) == (
        False,
        False,
        "ledger_customers: not a parent_customer_id: 'Acme GmbH'",
    )
    assert outcomes["cor_again"].ok and target.current([again]) == {"cor_again": "Acme Services GmbH"}
    (done,) = target.write([orphan], SyncLog())
    assert done.ok and target.current([orphan]) == {"cor_orphan": None}
    # as QuickBooks refuses a ParentRef: itself, another entity's customer, an inactive one, one below it
    refusals = {
        ("2", "2"): "refused: customer 2 cannot be its own parent",
        ("2", "3"): "refused: parent 3 is no customer of DE in the ledger",
        ("2", "4"): "refused: parent 4 is an inactive customer of DE in the ledger",
        ("1", "2"): None,  # 1 above 2? not any more: 2 was made top-level above; now 1 goes below 2
        ("2", "1"): "refused: customer 2 is above 1 in the ledger: the parent would loop",
    }
    for (child, parent), refusal in refusals.items():
        adopt = replace(orphan, record_id=child, value_before=None, value_after=parent)
        adopt.correction_id = f"cor_{child}_{parent}"
        (outcome,) = target.write([adopt], SyncLog())
        assert (outcome.ok, outcome.error, outcome.retryable) == (refusal is None, refusal, False), (child, parent)
    assert [(c["customer_id"], c["parent_customer_id"]) for c in (target.customer("DE", n) for n in "124")] == [
        (1, 2),
        (2, None),
        (4, None),
    ]
