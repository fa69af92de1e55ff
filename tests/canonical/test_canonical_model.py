"""The canonical model of the small firm: exact row counts, exact deterministic links (complete, and
none where the firm planted a missing one), the checks beside every asset."""

import json
import re
import shutil
from collections import defaultdict
from datetime import date
from pathlib import Path

import duckdb
from dagster import AssetKey, Definitions

from assets.canonical import build_canonical_assets, canonical_checks, canonical_key, valid_source_keys
from assets.canonical.build import build_table
from assets.canonical.checks import contract_result, unique_result, xref_result
from assets.extraction import SOURCE_CONNECTORS, extraction_assets
from pipelines.resources import build_resources
from resources.settings.crm import DEFAULT_CRM_FIELDS
from sql.tables import BY_NAME, IDENTIFIED, TABLES, XREF
from tests.canonical.truth import PREFIXES, global_id, tag
from tests.conftest import SNAPSHOT_DATE

NIGHT = date.fromisoformat(SNAPSHOT_DATE)


def default_crm_fields() -> dict[str, str]:
    return DEFAULT_CRM_FIELDS.parameters()


CRM_FIELDS = default_crm_fields()


def xref(night, entity_type):
    rows = night.query(
        "SELECT system, source_id, global_id, link FROM canonical.xref WHERE snapshot_date = ? AND entity_type = ?",
        [NIGHT, entity_type],
    )
    return {(system, source_id): (gid, link) for system, source_id, gid, link in rows}


class Links:
    """One entity type's cross-reference: which records share a global id."""

    def __init__(self, night, entity_type: str):
        self.entity_type, self.records = entity_type, xref(night, entity_type)
        self.groups = defaultdict(set)
        for record, (gid, _) in self.records.items():
            self.groups[gid].add(record)

    def group(self, system: str, source_id) -> set:
        return self.groups[self.records[(system, str(source_id))][0]]

    def systems(self, system: str, source_id) -> set[str]:
        return {s for s, _ in self.group(system, source_id)}

    def alone(self, system: str, source_id) -> bool:
        """Nothing links to the record: it anchors a global id of its own."""
        record = (system, str(source_id))
        return self.group(*record) == {record} and self.records[record] == (
            global_id(self.entity_type, record),
            "anchor",
        )


def rows_per_system(night, table):
    return dict(
        night.query(f"SELECT system, count(*) FROM canonical.{table} WHERE snapshot_date = ? GROUP BY 1", [NIGHT])
    )


def test_every_table_is_built_and_every_check_passes(night):
    assert night.result.success
    built = {e.asset_key for e in night.result.get_asset_materialization_events()}
    assert built == {canonical_key(t.name) for t in (*TABLES, XREF)}
    evaluations = night.result.get_asset_check_evaluations()
    assert len(canonical_checks) == len(TABLES) + 1
    assert len(evaluations) == len(TABLES) + 1 + len(IDENTIFIED) + 1  # contracts, one global id each, xref
    assert [(e.asset_key, e.check_name) for e in evaluations if not e.passed] == []


def test_each_source_record_is_one_row(night):
    firm = night.firm

    def count(system, obj, keep=lambda p: True):
        return sum(map(keep, firm.records(system, obj).values()))

    def is_project(p):
        return bool(p.get("IsProject"))

    billed_by_rate = {
        pid for pid, p in firm.records("harvest", "projects").items() if p["bill_by"] in ("People", "Project")
    }
    expected = {
        "legal_entity": {"erp": 3},
        "customer": {
            "crm": count("salesforce", "Account"),
            "psa": count("harvest", "clients"),
            "erp": count("quickbooks", "Customer", lambda p: not is_project(p)),
        },
        "engagement": {
            "crm": count("salesforce", "Opportunity"),
            "psa": count("harvest", "projects"),
            "erp": count("quickbooks", "Customer", is_project),
        },
        "resource": {"psa": count("harvest", "users"), "erp": count("quickbooks", "Employee")},
        "rate_card": {
            "psa": count("harvest", "user_assignments", lambda ua: str(ua["project"]["id"]) in billed_by_rate)
        },
        "time_entry": {"psa": count("harvest", "time_entries"), "erp": count("quickbooks", "TimeActivity")},
        "expense": {"psa": count("harvest", "expenses")},
        "invoice": {"psa": count("harvest", "invoices"), "erp": count("quickbooks", "Invoice")},
        "invoice_line": {
            "psa": sum(len(i["line_items"]) for i in firm.records("harvest", "invoices").values()),
            "erp": sum(
                len([x for x in i["Line"] if x["DetailType"] == "SalesItemLineDetail"])
                for i in firm.records("quickbooks", "Invoice").values()
            ),
        },
        "payment": {"erp": count("quickbooks", "Payment")},
        "payment_application": {"erp": sum(len(p["Line"]) for p in firm.records("quickbooks", "Payment").values())},
        "credit_memo": {"erp": count("quickbooks", "CreditMemo")},
    }
    assert {t.name: rows_per_system(night, t.name) for t in TABLES} == expected
    assert sum(rows_per_system(night, "xref").values()) == sum(sum(expected[t.name].values()) for t in IDENTIFIED)


def test_deterministic_links_are_complete_and_exact(night):
    for entity_type in PREFIXES:
        assert xref(night, entity_type) == night.firm.expected(entity_type, CRM_FIELDS), entity_type
    links = dict(night.query("SELECT link, count(*) FROM canonical.xref WHERE snapshot_date = ? GROUP BY 1", [NIGHT]))
    assert set(links) == {
        "anchor",
        "crm.PSA_Client_Id__c",
        "crm.ERP_Customer_Id__c",
        "crm.PSA_Project_Id__c",
        "erp.Notes.harvest_project",
        "email",
        "erp.Description.harvest_time_entry",
        "erp.PrivateNote.harvest_invoice",
    }


def planted(firm, code):
    findings = firm.findings(code)
    assert findings, f"the small firm plants {code}"
    return findings


def test_customers_the_firm_left_unlinked_stay_unlinked(night):
    customers = Links(night, "customer")
    system_names = {"salesforce": "crm", "harvest": "psa", "quickbooks": "erp"}
    for finding in planted(night.firm, "CUSTOMER_UNLINKED_MATCH") + planted(night.firm, "CUSTOMER_DUPLICATE"):
        first, second = ((system_names[s], rid) for s, rid in (p.split(":", 1) for p in finding["pair"]))
        assert second not in customers.group(*first), finding
        assert customers.alone(*second), finding
    for finding in planted(night.firm, "CUSTOMER_MISSING_IN_ERP"):
        assert "erp" not in customers.systems("crm", finding["crm_id"])
    for finding in planted(night.firm, "CUSTOMER_MISSING_IN_PSA"):
        assert "psa" not in customers.systems("crm", finding["crm_id"])
    for finding in planted(night.firm, "CUSTOMER_MISSING_IN_CRM"):
        assert customers.alone("erp", finding["erp_id"])


def test_engagements_people_time_and_invoices_the_firm_left_unlinked_stay_unlinked(night):
    firm = night.firm
    engagements, resources = Links(night, "engagement"), Links(night, "resource")
    invoices, time = Links(night, "invoice"), Links(night, "time_entry")
    for finding in planted(firm, "OPPORTUNITY_WITHOUT_PROJECT"):
        assert engagements.alone("crm", finding["crm_id"])
    for finding in planted(firm, "PROJECT_WITHOUT_OPPORTUNITY"):
        assert engagements.systems("psa", finding["psa_id"]) == {"psa", "erp"}
    for finding in planted(firm, "TIME_BY_UNKNOWN_RESOURCE"):
        assert resources.alone("psa", finding["psa_id"])
    for finding in planted(firm, "INVOICE_MISSING_IN_ERP"):
        assert invoices.alone("psa", finding["psa_id"])
    for finding in planted(firm, "INVOICE_MISSING_IN_PSA"):
        assert invoices.alone("erp", finding["erp_id"])
    for finding in planted(firm, "INVOICE_DUPLICATE"):
        assert len(invoices.group("psa", finding["psa_id"])) == 3
    for finding in planted(firm, "TIME_BILLED_STATUS_MISMATCH"):
        assert time.group("psa", finding["psa_id"]) == {("psa", finding["psa_id"]), ("erp", finding["erp_id"])}
    manual = [
        rid
        for rid, payload in firm.records("quickbooks", "TimeActivity").items()
        if tag(payload["Description"], "harvest_time_entry") is None
    ]
    assert manual and all(time.alone("erp", rid) for rid in manual)


def test_engagements_keep_each_systems_customer(night):
    """A project and its opportunity share a global id even when their customers differ (a finding)."""
    mismatches = night.firm.findings("PROJECT_CUSTOMER_MISMATCH")
    assert mismatches
    for finding in mismatches:
        rows = dict(
            night.query(
                "SELECT e.system, (e.global_id, e.customer_global_id) FROM canonical.engagement AS e "
                "WHERE e.snapshot_date = ? AND ((e.system = 'crm' AND e.source_id = ?) OR (e.system = 'psa' AND e.source_id = ?))",
                [NIGHT, finding["crm_id"], finding["psa_id"]],
            )
        )
        assert rows["crm"][0] == rows["psa"][0]
        assert rows["crm"][1] != rows["psa"][1]
        assert rows["crm"][1] == global_id("customer", ("crm", finding["expected_value"]))


def test_split_invoices_share_the_psa_invoice_and_money_ties(night):
    parts = night.query(
        """
        SELECT psa.document_number, list(erp.document_number ORDER BY erp.document_number), sum(erp.total), psa.total
        FROM canonical.invoice AS psa JOIN canonical.invoice AS erp USING (snapshot_date, global_id)
        WHERE psa.snapshot_date = ? AND psa.system = 'psa' AND erp.system = 'erp'
        GROUP BY psa.document_number, psa.total HAVING count(*) > 1 AND bool_and(erp.document_number LIKE '%-%')""",
        [NIGHT],
    )
    assert parts
    for number, documents, erp_total, psa_total in parts:
        assert documents == [f"{number}-{k}" for k in range(1, len(documents) + 1)]
        assert erp_total == psa_total
    untied = night.query(
        """
        SELECT system, source_id FROM canonical.invoice
        WHERE snapshot_date = ? AND (lines_total - discount_total + tax_total <> total AND status <> 'voided'
                                     OR home_currency_total <> round(total * exchange_rate, 2))""",
        [NIGHT],
    )
    planted = {f["erp_id"] for f in night.firm.findings("INVOICE_AMOUNT_MISMATCH")}
    assert untied == []
    assert planted
    taxed = night.query(
        "SELECT DISTINCT system FROM canonical.invoice WHERE snapshot_date = ? AND tax_total > 0 "
        "AND discount_total > 0",
        [NIGHT],
    )
    assert sorted(taxed) == [("erp",), ("psa",)]  # the sandbox charges VAT and gives discounts in both systems


def test_the_functional_currency_view_uses_the_erps_rate_or_one_at_home(night):
    rows = night.query(
        """
        SELECT i.system, i.currency = le.home_currency, i.exchange_rate, count(*)
        FROM canonical.invoice AS i LEFT JOIN canonical.legal_entity AS le USING (snapshot_date, legal_entity)
        WHERE i.snapshot_date = ? GROUP BY ALL ORDER BY ALL""",
        [NIGHT],
    )
    assert {(system, at_home, float(rate)) for system, at_home, rate, _ in rows} == {
        ("erp", True, 1.0),
        ("erp", False, 1.0),
        ("psa", True, 1.0),
    }
    assert night.query("SELECT legal_entity, realm_id, home_currency FROM canonical.legal_entity ORDER BY 1") == [
        ("DE", night.firm.entities["DE"], "EUR"),
        ("UK", night.firm.entities["UK"], "GBP"),
        ("US", night.firm.entities["US"], "USD"),
    ]


def test_metadata_counts_linked_and_unlinked_records(night):
    metadata = {e.asset_key: e.materialization.metadata for e in night.result.get_asset_materialization_events()}
    customer = metadata[canonical_key("customer")]
    linked = night.query(
        """
        SELECT count(*) FILTER (WHERE n > 1), count(*) FILTER (WHERE n = 1)
        FROM (SELECT count(DISTINCT system) OVER (PARTITION BY global_id) AS n
              FROM canonical.customer WHERE snapshot_date = ?)""",
        [NIGHT],
    )[0]
    assert (customer["linked_rows"].value, customer["unlinked_rows"].value) == linked
    assert customer["rows"].value == sum(customer["rows_per_system"].value.values())
    assert customer["rows_per_link"].value["crm.PSA_Client_Id__c"] == sum(
        1 for _, link in xref(night, "customer").values() if link == "crm.PSA_Client_Id__c"
    )
    assert customer["preview"].value.startswith("| global_id | system | source_id |")


def test_crm_field_names_are_configuration(night, tmp_path):
    warehouse = tmp_path / "renamed.duckdb"
    shutil.copy(night.warehouse, warehouse)
    with duckdb.connect(str(warehouse)) as db:
        db.execute(
            "UPDATE valid.salesforce__account SET payload = "
            "replace(payload::VARCHAR, '\"PSA_Client_Id__c\"', '\"Harvest_Client__c\"')::JSON"
        )
        build_table(
            db, BY_NAME["customer"], NIGHT, {**default_crm_fields(), "psa_client_id_field": "Harvest_Client__c"}
        )
        renamed = {
            (s, r): (g, link)
            for s, r, g, link in db.execute(
                "SELECT system, source_id, global_id, link FROM canonical.customer WHERE snapshot_date = ?", [NIGHT]
            ).fetchall()
        }
    before = xref(night, "customer")
    assert {record: gid for record, (gid, _) in renamed.items()} == {record: gid for record, (gid, _) in before.items()}
    assert {link for _, link in renamed.values()} == {"anchor", "crm.Harvest_Client__c", "crm.ERP_Customer_Id__c"}


def test_rebuilding_a_night_replaces_it(night, tmp_path):
    warehouse = tmp_path / "rebuilt.duckdb"
    shutil.copy(night.warehouse, warehouse)
    with duckdb.connect(str(warehouse)) as db:
        before = {t.name: db.execute(f"SELECT * FROM {t.table} ORDER BY ALL").fetchall() for t in (*TABLES, XREF)}
        settings = {**default_crm_fields(), "realms": json.dumps(night.firm.entities)}
        counts = {t.name: build_table(db, t, NIGHT, settings) for t in (*TABLES, XREF)}
        after = {t.name: db.execute(f"SELECT * FROM {t.table} ORDER BY ALL").fetchall() for t in (*TABLES, XREF)}
    assert after == before
    assert counts == {t.name: sum(rows_per_system(night, t.name).values()) for t in (*TABLES, XREF)}


def test_the_assets_depend_on_whichever_source_assets_exist():
    raw = {(c.system, o.lower()): AssetKey(["raw", c.system, o.lower()]) for c in SOURCE_CONNECTORS for o in c.objects}
    assets = build_canonical_assets(raw)
    graph = Definitions(
        assets=[*extraction_assets, *assets], asset_checks=canonical_checks, resources=build_resources()
    ).resolve_asset_graph()
    customer = graph.get(canonical_key("customer"))
    assert customer.parent_keys == {
        AssetKey(["raw", "salesforce", "account"]),
        AssetKey(["raw", "hubspot", "companies"]),
        AssetKey(["raw", "harvest", "clients"]),
        AssetKey(["raw", "quickbooks", "customer"]),
        AssetKey(["raw", "xero", "contacts"]),
        AssetKey(["raw", "xero", "invoices"]),  # a contact's billing currency, where it states none
        AssetKey(["raw", "ledger", "customers"]),
        AssetKey(["raw", "ledger", "invoices"]),  # a ledger customer's balance: its invoices' amounts due ...
        AssetKey(["raw", "ledger", "credit_memos"]),  # ... less its credit memos' remaining credit
    }
    assert graph.get(canonical_key("xref")).parent_keys == {canonical_key(t.name) for t in IDENTIFIED}
    valid = {dep for a in build_canonical_assets(valid_source_keys()) for dep in a.dependency_keys}
    assert {k for k in valid if k.path[0] == "valid"} == set(valid_source_keys().values())


def test_the_checks_catch_a_broken_night(night, tmp_path):
    warehouse = tmp_path / "broken.duckdb"
    shutil.copy(night.warehouse, warehouse)
    customer = BY_NAME["customer"]
    with duckdb.connect(str(warehouse)) as db:
        db.execute(
            "INSERT INTO canonical.customer SELECT * REPLACE ('cus_not-an-md5' AS global_id, 'bank' AS system) "
            "FROM canonical.customer WHERE snapshot_date = ? LIMIT 1",
            [NIGHT],
        )
        db.execute(
            "INSERT INTO canonical.customer SELECT * FROM canonical.customer "
            "WHERE snapshot_date = ? AND system = 'psa' LIMIT 1",
            [NIGHT],
        )
        db.execute(
            "INSERT INTO canonical.xref SELECT * REPLACE ('no-such-record' AS source_id) FROM canonical.xref "
            "WHERE snapshot_date = ? LIMIT 1",
            [NIGHT],
        )
        contract = contract_result(db, customer, NIGHT)
        unique = unique_result(db, customer, NIGHT)
        listed = xref_result(db, NIGHT)
    assert not contract.passed and contract.metadata["failures"].value == 2  # the id's form and the system
    assert not unique.passed and unique.metadata["repeated_records"].value == 1
    assert not listed.passed and listed.metadata["records_missing_from_xref"].value == 2
    assert listed.metadata["xref_rows_without_record"].value == 1


def test_a_large_night_is_checked_a_slice_at_a_time_and_every_slice_counts(night, tmp_path, monkeypatch):
    """The contract is checked one slice of about 2,048 rows at a time: a broken row in the last slice is
    found, with its place in the whole night, every row is counted, and a column the night lacks is one
    failure however many slices there are."""
    import assets.canonical.checks as canonical_checks

    validated = []  # the size of each frame validated
    check = canonical_checks.contract_failures
    monkeypatch.setattr(
        canonical_checks, "contract_failures", lambda frame, model: validated.append(len(frame)) or check(frame, model)
    )
    warehouse = tmp_path / "broken.duckdb"
    shutil.copy(night.warehouse, warehouse)
    time_entry = BY_NAME["time_entry"]
    with duckdb.connect(str(warehouse)) as db:
        (total,) = db.execute("SELECT count(*) FROM canonical.time_entry WHERE snapshot_date = ?", [NIGHT]).fetchone()
        assert total > 2048, "the small firm's time spans two slices at least"
        db.execute(
            "INSERT INTO canonical.time_entry SELECT * REPLACE ('bank' AS system) FROM canonical.time_entry "
            "WHERE snapshot_date = ? LIMIT 1",
            [NIGHT],
        )
        sliced = contract_result(db, time_entry, NIGHT, slice_rows=2048)
        slice_sizes, validated[:] = list(validated), []
        whole = contract_result(db, time_entry, NIGHT, slice_rows=10 * total)
        assert (slice_sizes, validated) == (
            [2048] * (total // 2048) + [total + 1 - 2048 * (total // 2048)],
            [total + 1],
        )
        db.execute("ALTER TABLE canonical.time_entry DROP COLUMN approved")
        missing = contract_result(db, time_entry, NIGHT, slice_rows=2048)
    for result in (sliced, whole):
        assert not result.passed
        assert (result.metadata["rows"].value, result.metadata["failures"].value) == (total + 1, 1)
        assert re.search(rf"\bbank\b.*\b{total}$", result.metadata["sample"].value), "the last row, by its place"
    assert (missing.metadata["rows"].value, missing.metadata["failures"].value) == (total + 1, 2)  # and 'bank'


def test_a_new_warehouse_has_the_column_types_earlier_ones_have(night):
    """A canonical table is made from its query on a warehouse's first night and later nights insert into
    it: a query whose types drift would give new warehouses other types than the ones already running (a
    changed type needs a migration). column_types.json: the types a warehouse made on 2026-12-07 has."""
    expected = json.loads((Path(__file__).parent / "column_types.json").read_text())
    columns = night.query(
        "SELECT table_name, column_name, data_type FROM information_schema.columns "
        "WHERE table_schema = 'canonical' ORDER BY table_name, ordinal_position"
    )
    actual: dict[str, dict[str, str]] = defaultdict(dict)
    for table, column, data_type in columns:
        actual[table][column] = data_type
    assert actual == expected
