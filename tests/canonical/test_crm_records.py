"""The CRM macros (sql/canonical/crm_records.sql) on HubSpot records as its v3 list API returns them,
in cases the sandbox firm does not render: a deal whose primary company is listed twice (as
`deal_to_company` and `deal_to_company_unlabeled`), a deal with only a non-primary company, a deal won
in a custom pipeline (its stage id means nothing; HubSpot's `hs_is_closed_won` says), ids that sort
differently as text and as numbers, an archived company, a close date in epoch milliseconds."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import duckdb
import pytest

from assets.canonical.build import install_source_records
from resources.migrations import migrate

NIGHT = date(2026, 11, 20)
CALLS = "crm_account_records(n) crm_opportunity_records(n)"
FIELDS = {"le": "Legal_Entity__c", "tax": "Tax_Id__c", "psa": "PSA_Client_Id__c", "erp": "ERP_Customer_Id__c"}


def links(*pairs: tuple[str, str]) -> dict:
    return {"companies": {"results": [{"id": id, "type": kind} for id, kind in pairs]}}


def put(db, table: str, records: list[dict]) -> None:
    for record in records:
        db.execute(
            f"INSERT INTO valid.hubspot__{table} VALUES (?, '', ?, NULL, ?, 1, 'load', now())",
            [NIGHT, record["id"], json.dumps(record)],
        )


@pytest.fixture
def crm():
    with duckdb.connect() as db:
        migrate(db)
        install_source_records(db, CALLS)
        put(
            db,
            "companies",
            [
                {
                    "id": "9",
                    "archived": False,
                    "properties": {"name": "Nine", "legal_entity": "DE", "open_ar": "12.50"},
                },
                {"id": "10", "archived": False, "properties": {"name": "Ten", "legal_entity": "DE", "open_ar": ""}},
                {
                    "id": "11",
                    "archived": True,
                    "properties": {"name": "Eleven", "legal_entity": "UK", "psa_client_id": "4711"},
                    # two parents named: the lowest id (as a number) is taken
                    "associations": links(("10", "child_to_parent_company"), ("9", "child_to_parent_company")),
                },
            ],
        )
        won = {"dealstage": "1234567", "pipeline": "998877", "hs_is_closed_won": "true", "hs_is_closed": "true"}
        put(
            db,
            "deals",
            [
                {
                    "id": "501",
                    "properties": {
                        "dealname": "Primary twice",
                        "amount": "1000.5",
                        "deal_currency_code": "EUR",
                        "dealstage": "closedwon",
                        "closedate": "2026-10-01T00:00:00.000Z",
                    },
                    "associations": links(
                        ("10", "deal_to_company_unlabeled"),
                        ("11", "deal_to_company_unlabeled"),
                        ("11", "deal_to_company"),
                    ),
                },
                {
                    "id": "502",
                    "properties": {"dealname": "Custom pipeline", "closedate": "1790812800000", **won},
                    "associations": links(("10", "deal_to_company_unlabeled"), ("9", "deal_to_company_unlabeled")),
                },
            ],
        )
        yield lambda sql: db.execute(
            sql, {k: v for k, v in {"n": NIGHT, **FIELDS}.items() if f"${k}" in sql}
        ).fetchall()


def test_companies_with_their_parent_and_the_claims_they_make(crm):
    assert crm(
        "SELECT source_id, legal_entity, name, parent_source_id, is_active, crm_psa_client_id, crm_open_ar, "
        "psa_client_link FROM crm_account_records($n, $le, $tax, $psa, $erp, 'Open_AR__c') ORDER BY source_id"
    ) == [
        ("hubspot:10", "DE", "Ten", None, True, None, None, "crm.hubspot.psa_client_id"),
        ("hubspot:11", "UK", "Eleven", "hubspot:9", False, "4711", None, "crm.hubspot.psa_client_id"),
        ("hubspot:9", "DE", "Nine", None, True, None, Decimal("12.50"), "crm.hubspot.psa_client_id"),
    ]


def test_deals_on_their_primary_company_won_by_hubspots_own_flag(crm):
    assert crm(
        "SELECT source_id, customer_source_id, legal_entity, value, currency, is_won, is_closed, close_date "
        "FROM crm_opportunity_records($n, $le, 'Billing_Model__c', 'PSA_Project_Id__c') ORDER BY source_id"
    ) == [
        ("hubspot:501", "hubspot:11", "UK", Decimal("1000.50"), "EUR", True, True, date(2026, 10, 1)),
        # no primary named: the lowest of its companies; won in a pipeline whose stage ids are its own
        ("hubspot:502", "hubspot:9", "DE", None, None, True, True, date(2026, 10, 1)),
    ]
