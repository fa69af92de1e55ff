"""The sandbox firm: deterministic, every finding code planted, clean records tie out by the conventions."""

import hashlib
import json
import re
import time
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from sandbox.firm import build_sandbox
from sandbox.store import SandboxStore
from sql.customer_name import normalized

AS_OF = date(2026, 11, 20)


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    directory = tmp_path_factory.mktemp("small")
    started = time.perf_counter()
    manifest = build_sandbox(directory, "small")
    return directory, manifest, time.perf_counter() - started


@pytest.fixture(scope="module")
def records(small):
    """Every stored record as {(system, tenant, object): [payload, ...]} in listing order."""
    store = SandboxStore(small[0] / "state.db")
    by_key = defaultdict(list)
    for system, tenant, obj, payload in store._db().execute(
        "SELECT system, tenant, object, payload FROM records ORDER BY system, tenant, object, seq"
    ):
        by_key[(system, tenant, obj)].append(json.loads(payload))
    return by_key


REPO = Path(__file__).resolve().parents[2]


def planted(manifest, code, key="psa_id"):
    return {f[key] for f in manifest.findings if f["code"] == code}


def qbo(records, obj):
    return [r for (system, _, o), rows in records.items() if system == "quickbooks" and o == obj for r in rows]


def store_digest(path):
    rows = (
        SandboxStore(path)
        ._db()
        .execute(
            "SELECT system, tenant, object, id, seq, updated_at, payload FROM records ORDER BY system, tenant, object, id"
        )
    )
    return hashlib.sha256(json.dumps(list(rows)).encode()).hexdigest()


def test_same_inputs_give_identical_state_and_manifest(small, tmp_path):
    again = build_sandbox(tmp_path, "small")
    assert (tmp_path / "manifest.json").read_bytes() == (small[0] / "manifest.json").read_bytes()
    assert again.to_json() == small[1].to_json()
    assert store_digest(tmp_path / "state.db") == store_digest(small[0] / "state.db")


def test_another_seed_gives_another_firm(small, tmp_path):
    build_sandbox(tmp_path, "small", seed=7)
    assert store_digest(tmp_path / "state.db") != store_digest(small[0] / "state.db")


# Codes of an ERP cutover are planted where an entity is mid-cutover: the mixed firm
# (tests/reconciliation/test_mixed_firm.py, tests/sandbox/test_cutover_firm.py), not this one.
NEEDS_A_CUTOVER = {"INVOICE_POSTED_IN_BOTH_ERPS", "OPEN_ITEM_NOT_MIGRATED"}


def test_every_finding_code_is_planted(small, code_categories):
    documented = set(code_categories)
    reconciled = {path.stem.upper() for path in (REPO / "sql" / "reconciliation").glob("*/*.sql")}
    assert documented - reconciled == set()
    codes = documented - NEEDS_A_CUTOVER
    assert len(codes) >= 30
    counts = defaultdict(int)
    for finding in small[1].findings:
        counts[finding["code"]] += 1
    assert {code for code in codes if counts[code] < 1} == set()
    assert all(
        set(f)
        >= {
            "code",
            "legal_entity",
            "crm_id",
            "psa_id",
            "erp_id",
            "document_number",
            "currency",
            "expected_value",
            "actual_value",
            "amount_difference",
            "note",
        }
        for f in small[1].findings
    )


def test_small_size_is_quick_and_roughly_sized(small):
    _, manifest, seconds = small
    assert seconds < 5
    assert 1000 <= manifest.counts["harvest//time_entries"] <= 2500
    assert 20 <= manifest.counts["salesforce//Account"] <= 80


def test_store_meta_describes_the_firm(small):
    store = SandboxStore(small[0] / "state.db")
    harvest = store.meta("credentials")["harvest"]
    assert harvest == {
        "account_id": "1000001",
        "access_token": "sandbox-harvest-token",
        "client_id": "sandbox-harvest-client",
        "client_secret": "sandbox-harvest-secret",
        "refresh_token": harvest["connected_with"],  # new with each build
        "connected_with": harvest["refresh_token"],
    }
    assert harvest["refresh_token"].startswith("sandbox-harvest-refresh-")
    assert [e["code"] for e in store.meta("legal_entities")] == ["US", "UK", "DE"]
    assert store.meta("as_of") == "2026-11-20" and store.meta("size") == "small"
    assert store.count("harvest", "", "time_entries") == small[1].counts["harvest//time_entries"]


def test_updated_at_column_equals_payload_timestamp(small):
    store = SandboxStore(small[0] / "state.db")
    for system, _tenant, obj, updated, payload in store._db().execute(
        "SELECT system, tenant, object, updated_at, payload FROM records"
    ):
        payload = json.loads(payload)
        own = (
            payload.get("updated_at")
            or payload.get("SystemModstamp")
            or payload.get("MetaData", {}).get("LastUpdatedTime")
        )
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", updated)
        assert updated[:10] <= "2026-11-20", (system, obj)
        if system == "harvest":
            assert own == updated


def test_posted_invoices_tie_out(small, records):
    manifest = small[1]
    by_note = defaultdict(list)
    for inv in qbo(records, "Invoice"):
        if reference := re.search(r"harvest_invoice:(\d+)", inv.get("PrivateNote", "")):
            by_note[reference.group(1)].append(inv)
    touched = set().union(
        *(
            planted(manifest, c)
            for c in (
                "INVOICE_MISSING_IN_ERP",
                "INVOICE_AMOUNT_MISMATCH",
                "INVOICE_CURRENCY_MISMATCH",
                "INVOICE_DATE_MISMATCH",
                "INVOICE_DUPLICATE",
                "INVOICE_STATUS_MISMATCH",
                "PAYMENT_NOT_REFLECTED",
                "CREDIT_MEMO_NOT_REFLECTED",
            )
        )
    )
    invoices = records[("harvest", "", "invoices")]
    assert {str(i["id"]) for i in invoices if not by_note[str(i["id"])]} == planted(manifest, "INVOICE_MISSING_IN_ERP")
    for inv in invoices:
        postings = by_note[str(inv["id"])]
        if str(inv["id"]) in touched:
            continue
        assert all(p["DocNumber"] == inv["number"] or p["DocNumber"].startswith(inv["number"] + "-") for p in postings)
        assert round(sum(p["TotalAmt"] for p in postings), 2) == inv["amount"]
        assert {p["TxnDate"] for p in postings} == {inv["issue_date"]}
        assert {p["CurrencyRef"]["value"] for p in postings} == {inv["currency"]}
        assert round(sum(p["Balance"] for p in postings), 2) == inv["due_amount"]
        assert (inv["state"] == "open") == (inv["due_amount"] > 0)
        for p in postings:
            assert (
                round(
                    qbo_lines(p, "SalesItemLineDetail")
                    - qbo_lines(p, "DiscountLineDetail")
                    + p["TxnTaxDetail"]["TotalTax"],
                    2,
                )
                == p["TotalAmt"]
            )


def qbo_lines(invoice, detail_type):
    return sum(line["Amount"] for line in invoice["Line"] if line["DetailType"] == detail_type)


def test_uk_and_de_invoices_charge_vat_after_any_discount(records):
    """VAT at the legal entity's rate (UK 20%, DE 19%, none in the US) on the lines less the discount,
    which some invoices carry: Harvest's amount and QuickBooks' TotalAmt both include it."""
    rate = {"USD": None, "GBP": 20.0, "EUR": 19.0}
    invoices = records[("harvest", "", "invoices")]
    for inv in invoices:
        lines = sum(Decimal(str(line["amount"])) for line in inv["line_items"])
        net = lines - Decimal(str(inv["discount_amount"]))
        assert inv["tax"] == rate[inv["currency"]]
        assert Decimal(str(inv["tax_amount"])) == (net * Decimal(str(inv["tax"] or 0)) / 100).quantize(Decimal("0.01"))
        assert Decimal(str(inv["amount"])) == net + Decimal(str(inv["tax_amount"]))
    assert {inv["currency"] for inv in invoices if inv["discount"]} == set(rate)
    country = {tenant: rows[0]["Country"] for (system, tenant, obj), rows in records.items() if obj == "CompanyInfo"}
    assert {
        country[tenant]
        for (system, tenant, obj), rows in records.items()
        if obj == "Invoice"
        for p in rows
        if p["TxnTaxDetail"]["TotalTax"]
    } == {"GB", "DE"}


def test_cash_in_quickbooks_is_reflected_in_harvest(small, records):
    manifest = small[1]
    invoice_of = {(t, inv["Id"]): inv for (s, t, o), rows in records.items() if o == "Invoice" for inv in rows}
    paid = defaultdict(Decimal)
    for (_, tenant, obj), rows in records.items():
        for payment in rows if obj == "Payment" else []:
            for line in payment["Line"] if payment["TotalAmt"] else []:
                target = invoice_of[(tenant, line["LinkedTxn"][0]["TxnId"])]
                paid[target.get("PrivateNote", "")] += Decimal(str(line["Amount"]))
    skip = planted(manifest, "PAYMENT_NOT_REFLECTED") | planted(manifest, "INVOICE_STATUS_MISMATCH")
    harvest_paid = defaultdict(Decimal)
    for payment in records[("harvest", "", "invoice_payments")]:
        harvest_paid[f"harvest_invoice:{payment['_invoice_id']}"] += Decimal(str(payment["amount"]))
    for inv in records[("harvest", "", "invoices")]:
        note = f"harvest_invoice:{inv['id']}"
        if str(inv["id"]) not in skip | planted(manifest, "INVOICE_MISSING_IN_ERP"):
            assert harvest_paid[note] == paid[note], inv["number"]


def test_approved_billable_time_is_invoiced_and_copied(small, records):
    manifest = small[1]
    copies = {
        ta["Description"].split(":")[1]: ta
        for ta in qbo(records, "TimeActivity")
        if ta["Description"].startswith("harvest_time_entry:")
    }
    aged, status = planted(manifest, "UNBILLED_TIME_AGED"), planted(manifest, "TIME_BILLED_STATUS_MISMATCH")
    for entry in records[("harvest", "", "time_entries")]:
        key = str(entry["id"])
        if not (entry["billable"] and entry["is_closed"]):
            assert key not in copies
            continue
        old = date.fromisoformat(entry["spent_date"]) < AS_OF - timedelta(days=30)
        assert entry["is_billed"] or not old or key in aged
        ta = copies[key]
        assert ta["HourlyRate"] == entry["billable_rate"]
        assert ta["Hours"] + ta["Minutes"] / 60 == entry["hours"]
        expected = "HasBeenBilled" if entry["is_billed"] and key not in status else "Billable"
        assert ta["BillableStatus"] == expected


def test_rates_follow_the_rate_card(small, records):
    manifest = small[1]
    projects = {p["id"]: p for p in records[("harvest", "", "projects")]}
    card = {
        (a["project"]["id"], a["user"]["id"]): a["hourly_rate"] for a in records[("harvest", "", "user_assignments")]
    }
    for entry in records[("harvest", "", "time_entries")]:
        if entry["billable"] and str(entry["id"]) not in planted(manifest, "TIME_RATE_MISMATCH"):
            project = projects[entry["project"]["id"]]
            rate = (
                project["hourly_rate"]
                if project["bill_by"] == "Project"
                else card[(project["id"], entry["user"]["id"])]
            )
            assert entry["billable_rate"] == rate


def test_customer_links_and_hierarchy(small, records):
    accounts = records[("salesforce", "", "Account")]
    by_id = {a["Id"]: a for a in accounts}
    clients = {str(c["id"]): c for c in records[("harvest", "", "clients")]}
    realms = {e["code"]: e["realm_id"] for e in small[1].legal_entities}
    customers = {(t, c["Id"]): c for (s, t, o), rows in records.items() if o == "Customer" for c in rows}
    planted_ids = {f["crm_id"] for f in small[1].findings}
    for account in accounts:
        if account["Id"] in planted_ids or not account["ERP_Customer_Id__c"]:
            continue
        entity, qbo_id = account["ERP_Customer_Id__c"].split(":")
        erp = customers[(realms[entity], qbo_id)]
        assert account["Legal_Entity__c"] == entity and erp["CurrencyRef"]["value"] == account["CurrencyIsoCode"]
        parent = by_id.get(account["ParentId"]) if account["ParentId"] else None
        assert (parent and parent["ERP_Customer_Id__c"].split(":")[1]) == (erp.get("ParentRef") or {}).get("value")
        if account["PSA_Client_Id__c"]:
            assert clients[account["PSA_Client_Id__c"]]["currency"] == account["CurrencyIsoCode"]
    for (_tenant, _), c in customers.items():
        if c.get("ParentRef") and not c["IsProject"]:
            assert c["Level"] >= 1
        if c["IsProject"]:
            assert c["Notes"].startswith("harvest_project:")


def test_won_opportunities_have_projects_coded_with_their_id(small, records):
    manifest = small[1]
    projects = {str(p["id"]): p for p in records[("harvest", "", "projects")]}
    missing = planted(manifest, "OPPORTUNITY_WITHOUT_PROJECT", "crm_id")
    edge = {e.get("crm_id") for e in manifest.edge_cases}
    for opp in records[("salesforce", "", "Opportunity")]:
        if opp["IsWon"] and opp["Id"] not in missing | edge:
            assert projects[opp["PSA_Project_Id__c"]]["code"] == opp["Id"]


def test_wip_variance_is_exactly_the_projects_whose_wip_differs(small, records):
    psa, erp = defaultdict(Decimal), defaultdict(Decimal)
    for e in records[("harvest", "", "time_entries")]:
        if e["billable"] and e["is_closed"] and not e["is_billed"]:
            psa[str(e["project"]["id"])] += Decimal(str(e["hours"])) * Decimal(str(e["billable_rate"]))
    project_of = {
        (t, c["Id"]): c["Notes"].split(":")[1]
        for (_, t, o), rows in records.items()
        if o == "Customer"
        for c in rows
        if c["IsProject"]
    }
    for (_, tenant, obj), rows in records.items():
        for ta in rows if obj == "TimeActivity" else []:
            if ta["BillableStatus"] == "Billable":
                hours = Decimal(ta["Hours"]) + Decimal(ta["Minutes"]) / 60
                erp[project_of[(tenant, ta["CustomerRef"]["value"])]] += hours * Decimal(str(ta["HourlyRate"]))
    differing = {p for p in psa.keys() | erp.keys() if abs(psa[p] - erp[p]) > Decimal("0.01")}
    assert differing and differing == planted(small[1], "WIP_VARIANCE")


def test_malformed_records_are_listed_with_their_rule(small, records):
    manifest = small[1]
    rules = {m["rule"] for m in manifest.malformed}
    assert {
        "id_missing",
        "id_duplicate",
        "hours_out_of_range",
        "date_in_future",
        "currency_unknown",
        "reference_unresolved",
        "invoice_lines_do_not_sum",
        "status_not_in_enum",
    } <= rules
    assert {m["rule"] for m in manifest.warnings} == {"money_precision", "parent_level_wrong"}
    entries = records[("harvest", "", "time_entries")]
    bad_hours = {m["record_id"] for m in manifest.malformed if m["rule"] == "hours_out_of_range"}
    assert {str(e["id"]) for e in entries if not 0 < e["hours"] <= 24} == bad_hours
    assert sum(1 for e in entries if e["id"] is None) == sum(1 for m in manifest.malformed if m["rule"] == "id_missing")


def test_clean_customers_agree_across_systems(small, records):
    manifest = small[1]
    realms = {e["code"]: e["realm_id"] for e in manifest.legal_entities}
    clients = {str(c["id"]): c for c in records[("harvest", "", "clients")]}
    customers = {(t, c["Id"]): c for (s, t, o), rows in records.items() if o == "Customer" for c in rows}
    touched = {f["crm_id"] for f in manifest.findings if f["code"].startswith(("CUSTOMER_", "AR_", "LEGAL_"))}
    for account in records[("salesforce", "", "Account")]:
        if account["Id"] in touched:
            continue
        if account["PSA_Client_Id__c"]:
            client = clients[account["PSA_Client_Id__c"]]
            assert normalized(client["name"]) == normalized(account["Name"]) and client["is_active"]
        if account["ERP_Customer_Id__c"]:
            entity, qbo_id = account["ERP_Customer_Id__c"].split(":")
            erp = customers[(realms[entity], qbo_id)]
            assert normalized(erp["DisplayName"]) == normalized(account["Name"])
            projects = [
                c
                for (t, _), c in customers.items()
                if t == realms[entity] and c["IsProject"] and c["ParentRef"]["value"] == qbo_id
            ]
            assert erp["Active"] or (not projects and erp["Balance"] == 0)  # an idle holding may be archived
            assert account["Open_AR__c"] == round(erp["Balance"] + sum(p["Balance"] for p in projects), 2)


def test_clean_engagements_match_their_opportunities(small, records):
    manifest = small[1]
    accounts = {a["Id"]: a for a in records[("salesforce", "", "Account")]}
    projects = {str(p["id"]): p for p in records[("harvest", "", "projects")]}
    touched = {f["crm_id"] for f in manifest.findings}
    for opp in records[("salesforce", "", "Opportunity")]:
        if not opp["PSA_Project_Id__c"] or opp["Id"] in touched:
            continue
        project = projects[opp["PSA_Project_Id__c"]]
        value = project["fee"] if project["is_fixed_fee"] else project["budget"]
        assert value == opp["Amount"]
        assert project["is_fixed_fee"] == (opp["Billing_Model__c"] == "Fixed Fee")
        assert str(project["client"]["id"]) == accounts[opp["AccountId"]]["PSA_Client_Id__c"]
    coded = {p["code"] for p in projects.values() if p["is_billable"]}
    assert None not in coded - {None} and len(coded - {None}) > 10


def test_no_time_after_an_archived_projects_end_unless_planted(small, records):
    ended = {p["id"]: p["ends_on"] for p in records[("harvest", "", "projects")] if not p["is_active"]}
    late = {
        str(e["id"])
        for e in records[("harvest", "", "time_entries")]
        if e["project"]["id"] in ended and e["spent_date"] > ended[e["project"]["id"]]
    }
    assert late == planted(small[1], "TIME_ON_INACTIVE_PROJECT")


def test_billable_expenses_are_rebilled_unless_planted(small, records):
    stale = {
        str(x["id"])
        for x in records[("harvest", "", "expenses")]
        if x["billable"] and not x["is_billed"] and date.fromisoformat(x["spent_date"]) < AS_OF - timedelta(days=30)
    }
    assert stale == planted(small[1], "UNBILLED_EXPENSE_AGED")


def test_people_with_time_are_employees(small, records):
    emails = {e["PrimaryEmailAddr"]["Address"].lower() for e in qbo(records, "Employee")}
    users = {u["id"]: u for u in records[("harvest", "", "users")]}
    working = {e["user"]["id"] for e in records[("harvest", "", "time_entries")] if e["user"]["id"] in users}
    unknown = {str(u) for u in working if users[u]["email"].lower() not in emails}
    assert unknown == planted(small[1], "TIME_BY_UNKNOWN_RESOURCE")


def test_only_planted_pairs_look_alike(small, records):
    from difflib import SequenceMatcher

    names = [(f"salesforce:{a['Id']}", a["Name"]) for a in records[("salesforce", "", "Account")]]
    names += [(f"harvest:{c['id']}", c["name"]) for c in records[("harvest", "", "clients")]]
    names += [
        (
            f"quickbooks:{next(e['code'] for e in small[1].legal_entities if e['realm_id'] == t)}:{c['Id']}",
            c["DisplayName"],
        )
        for (_, t, o), rows in records.items()
        if o == "Customer"
        for c in rows
        if not c["IsProject"]
    ]
    pairs = [
        set(f["pair"]) for f in small[1].findings if f["code"] in ("CUSTOMER_DUPLICATE", "CUSTOMER_UNLINKED_MATCH")
    ]
    for i, (a, name_a) in enumerate(names):
        for b, name_b in names[i + 1 :]:
            if (
                a.split(":")[0] == b.split(":")[0]
                and SequenceMatcher(None, normalized(name_a), normalized(name_b)).ratio() >= 0.85
            ):
                assert {a, b} in pairs, (name_a, name_b)


HARVEST_SCHEMAS = {
    "clients": "Client",
    "projects": "Project",
    "users": "User",
    "tasks": "Task",
    "user_assignments": "UserAssignment",
    "task_assignments": "TaskAssignment",
    "time_entries": "TimeEntry",
    "expenses": "Expense",
    "invoices": "Invoice",
    "invoice_payments": "InvoicePayment",
}


def test_harvest_records_match_the_published_schemas(small, records, vendor_contracts):
    import yaml
    from openapi_schema_validator import OAS30Validator

    spec = yaml.load((vendor_contracts / "harvest" / "harvest-openapi.yaml").read_text(), Loader=yaml.CSafeLoader)
    bad = {m["record_id"] for m in small[1].malformed if m["system"] == "harvest"}
    for obj, schema_name in HARVEST_SCHEMAS.items():
        schema = {**spec["components"]["schemas"][schema_name], "components": spec["components"]}
        validator = OAS30Validator(schema)
        rows = [r for r in records[("harvest", "", obj)] if str(r["id"]) not in bad and r["id"] is not None][:200]
        assert rows, obj
        for row in rows:
            payload = {k: v for k, v in row.items() if not k.startswith("_")}
            validator.validate(payload)
            assert set(schema["properties"]) <= set(payload), (obj, set(schema["properties"]) - set(payload))


def test_a_firm_of_more_people_than_name_pairings_keeps_names_and_emails_distinct():
    """Issue 14's 20-million-entry firm needs thousands of consultants: past the first-and-last
    pairings, middle initials keep everyone distinct (their email too, which the ERP matches on)."""
    import random

    from sandbox.firm.customers import make_entities
    from sandbox.firm.ids import Ids
    from sandbox.firm.names import FIRST, LAST
    from sandbox.firm.people import build_people

    entities = make_entities()
    per_entity = len(FIRST) * len(LAST) // len(entities) + 100  # beyond the pairings
    people = build_people(random.Random(3), per_entity, entities, Ids(), date(2026, 11, 20))
    assert len(people) == per_entity * len(entities) + 1 > len(FIRST) * len(LAST)
    assert len({p.name for p in people}) == len({p.email for p in people}) == len(people)
    initialled = [p for p in people if p.first.endswith(".")]
    assert len(initialled) == len(people) - len(FIRST) * len(LAST)
    assert all(re.fullmatch(r"[a-z]+\.[a-z]\.[a-z]+@[a-z.-]+", p.email) for p in initialled)
