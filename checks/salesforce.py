"""Salesforce (the CRM) contracts for the fields the connector selects (resources/salesforce.py).

An Account's ParentId is not checked here: a parent that does not exist, or a parent chain that
loops, is a hierarchy finding for reconciliation (HIERARCHY_ORPHAN, HIERARCHY_CYCLE), not a broken
record.
"""

from __future__ import annotations

import pandera.polars as pa

from checks.contract import Contract, Field, Reference, SourceRecord, one_of
from resources.settings.crm import CrmFields

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
STANDARD = "attributes Id IsDeleted CreatedDate LastModifiedDate SystemModstamp CurrencyIsoCode Name"


def contract(
    object_name: str,
    model: type[pa.DataFrameModel],
    fields: tuple[Field, ...],
    known: list[str],
    references: tuple[Reference, ...] = (),
) -> Contract:
    return Contract(
        "salesforce",
        object_name,
        "Id",
        (Field("Id", "ref", required=False), *fields, *STAMPS),
        model,
        frozenset([*STANDARD.split(), *known]),
        references,
    )


class Opportunity(SourceRecord):
    StageName: str = pa.Field(nullable=True)
    billing_model: str = pa.Field(nullable=True)

    stage_known = one_of("StageName", STAGES)
    billing_model_known = one_of("billing_model", BILLING_MODELS)


def contracts(crm: CrmFields) -> list[Contract]:
    """The contracts over the org's names of its custom fields; their typed-frame columns keep one
    name (`billing_model`), so the rules do not depend on the org, and quarantine rows report the
    org's name."""
    return [
        contract(
            "Account",
            SourceRecord,
            (
                Field("Name", "name", max_length=255),
                Field("CurrencyIsoCode", "currency"),
                Field("ParentId", "ref", required=False),
                Field(crm.legal_entity, "text", required=False, name="legal_entity"),
                Field(crm.open_ar, "money", required=False, currency="CurrencyIsoCode", name="open_ar"),
            ),
            "ParentId Website Type Industry Phone BillingCity BillingCountry".split()
            + [crm.legal_entity, crm.psa_client_id, crm.erp_customer_id, crm.open_ar, crm.tax_id],
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
                Field(crm.billing_model, "text", required=False, name="billing_model"),
            ),
            "AccountId StageName IsWon IsClosed Amount CloseDate Type Description".split()
            + [crm.legal_entity, crm.billing_model, crm.psa_project_id],
            (Reference("AccountId", "Account"),),
        ),
    ]
