"""A firm whose DE legal entity keeps its books in the on-premises ledger (specs/ledger.md): its ERP records
are in ledger.db in the spec's tables and add up, the exported files in ledger-drop hold the same rows, the
DDL runs unchanged on MariaDB and PostgreSQL, the manifest's plants in the entity are visible in the
ledger, the runtime hands out the database's URL, and a firm without a ledger is unchanged. Ids and
amounts come from the firm's store, manifest and ledger.db."""

from __future__ import annotations

import csv
import json
import shutil
import sqlite3
import subprocess
import uuid
from collections import Counter, defaultdict
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
import sqlalchemy as sa

from sandbox import ledger
from sandbox.firm import build_sandbox
from sandbox.firm.score import pair_key
from sandbox.runtime import SandboxRuntime
from sandbox.store import SandboxStore
from tests.conftest import AS_OF
from tests.sandbox.stored import read_records

ENTITY = "DE"
CENT = Decimal("0.01")
STEERED = {
    "CUSTOMER_NAME_MISMATCH",
    "CUSTOMER_CURRENCY_MISMATCH",
    "CUSTOMER_PARENT_MISMATCH",
    "INVOICE_AMOUNT_MISMATCH",
    "INVOICE_CURRENCY_MISMATCH",
    "INVOICE_DATE_MISMATCH",
    "INVOICE_DUPLICATE",
    "INVOICE_STATUS_MISMATCH",
    "PAYMENT_NOT_REFLECTED",
    "CREDIT_MEMO_NOT_REFLECTED",
    "AR_BALANCE_MISMATCH",
}
# the spec's tables and columns, in its order
SPEC = {
    "ledger_companies": ["entity_code", "name", "home_currency", "modified_at"],
    "ledger_customers": [
        "customer_id",
        "entity_code",
        "name",
        "parent_customer_id",
        "currency",
        "is_active",
        "tax_id",
        "website",
        "external_ref",
        "modified_at",
    ],
    "ledger_invoices": [
        "invoice_id",
        "entity_code",
        "customer_id",
        "invoice_number",
        "issue_date",
        "due_date",
        "currency",
        "lines_total",
        "discount_total",
        "tax_total",
        "total",
        "amount_due",
        "status",
        "reference",
        "exchange_rate",
        "modified_at",
    ],
    "ledger_invoice_lines": [
        "invoice_id",
        "line_number",
        "item",
        "description",
        "quantity",
        "unit_price",
        "amount",
        "modified_at",
    ],
    "ledger_payments": [
        "payment_id",
        "entity_code",
        "customer_id",
        "payment_date",
        "currency",
        "amount",
        "modified_at",
    ],
    "ledger_payment_applications": [
        "application_id",
        "payment_id",
        "credit_memo_id",
        "invoice_id",
        "applied_on",
        "amount",
        "modified_at",
    ],
    "ledger_credit_memos": [
        "credit_memo_id",
        "entity_code",
        "customer_id",
        "credit_number",
        "issue_date",
        "currency",
        "total",
        "remaining",
        "modified_at",
    ],
}
DATES = {"issue_date", "due_date", "payment_date", "applied_on"}
MONEY = {
    "lines_total",
    "discount_total",
    "tax_total",
    "total",
    "amount_due",
    "amount",
    "unit_price",
    "remaining",
    "quantity",
    "exchange_rate",
}
INTEGERS = {
    "customer_id",
    "parent_customer_id",
    "invoice_id",
    "line_number",
    "payment_id",
    "application_id",
    "credit_memo_id",
}
# codes that need what the ledger lacks (project sub-customers, employees, time)
NOT_IN_LEDGER = {"TIME_BY_UNKNOWN_RESOURCE", "TIME_BILLED_STATUS_MISMATCH", "WIP_VARIANCE", "INVOICE_MISSING_IN_PSA"}


def money(value) -> Decimal:
    return Decimal(str(value)).quantize(CENT)


def read_ledger(path: Path) -> dict[str, list[dict]]:
    db = sqlite3.connect(path)
    db.row_factory = sqlite3.Row
    try:
        return {table: [dict(row) for row in db.execute(f"SELECT * FROM {table}")] for table in SPEC}
    finally:
        db.close()


def key_of(table: str, row: dict) -> tuple:
    return tuple(int(row[k]) if k in INTEGERS else row[k] for k in ledger.KEYS[table])


@pytest.fixture(scope="module")
def firm(tmp_path_factory):
    directory = tmp_path_factory.mktemp("ledger-firm")
    manifest = build_sandbox(directory, "small", as_of=AS_OF, erps={ENTITY: "ledger"})
    return directory, manifest


@pytest.fixture(scope="module")
def rows(firm):
    return read_ledger(firm[0] / ledger.DATABASE)


@pytest.fixture(scope="module")
def records(firm):
    return read_records(firm[0])


@pytest.fixture(scope="module")
def entities(firm):
    return {e["code"]: e for e in SandboxStore(firm[0] / "state.db").meta("legal_entities")}


def test_the_ledger_entity_is_in_the_ledger_database_and_in_no_other_erp(firm, rows, records, entities):
    de = entities[ENTITY]
    assert de["erp"] == "ledger" and de["realm_id"] is None and "xero_tenant_id" not in de
    others = [e for code, e in entities.items() if code != ENTITY]
    assert others and all(e["erp"] == "quickbooks" and e["realm_id"] for e in others)
    assert {tenant for system, tenant, _ in records if system == "quickbooks"} == {e["realm_id"] for e in others}
    assert not any(system == "xero" for system, _, _ in records)
    assert rows["ledger_companies"] == [
        {
            "entity_code": ENTITY,
            "name": de["name"],
            "home_currency": de["currency"],
            "modified_at": rows["ledger_companies"][0]["modified_at"],
        }
    ]
    for table in ("ledger_customers", "ledger_invoices", "ledger_payments", "ledger_credit_memos"):
        assert rows[table] and {r["entity_code"] for r in rows[table]} == {ENTITY}, table
    assert rows["ledger_invoice_lines"] and rows["ledger_payment_applications"]
    # the manifest counts each table's rows of the entity, and lists the ERPs
    ledger_counts = {k: v for k, v in firm[1].counts.items() if k.startswith("ledger/")}
    assert ledger_counts == {f"ledger/{ENTITY}/{table}": len(rows[table]) for table in SPEC}
    assert firm[1].legal_entities == list(entities.values())
    written = json.loads((firm[0] / "manifest.json").read_text())
    assert "ledger_entities" in written["conventions"]


def test_the_tables_are_the_specs_made_by_the_ddl(firm):
    db = sqlite3.connect(firm[0] / ledger.DATABASE)
    tables = {name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert tables == set(SPEC)
    for table, names in SPEC.items():
        info = list(db.execute(f"PRAGMA table_info({table})"))
        assert [row[1] for row in info] == names
        assert next(row for row in info if row[1] == "modified_at")[3] == 1  # NOT NULL
    fresh = sqlite3.connect(":memory:")
    fresh.executescript(ledger.SCHEMA.read_text())  # the DDL file as it is
    made = {row[0]: row[1] for row in fresh.execute("SELECT name, sql FROM sqlite_master")}
    assert made == {row[0]: row[1] for row in db.execute("SELECT name, sql FROM sqlite_master")}


def test_the_ledgers_documents_add_up(rows):
    home = {c["entity_code"]: c["home_currency"] for c in rows["ledger_companies"]}
    customers = {r["customer_id"]: r for r in rows["ledger_customers"]}
    invoices = {r["invoice_id"]: r for r in rows["ledger_invoices"]}
    lines = defaultdict(list)
    for line in rows["ledger_invoice_lines"]:
        assert line["invoice_id"] in invoices
        assert money(line["amount"]) == (Decimal(str(line["quantity"])) * Decimal(str(line["unit_price"]))).quantize(
            CENT
        )
        lines[line["invoice_id"]].append(line)
    applied, by_payment, by_memo = defaultdict(Decimal), defaultdict(Decimal), defaultdict(Decimal)
    for a in rows["ledger_payment_applications"]:
        assert (a["payment_id"] is None) != (a["credit_memo_id"] is None), a  # cash or credit, never both
        applied[a["invoice_id"]] += money(a["amount"])
        if a["payment_id"] is not None:
            by_payment[a["payment_id"]] += money(a["amount"])
        else:
            by_memo[a["credit_memo_id"]] += money(a["amount"])
    statuses = Counter()
    for inv in invoices.values():
        statuses[inv["status"]] += 1
        assert inv["customer_id"] in customers
        numbers = sorted(line["line_number"] for line in lines[inv["invoice_id"]])
        assert numbers == list(range(1, len(numbers) + 1)) and numbers
        assert money(inv["lines_total"]) == sum(
            (money(line["amount"]) for line in lines[inv["invoice_id"]]), Decimal(0)
        )
        assert money(inv["lines_total"]) - money(inv["discount_total"]) + money(inv["tax_total"]) == money(inv["total"])
        assert inv["due_date"] >= inv["issue_date"]
        assert (inv["exchange_rate"] is None) == (inv["currency"] == home[inv["entity_code"]])
        if inv["status"] == "voided":
            assert money(inv["amount_due"]) == 0
            continue
        if inv["status"] == "draft":  # never posted: nothing applied, all of it "due" (and counting nothing)
            assert money(inv["amount_due"]) == money(inv["total"]) and not applied[inv["invoice_id"]]
            continue
        assert applied[inv["invoice_id"]] == money(inv["total"]) - money(inv["amount_due"]), inv
        assert inv["status"] == ("paid" if money(inv["amount_due"]) == 0 else "open"), inv
    assert statuses["paid"] and statuses["open"] and statuses["draft"] and statuses["voided"]
    assert set(statuses) == {"draft", "open", "paid", "voided"}
    for payment in rows["ledger_payments"]:
        assert money(payment["amount"]) == by_payment[payment["payment_id"]]
        assert payment["customer_id"] in customers
    assert set(by_payment) == {p["payment_id"] for p in rows["ledger_payments"]}
    for memo in rows["ledger_credit_memos"]:
        assert money(memo["total"]) == by_memo[memo["credit_memo_id"]] + money(memo["remaining"])
    assert set(by_memo) == {m["credit_memo_id"] for m in rows["ledger_credit_memos"]}
    # an application's document is the invoice's customer's, in its currency
    payments = {p["payment_id"]: p for p in rows["ledger_payments"]}
    for a in rows["ledger_payment_applications"]:
        if a["payment_id"] is not None:
            inv, payment = invoices[a["invoice_id"]], payments[a["payment_id"]]
            assert (payment["customer_id"], payment["currency"]) == (inv["customer_id"], inv["currency"])
    # parents exist, and no customer is its own ancestor
    for c in customers.values():
        seen, parent = {c["customer_id"]}, c["parent_customer_id"]
        while parent is not None:
            assert parent in customers and parent not in seen
            seen.add(parent)
            parent = customers[parent]["parent_customer_id"]
    assert any(c["parent_customer_id"] for c in customers.values())  # the ledger keeps the hierarchy


def test_every_modified_at_follows_the_firms_dates(rows):
    end = datetime.combine(AS_OF, datetime.max.time())
    for table, table_rows in rows.items():
        for row in table_rows:
            moment = datetime.fromisoformat(row["modified_at"])
            assert row["modified_at"] == moment.strftime("%Y-%m-%d %H:%M:%S") and moment <= end, (table, row)
    invoices = {r["invoice_id"]: r for r in rows["ledger_invoices"]}
    for a in rows["ledger_payment_applications"]:  # an invoice is modified by what is applied to it
        assert invoices[a["invoice_id"]]["modified_at"] >= a["modified_at"]


def test_the_ledgers_records_carry_the_firms_links(rows, records):
    clients = {str(c["id"]) for c in records[("harvest", "", "clients")]}
    harvest_invoices = {str(i["id"]): i["number"] for i in records[("harvest", "", "invoices")]}
    linked = [c["external_ref"] for c in rows["ledger_customers"] if c["external_ref"]]
    assert linked and all(ref.startswith("harvest_client:") and ref.split(":", 1)[1] in clients for ref in linked)
    referenced = [i for i in rows["ledger_invoices"] if i["reference"]]
    assert referenced and any(not i["reference"] for i in rows["ledger_invoices"])  # direct invoices name none
    for inv in referenced:
        tag, _, harvest_id = inv["reference"].partition(":")
        assert tag == "harvest_invoice" and harvest_id in harvest_invoices
        number = harvest_invoices[harvest_id]
        assert inv["invoice_number"] == number or inv["invoice_number"].rsplit("-", 1)[0] == number


def test_the_crm_names_ledger_customers_and_their_open_receivable(firm, rows, records):
    customers = {c["customer_id"] for c in rows["ledger_customers"]}
    open_ar = defaultdict(Decimal)
    for inv in rows["ledger_invoices"]:
        if inv["status"] == "open":
            open_ar[inv["customer_id"]] += money(inv["amount_due"])
    stale = {f["crm_id"] for f in firm[1].findings if f["code"] == "AR_BALANCE_MISMATCH"}
    accounts = [
        a for a in records[("salesforce", "", "Account")] if (a["ERP_Customer_Id__c"] or "").startswith(f"{ENTITY}:")
    ]
    assert accounts
    for account in accounts:
        customer_id = int(account["ERP_Customer_Id__c"].split(":", 1)[1])
        assert customer_id in customers
        if account["Open_AR__c"] is not None and account["Id"] not in stale:
            assert money(account["Open_AR__c"]) == open_ar[customer_id], account["Name"]


def _from_csv(name: str, text: str):
    if text == "":
        return None
    if name == "modified_at":
        return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").strftime("%Y-%m-%d %H:%M:%S")
    if name == "is_active":
        assert text in ("true", "false")
        return int(text == "true")
    if name in INTEGERS:
        return int(text)
    if name in MONEY:
        return Decimal(text)
    return text


def _from_xlsx(name: str, value):
    if value is None:
        return None
    if name == "modified_at":
        assert isinstance(value, datetime)
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if name in DATES:
        assert isinstance(value, date)
        return value.strftime("%Y-%m-%d")
    if name == "is_active":
        assert isinstance(value, bool)
        return int(value)
    if name in MONEY:
        return Decimal(str(value))
    if name in INTEGERS:
        return int(value)
    assert isinstance(value, str), (name, value)
    return value


def _normal(name: str, value):
    """A ledger.db value as the files' are compared: decimals as Decimal, the rest as stored."""
    if value is None:
        return None
    if name in MONEY:
        return Decimal(str(value))
    return value


def test_the_drop_files_hold_the_same_rows_as_the_database(firm, rows):
    folder = firm[0] / ledger.DROP
    files = sorted(p.name for p in folder.iterdir())
    expected = sorted(
        f"{table}-{AS_OF.isoformat()}.{'xlsx' if table in ('ledger_customers', 'ledger_invoices') else 'csv'}"
        for table in SPEC
    )
    assert files == expected
    for table, names in SPEC.items():
        path = next(folder.glob(f"{table}-*"))
        if path.suffix == ".csv":
            with path.open(newline="", encoding="utf-8") as f:
                header, *body = list(csv.reader(f))
            exported = [{n: _from_csv(n, v) for n, v in zip(header, row, strict=True)} for row in body]
        else:
            book = openpyxl.load_workbook(path, read_only=True)
            header, *body = list(book.worksheets[0].iter_rows(values_only=True))
            exported = [{n: _from_xlsx(n, v) for n, v in zip(header, row, strict=True)} for row in body]
        assert list(header) == names, table
        stored = [{n: _normal(n, v) for n, v in row.items()} for row in rows[table]]
        by_key = {key_of(table, row): row for row in stored}
        assert len(exported) == len(stored) == len(by_key), table
        for row in exported:
            assert row == by_key[key_of(table, row)], (table, row)


def test_the_ledger_is_the_same_on_a_rebuild(firm, tmp_path):
    build_sandbox(tmp_path, "small", as_of=AS_OF, erps={ENTITY: "ledger"})
    for name in [ledger.DATABASE, *(f"{ledger.DROP}/{p.name}" for p in (firm[0] / ledger.DROP).iterdir())]:
        assert (tmp_path / name).read_bytes() == (firm[0] / name).read_bytes(), name


def test_the_manifests_plants_in_the_ledger_entity_are_visible_in_the_ledger(firm, rows, records):
    findings = [f for f in firm[1].findings if f["legal_entity"] == ENTITY]
    codes = {f["code"] for f in findings}
    assert not codes & NOT_IN_LEDGER
    assert all(f["legal_entity"] != ENTITY for f in firm[1].findings if f["code"] in NOT_IN_LEDGER)
    assert NOT_IN_LEDGER & firm[1].codes()  # planted, in the QuickBooks entities
    customers = {c["customer_id"]: c for c in rows["ledger_customers"]}
    invoices = {i["invoice_id"]: i for i in rows["ledger_invoices"]}
    memos = {m["credit_memo_id"]: m for m in rows["ledger_credit_memos"]}
    by_reference = defaultdict(list)
    for inv in invoices.values():
        by_reference[inv["reference"]].append(inv)
    in_erp = [f for f in findings if f["erp_id"]]
    for f in in_erp:
        code, _, own = f["erp_id"].partition(":")
        assert code == ENTITY and int(own) in customers | invoices | memos or f["code"] == "CUSTOMER_MISSING_IN_ERP", f
    # a firm with a ledger entity steers one subject of each plant there: every code the ledger shows lands
    # in it (the parent mismatch too, since the ERP's orphan, left unsteered, took another entity's holding)
    assert STEERED <= {f["code"] for f in in_erp}
    psa_names = {str(c["id"]): c["name"] for c in records[("harvest", "", "clients")]}
    crm_parent = {a["Id"]: a["ParentId"] for a in records[("salesforce", "", "Account")] if a["ERP_Customer_Id__c"]}
    for f in findings:
        own = int(f["erp_id"].split(":", 1)[1]) if f["erp_id"] else None
        code = f["code"]
        if code == "CUSTOMER_MISSING_IN_ERP":
            assert own not in customers
            assert all(c["external_ref"] != f"harvest_client:{f['psa_id']}" for c in customers.values())
        elif code == "CUSTOMER_NAME_MISMATCH":  # the ledger's name is the planted one, else Harvest's is
            assert customers[own]["name"] == f["actual_value"] or psa_names[f["psa_id"]] == f["actual_value"]
        elif code == "CUSTOMER_PARENT_MISMATCH":
            parent = customers[own]["parent_customer_id"]
            assert f["actual_value"] == (f"{ENTITY}:{parent}" if parent else None)
            assert f["expected_value"] == crm_parent[f["crm_id"]] and f["actual_value"] != f["expected_value"]
        elif code == "HIERARCHY_ORPHAN" and own is not None:
            parent = customers[customers[own]["parent_customer_id"]]
            assert not parent["is_active"]
        elif code == "INVOICE_MISSING_IN_ERP":
            assert not by_reference[f"harvest_invoice:{f['psa_id']}"]
        elif code == "INVOICE_AMOUNT_MISMATCH":
            assert money(invoices[own]["total"]) == Decimal(f["actual_value"]) != Decimal(f["expected_value"])
        elif code == "INVOICE_CURRENCY_MISMATCH":
            assert invoices[own]["currency"] == f["actual_value"] and invoices[own]["exchange_rate"] is not None
        elif code == "INVOICE_DATE_MISMATCH":
            assert invoices[own]["issue_date"] == f["actual_value"] != f["expected_value"]
        elif code == "INVOICE_DUPLICATE":
            twins = by_reference[f"harvest_invoice:{f['psa_id']}"]
            assert len([t for t in twins if t["status"] != "voided"]) == 2 and own in {t["invoice_id"] for t in twins}
            assert {t["invoice_number"] for t in twins} == {f["document_number"]}
        elif code == "INVOICE_STATUS_MISMATCH":
            status = invoices[own]["status"]
            assert status == ("voided" if f["actual_value"] == "voided" else "open"), f
        elif code == "PAYMENT_NOT_REFLECTED":
            assert money(invoices[own]["amount_due"]) == Decimal(f["expected_value"])
        elif code == "CREDIT_MEMO_NOT_REFLECTED":
            assert memos[own]["credit_number"] == f["document_number"]
        elif code in ("CUSTOMER_DUPLICATE", "CUSTOMER_UNLINKED_MATCH") and any(
            p.startswith("ledger:") for p in f.get("pair", [])
        ):
            ids = [int(p.rsplit(":", 1)[1]) for p in f["pair"] if p.startswith("ledger:")]
            assert all(i in customers for i in ids)
            assert pair_key(f["pair"])  # the scorer knows the ledger as an ERP


def test_a_second_mix_xero_ledger_and_hubspot(tmp_path):
    manifest = build_sandbox(
        tmp_path, "small", as_of=AS_OF, erps={"UK": "xero", ENTITY: "ledger"}, crms={ENTITY: "hubspot"}
    )
    store = SandboxStore(tmp_path / "state.db")
    rows = {e["code"]: e for e in store.meta("legal_entities")}
    assert (rows["UK"]["erp"], rows[ENTITY]["erp"], rows[ENTITY]["crm"]) == ("xero", "ledger", "hubspot")
    ledger_rows = read_ledger(tmp_path / ledger.DATABASE)
    customers = {c["customer_id"] for c in ledger_rows["ledger_customers"]}
    records = read_records(tmp_path)
    portal = rows[ENTITY]["hubspot_portal_id"]
    named = [
        c["properties"]["erp_customer_id"]
        for c in records[("hubspot", portal, "companies")]
        if c["properties"].get("erp_customer_id")
    ]
    assert named and all(n.startswith(f"{ENTITY}:") and int(n.split(":", 1)[1]) in customers for n in named)
    assert any(system == "xero" for system, _, _ in records)
    assert {c["entity_code"] for c in ledger_rows["ledger_companies"]} == {ENTITY}
    assert all(f["legal_entity"] != ENTITY for f in manifest.findings if f["code"] in NOT_IN_LEDGER)
    conventions = manifest.conventions()
    assert "xero_entities" in conventions and "ledger_entities" in conventions and "hubspot_units" in conventions


def test_one_ledger_database_holds_several_entities(tmp_path):
    manifest = build_sandbox(tmp_path, "small", as_of=AS_OF, erps={"UK": "ledger", ENTITY: "ledger"})
    rows = read_ledger(tmp_path / ledger.DATABASE)  # the primary keys held: no two entities share a key
    assert [c["entity_code"] for c in rows["ledger_companies"]] == ["DE", "UK"]
    for table in ("ledger_customers", "ledger_invoices", "ledger_payments"):
        per_entity = Counter(r["entity_code"] for r in rows[table])
        assert set(per_entity) == {"UK", ENTITY}
        assert all(manifest.counts[f"ledger/{code}/{table}"] == n for code, n in per_entity.items())


def test_a_clean_ledger_firm_plants_nothing(tmp_path):
    manifest = build_sandbox(tmp_path, "small", as_of=AS_OF, clean=True, erps={ENTITY: "ledger"})
    assert manifest.clean and manifest.findings == []
    rows = read_ledger(tmp_path / ledger.DATABASE)
    statuses = Counter(i["status"] for i in rows["ledger_invoices"])
    assert statuses["paid"] and statuses["open"] and "voided" not in statuses
    # the ledger's one draft (never posted, no finding) is there in the clean firm too, as an edge case
    drafts = [i for i in rows["ledger_invoices"] if i["status"] == "draft"]
    assert len(drafts) == 1 and drafts[0]["reference"] is None and drafts[0]["issue_date"] == AS_OF.isoformat()
    edge = [e for e in manifest.edge_cases if e["kind"] == "draft_invoice"]
    assert edge == [
        {
            "kind": "draft_invoice",
            "erp_id": f"{ENTITY}:{drafts[0]['invoice_id']}",
            "document_number": drafts[0]["invoice_number"],
            "note": edge[0]["note"],
        }
    ]


def test_the_runtime_hands_out_the_ledger_database(firm, tmp_path):
    runtime = SandboxRuntime(firm[0], SandboxStore(firm[0] / "state.db"), {})
    url = runtime.base_url("ledger")
    assert url == f"sqlite:///{(firm[0] / ledger.DATABASE).resolve()}" and url.startswith("sqlite:////")
    assert runtime.credentials("ledger") == {} and runtime.has_ledger()
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            n = connection.execute(
                sa.text("SELECT COUNT(*) FROM ledger_invoices WHERE entity_code = :e"), {"e": ENTITY}
            )
            assert n.scalar_one() == firm[1].counts[f"ledger/{ENTITY}/ledger_invoices"]
    finally:
        engine.dispose()
    # a firm without a ledger serves none
    build_sandbox(tmp_path, "small", as_of=AS_OF)
    plain = SandboxRuntime(tmp_path, SandboxStore(tmp_path / "state.db"), {})
    assert not plain.has_ledger()
    with pytest.raises(KeyError):
        plain.base_url("ledger")
    with pytest.raises(KeyError):
        plain.credentials("ledger")


def test_a_firm_without_a_ledger_writes_none_and_is_unchanged(tmp_path):
    default, none = tmp_path / "default", tmp_path / "none"
    manifest = build_sandbox(default, "small", as_of=AS_OF)
    # a ledger firm built first in the same directory leaves nothing behind
    build_sandbox(none, "small", as_of=AS_OF, erps={ENTITY: "ledger"})
    build_sandbox(none, "small", as_of=AS_OF, erps={})
    assert (default / "manifest.json").read_bytes() == (none / "manifest.json").read_bytes()
    assert read_records(default) == read_records(none)
    assert not (none / ledger.DATABASE).exists() and not (none / ledger.DROP).exists()
    written = json.loads((default / "manifest.json").read_text())
    assert "ledger_entities" not in written["conventions"]
    assert not any(k.startswith("ledger/") for k in manifest.counts)
    assert all(e["erp"] == "quickbooks" for e in SandboxStore(default / "state.db").meta("legal_entities"))


def test_the_command_line_puts_an_entity_on_the_ledger(tmp_path, capsys):
    from sandbox.cli import main

    assert main(["build", "--size", "small", "--dir", str(tmp_path), "--erp", f"{ENTITY}=ledger"]) == 0
    rows = {e["code"]: e for e in SandboxStore(tmp_path / "state.db").meta("legal_entities")}
    assert rows[ENTITY]["erp"] == "ledger" and (tmp_path / ledger.DATABASE).exists()
    assert main(["build", "--size", "small", "--dir", str(tmp_path), "--cutover", f"{ENTITY}=ledger"]) == 2


# -- the DDL on the servers tieout's deployments use -------------------------------------------------------


def _literal(value) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, int | float):
        return repr(value)
    return "'" + str(value).replace("\\", "\\\\").replace("'", "''") + "'"


def _inserts(rows: dict[str, list[dict]]) -> list[str]:
    return [
        f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join(_literal(row[n]) for n in names)})"
        for table, names in SPEC.items()
        for row in rows[table]
    ]


def _totals(fetch) -> tuple:
    """What both databases must give back: each table's count and the invoices' money."""
    counts = tuple(fetch(f"SELECT COUNT(*) FROM {table}")[0] for table in SPEC)
    money_ = fetch("SELECT SUM(total), SUM(amount_due), SUM(lines_total) FROM ledger_invoices")
    return counts, tuple(Decimal(str(v)).quantize(CENT) for v in money_)


def _expected(rows) -> tuple:
    counts = tuple(len(rows[table]) for table in SPEC)
    sums = tuple(
        sum((money(i[c]) for i in rows["ledger_invoices"]), Decimal(0)) for c in ("total", "amount_due", "lines_total")
    )
    return counts, sums


def test_the_ddl_runs_unchanged_on_mariadb(rows):
    name = f"ledger_{uuid.uuid4().hex[:12]}"
    try:
        import pymysql  # type: ignore[import-untyped]
    except ImportError:
        pymysql = None
    if pymysql is not None:
        try:
            connection = pymysql.connect(host="127.0.0.1", port=3306, user="root", password="", database="test")
        except pymysql.err.OperationalError as exc:
            pytest.skip(f"no MariaDB at 127.0.0.1:3306: {exc}")
        try:
            with connection.cursor() as cursor:
                cursor.execute(f"CREATE DATABASE {name}")
                cursor.execute(f"USE {name}")
                for statement in ledger.statements():
                    cursor.execute(statement)
                for statement in _inserts(rows):
                    cursor.execute(statement)
                connection.commit()

                def fetch(sql):
                    cursor.execute(sql)
                    return cursor.fetchone()

                assert _totals(fetch) == _expected(rows)
        finally:
            with connection.cursor() as cursor:
                cursor.execute(f"DROP DATABASE IF EXISTS {name}")
            connection.close()
        return
    client = shutil.which("mariadb") or shutil.which("mysql")
    if client is None:
        pytest.skip("neither pymysql nor the mariadb client is installed")
    base = [client, "-h", "127.0.0.1", "-P", "3306", "-u", "root", "--batch", "--skip-column-names"]
    if subprocess.run([*base, "-e", "SELECT 1", "test"], capture_output=True).returncode != 0:
        pytest.skip("no MariaDB at 127.0.0.1:3306")
    subprocess.run([*base, "-e", f"CREATE DATABASE {name}", "test"], check=True, capture_output=True)
    try:
        # the DDL file exactly as it is, through the client's own statement splitting
        ddl = subprocess.run([*base, name], input=ledger.SCHEMA.read_text(), text=True, capture_output=True)
        assert ddl.returncode == 0, ddl.stderr
        loaded = subprocess.run([*base, name], input=";\n".join(_inserts(rows)) + ";\n", text=True, capture_output=True)
        assert loaded.returncode == 0, loaded.stderr

        def fetch(sql):
            out = subprocess.run([*base, "-e", sql, name], check=True, capture_output=True, text=True).stdout
            return out.strip().split("\t")

        counts, sums = _totals(lambda sql: [int(v) if "COUNT" in sql else v for v in fetch(sql)])
        assert (counts, sums) == _expected(rows)
        columns = fetch(
            "SELECT GROUP_CONCAT(COLUMN_NAME ORDER BY ORDINAL_POSITION) FROM information_schema.COLUMNS "
            f"WHERE TABLE_SCHEMA = '{name}' AND TABLE_NAME = 'ledger_invoices'"
        )
        assert columns[0].split(",") == SPEC["ledger_invoices"]
    finally:
        subprocess.run([*base, "-e", f"DROP DATABASE IF EXISTS {name}", "test"], capture_output=True)


def test_the_ddl_runs_unchanged_on_postgresql(rows):
    psycopg2 = pytest.importorskip("psycopg2")
    try:
        connection = psycopg2.connect(host="127.0.0.1", port=5432, dbname="test", user="postgres", connect_timeout=5)
    except psycopg2.OperationalError as exc:
        pytest.skip(f"no PostgreSQL at 127.0.0.1:5432: {exc}")
    name = f"ledger_{uuid.uuid4().hex[:12]}"
    try:
        with connection.cursor() as cursor:
            cursor.execute(f"CREATE SCHEMA {name}")
            cursor.execute(f"SET search_path TO {name}")
            cursor.execute(ledger.SCHEMA.read_text())  # the DDL file exactly as it is, in one go
            booleans = {"is_active"}
            for table, names in SPEC.items():
                marks = ", ".join("%s" for _ in names)
                cursor.executemany(
                    f"INSERT INTO {table} ({', '.join(names)}) VALUES ({marks})",
                    [[bool(row[n]) if n in booleans else row[n] for n in names] for row in rows[table]],
                )

            def fetch(sql):
                cursor.execute(sql)
                return cursor.fetchone()

            assert _totals(fetch) == _expected(rows)
            cursor.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_schema = %s AND table_name = %s "
                "ORDER BY ordinal_position",
                (name, "ledger_invoices"),
            )
            assert [r[0] for r in cursor.fetchall()] == SPEC["ledger_invoices"]
        connection.rollback()
    finally:
        connection.rollback()
        with connection.cursor() as cursor:
            cursor.execute(f"DROP SCHEMA IF EXISTS {name} CASCADE")
        connection.commit()
        connection.close()
