"""A firm whose DE business unit keeps its customers in HubSpot: no Salesforce record of theirs remains,
the HubSpot companies and deals carry string properties and the firm's links (Harvest clients, ERP
customers, parent and deal associations, Harvest codes `hubspot:<deal id>`), the manifest's plants in
the unit exist there, and HubSpot's own SDK reads them from the served sandbox. Expectations come from
the firm's data and manifest."""

from __future__ import annotations

import pytest
from hubspot import HubSpot

from sandbox.firm import build_sandbox
from sandbox.firm.score import pair_key
from sandbox.runtime import running_sandbox, stop_sandbox
from sandbox.store import SandboxStore
from tests.sandbox.stored import read_records

UNIT = "DE"
CUSTOMER_CODES = {"CUSTOMER_NAME_MISMATCH", "CUSTOMER_UNLINKED_MATCH", "CUSTOMER_PARENT_MISMATCH"}
ENGAGEMENT_CODES = {
    "OPPORTUNITY_WITHOUT_PROJECT",
    "PROJECT_VALUE_MISMATCH",
    "BILLING_MODEL_MISMATCH",
    "PROJECT_CUSTOMER_MISMATCH",
}
NOT_IN_HUBSPOT = {"HIERARCHY_CYCLE"}  # and the CRM's HIERARCHY_ORPHAN: a HubSpot parent always exists
STAGES = {
    "appointmentscheduled",
    "qualifiedtobuy",
    "presentationscheduled",
    "decisionmakerboughtin",
    "contractsent",
    "closedwon",
    "closedlost",
}


@pytest.fixture(scope="module")
def unit(tmp_path_factory):
    directory = tmp_path_factory.mktemp("hubspot-unit")
    manifest = build_sandbox(directory, "small", crms={UNIT: "hubspot"})
    return directory, manifest


@pytest.fixture(scope="module")
def records(unit):
    return read_records(unit[0])


@pytest.fixture(scope="module")
def entities(unit):
    return {e["code"]: e for e in SandboxStore(unit[0] / "state.db").meta("legal_entities")}


@pytest.fixture(scope="module")
def portal(entities):
    return entities[UNIT]["hubspot_portal_id"]


@pytest.fixture(scope="module")
def hubspot(records, portal):
    return {obj: {r["id"]: r for r in records[("hubspot", portal, obj)]} for obj in ("companies", "deals")}


def test_the_unit_is_in_hubspot_and_nothing_of_it_in_salesforce(unit, records, entities, portal, hubspot):
    assert entities[UNIT]["crm"] == "hubspot" and portal.isdigit()
    assert all(e["crm"] == "salesforce" and "hubspot_portal_id" not in e for c, e in entities.items() if c != UNIT)
    credentials = SandboxStore(unit[0] / "state.db").meta("credentials")["hubspot"]
    assert credentials["portal_id"] == portal and credentials["access_token"]
    assert {(s, t, o) for s, t, o in records if s == "hubspot"} == {
        ("hubspot", portal, "companies"),
        ("hubspot", portal, "deals"),
    }
    assert hubspot["companies"] and hubspot["deals"]
    accounts = records[("salesforce", "", "Account")]
    assert accounts and all(a["Legal_Entity__c"] != UNIT for a in accounts)
    broken = {m["record_id"] for m in unit[1].malformed if m["system"] == "salesforce"}
    for o in records[("salesforce", "", "Opportunity")]:
        assert o["Legal_Entity__c"] != UNIT
        assert o["Id"] in broken or o["AccountId"] in {a["Id"] for a in accounts}  # a Salesforce account's
    assert unit[1].legal_entities == list(entities.values())
    assert "hubspot_units" in unit[1].to_json()["conventions"]
    for system, tenant, obj in records:
        assert unit[1].counts[f"{system}/{tenant}/{obj}"] == len(records[(system, tenant, obj)])


def test_every_hubspot_record_has_string_properties_and_the_firms_links(records, hubspot, entities):
    clients = {str(c["id"]) for c in records[("harvest", "", "clients")]}
    projects = {str(p["id"]): p for p in records[("harvest", "", "projects")]}
    erp_customers = {
        f"{code}:{c['Id']}"
        for code, e in entities.items()
        if e["realm_id"]
        for c in records[("quickbooks", e["realm_id"], "Customer")]
    }
    companies, deals = hubspot["companies"], hubspot["deals"]
    for r in [*companies.values(), *deals.values()]:
        assert r["id"].isdigit() and r["properties"]["hs_object_id"] == r["id"]
        assert all(isinstance(v, str) for v in r["properties"].values()), r
    for c in companies.values():
        p = c["properties"]
        assert {"name", "domain", "legal_entity", "tax_id", "createdate", "hs_lastmodifieddate"} <= set(p)
        assert "://" not in p["domain"] and not p["domain"].startswith("www.")
        assert "psa_client_id" not in p or p["psa_client_id"] in clients
        assert "erp_customer_id" not in p or p["erp_customer_id"] in erp_customers
        parents = [
            e["toObjectId"] for e in c["associations"].get("companies", []) if e["associationTypes"][0]["typeId"] == 14
        ]
        assert len(parents) <= 1 and all(parent in companies for parent in parents)
    assert any(c["associations"].get("companies") for c in companies.values())  # the hierarchy is there
    assert any("psa_client_id" in c["properties"] for c in companies.values())
    assert any("erp_customer_id" in c["properties"] for c in companies.values())
    for d in deals.values():
        p = d["properties"]
        assert p["pipeline"] == "default" and p["dealstage"] in STAGES
        assert p["billing_model"] in ("Fixed Fee", "Time and Materials") and p["deal_currency_code"] == "EUR"
        linked = d["associations"]["companies"]
        assert len(linked) == 1 and linked[0]["toObjectId"] in companies
        assert {t["typeId"] for t in linked[0]["associationTypes"]} == {341, 5}  # deal to company, primary
        if "psa_project_id" in p:
            assert projects[p["psa_project_id"]]["code"] == f"hubspot:{d['id']}"
    coded = [p["code"] for p in projects.values() if (p["code"] or "").startswith("hubspot:")]
    assert coded and all(code.removeprefix("hubspot:") in deals for code in coded)
    salesforce_deals = {o["Id"] for o in records[("salesforce", "", "Opportunity")]}
    assert all(p["code"] in salesforce_deals for p in projects.values() if p["code"] and p["code"] not in coded)


def test_the_manifests_plants_in_the_unit_exist_there(unit, hubspot):
    findings = [f for f in unit[1].findings if (f["crm_id"] or "").startswith("hubspot:")]
    codes = {f["code"] for f in findings}
    assert codes & CUSTOMER_CODES and codes & ENGAGEMENT_CODES, codes
    assert not codes & NOT_IN_HUBSPOT
    assert all(f["legal_entity"] == UNIT for f in findings)
    known = {f"hubspot:{id}" for obj in hubspot.values() for id in obj}
    for f in findings:
        if f["code"] != "CUSTOMER_MISSING_IN_CRM":
            assert f["crm_id"] in known, f
    for f in unit[1].findings:
        for record in f.get("pair") or []:
            system, _, id = record.partition(":")
            if system == "hubspot":
                assert id in known
                assert pair_key([record]) == f"crm:{id}"
    orphans = [f for f in unit[1].findings if f["code"] == "HIERARCHY_ORPHAN" and f["erp_id"] is None]
    assert all(not f["crm_id"].startswith("hubspot:") for f in orphans)


def test_a_clean_hubspot_firm_plants_nothing_and_combines_with_xero(tmp_path):
    manifest = build_sandbox(tmp_path, "small", clean=True, crms={UNIT: "hubspot"}, erps={"UK": "xero"})
    assert manifest.clean and manifest.findings == []
    rows = {e["code"]: e for e in manifest.legal_entities}
    assert rows[UNIT]["crm"] == "hubspot" and rows["UK"]["erp"] == "xero" and rows["UK"]["crm"] == "salesforce"
    assert manifest.counts[f"hubspot/{rows[UNIT]['hubspot_portal_id']}/deals"] > 0


def test_an_unknown_entity_or_crm_is_refused(tmp_path):
    for crms in ({"FR": "hubspot"}, {UNIT: "pipedrive"}):
        with pytest.raises(ValueError):
            build_sandbox(tmp_path, "small", crms=crms)


def test_hubspots_sdk_lists_the_units_companies_with_their_parents(unit, hubspot):
    directory = unit[0]
    runtime = running_sandbox(directory)
    try:
        app = runtime.credentials("hubspot")
        client = HubSpot(access_token=app["access_token"], host=runtime.base_url("hubspot"))
        listed = client.crm.companies.get_all(properties=["name", "erp_customer_id"], associations=["companies"])
        assert sorted(c.id for c in listed) == sorted(hubspot["companies"])
        for c in listed:
            assert c.properties["name"] == hubspot["companies"][c.id]["properties"]["name"]
        parent_of = {
            c.id: [a.id for a in c.associations["companies"].results if a.type == "child_to_parent_company"]
            for c in listed
            if c.associations
        }
        stored = {
            id: [
                str(e["toObjectId"])
                for e in r["associations"].get("companies", [])
                if e["associationTypes"][0]["typeId"] == 14
            ]
            for id, r in hubspot["companies"].items()
        }
        assert {k: v for k, v in parent_of.items() if v} == {k: v for k, v in stored.items() if v}
        deals = client.crm.deals.get_all(properties=["dealname", "dealstage"], associations=["companies"])
        assert sorted(d.id for d in deals) == sorted(hubspot["deals"])
    finally:
        stop_sandbox(directory)


def test_the_command_line_puts_a_unit_in_hubspot(tmp_path, capsys):
    from sandbox.cli import main

    assert main(["build", "--size", "small", "--dir", str(tmp_path), "--crm", f"{UNIT}=hubspot"]) == 0
    rows = {e["code"]: e for e in SandboxStore(tmp_path / "state.db").meta("legal_entities")}
    assert rows[UNIT]["crm"] == "hubspot"
    assert main(["build", "--size", "small", "--dir", str(tmp_path), "--crm", f"{UNIT}=pipedrive"]) == 2
