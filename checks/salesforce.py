"""Salesforce (the CRM) contracts for the fields the connector selects (resources/salesforce.py).

An Account's ParentId is not checked here: a parent that does not exist, or a parent chain that
loops, is a hierarchy finding for reconciliation (HIERARCHY_ORPHAN, HIERARCHY_CYCLE), not a broken
record.
"""

from __future__ import annotations

import pandera.pandas as pa
from pandera.typing import Series

from checks import rules
from checks.contract import Contract, Field, Reference, SourceRecord

# Salesforce's standard Opportunity stage picklist
STAGES = (
    "Prospecting",
    "Qualification",
    "Needs Analysis",
    "Value Proposition",
    "Id. Decision Makers",
    "Perception Analysis",
    "Proposal/Price Quote",
    "Negotiation/Review",
    "Closed Won",
    "Closed Lost",
)
BILLING_MODELS = ("Fixed Fee", "Time and Materials")
STAMPS = (
    Field("CreatedDate", "timestamp"),
    Field("LastModifiedDate", "timestamp"),
    Field("SystemModstamp", "timestamp"),
    Field("IsDeleted", "boolean"),
)
COMMON = "attributes Id IsDeleted CreatedDate LastModifiedDate SystemModstamp CurrencyIsoCode Legal_Entity__c Name"


def contract(
    object_name: str,
    model: type[pa.DataFrameModel],
    fields: tuple[Field, ...],
    known: str,
    references: tuple[Reference, ...] = (),
) -> Contract:
    return Contract(
        "salesforce",
        object_name,
        "Id",
        (Field("Id", "ref", required=False), *fields, *STAMPS),
        model,
        frozenset(f"{COMMON} {known}".split()),
        references,
    )


class Opportunity(SourceRecord):
    StageName: Series[object] = pa.Field(nullable=True)
    Billing_Model__c: Series[object] = pa.Field(nullable=True)

    @pa.check("StageName", name=rules.STATUS_NOT_IN_ENUM)
    def stage_known(cls, stage: Series[object]) -> Series[bool]:
        return stage.isin(STAGES)

    @pa.check("Billing_Model__c", name=rules.STATUS_NOT_IN_ENUM)
    def billing_model_known(cls, model: Series[object]) -> Series[bool]:
        return model.isin(BILLING_MODELS)


CONTRACTS = [
    contract(
        "Account",
        SourceRecord,
        (
            Field("Name", "name", max_length=255),
            Field("CurrencyIsoCode", "currency"),
            Field("ParentId", "ref", required=False),
            Field("Legal_Entity__c", "text", required=False),
            Field("Open_AR__c", "money", required=False, currency="CurrencyIsoCode"),
        ),
        "ParentId Website Type Industry Phone BillingCity BillingCountry PSA_Client_Id__c ERP_Customer_Id__c "
        "Open_AR__c Tax_Id__c",
    ),
    contract(
        "Opportunity",
        Opportunity,
        (
            Field("AccountId", "ref"),
            Field("Name", "name", max_length=120),
            Field("StageName", "text"),
            Field("IsWon", "boolean"),
            Field("IsClosed", "boolean"),
            Field("CloseDate", "date"),
            Field("CurrencyIsoCode", "currency"),
            Field("Amount", "money", required=False, currency="CurrencyIsoCode"),
            Field("Billing_Model__c", "text", required=False),
        ),
        "AccountId StageName IsWon IsClosed Amount CloseDate Type Billing_Model__c PSA_Project_Id__c Description",
        (Reference("AccountId", "Account"),),
    ),
]
