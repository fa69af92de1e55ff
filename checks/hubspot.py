"""HubSpot CRM (a business unit's second CRM) contracts for the properties the connector reads
(resources/hubspot.py). Every property is sent as a string: amounts are numbers in strings (fields of
form "string"), times ISO 8601. A record's associations to companies are in the list API's shape; the
one each rule follows is a derived column: a company's parent (the `child_to_parent_company` one) must
be a company of the portal and its chain must end; a deal's company (the primary one, else the first)
must be a company of the portal.
"""

from __future__ import annotations

import pandera.polars as pa
import polars as pl

from checks import rules
from checks.contract import Contract, Field, Reference, SourceRecord, one_of, row_rule

# the stages of HubSpot's default deal pipeline ("default"); another pipeline's stages are the portal's own
DEFAULT_PIPELINE = "default"
DEFAULT_STAGES = (
    "appointmentscheduled",
    "qualifiedtobuy",
    "presentationscheduled",
    "decisionmakerboughtin",
    "contractsent",
    "closedwon",
    "closedlost",
)
BILLING_MODELS = ("Fixed Fee", "Time and Materials")
KNOWN = "id properties associations createdAt updatedAt archived archivedAt propertiesWithHistory"


def first_association(kinds: tuple[str, ...]) -> str:
    """The id of the record's association to a company of the first of `kinds` (v3 type names) it has,
    the lowest id where there are several (as sql/canonical/crm_records.sql takes it)."""
    found = [
        "list_sort(list_transform(list_filter(json_extract(payload, '$.associations.companies.results[*]'), "
        f"lambda r: json_extract_string(r, '$.type') = '{kind}'), lambda r: TRY_CAST(json_extract_string(r, '$.id') "
        "AS BIGINT)))[1]::VARCHAR"
        for kind in kinds
    ]
    return f"coalesce({', '.join(found)})" if len(found) > 1 else found[0]


PARENT_COMPANY = first_association(("child_to_parent_company",))
DEAL_COMPANY = first_association(("deal_to_company", "deal_to_company_unlabeled"))  # the primary first


def prop(name: str, kind: str, **options) -> Field:
    """A property, its typed-frame column named as the property."""
    return Field(f"properties.{name}", kind, name=name, **options)


STAMPS = (prop("hs_lastmodifieddate", "timestamp"), prop("createdate", "timestamp", required=False))


def contract(
    object_name: str,
    model: type[pa.DataFrameModel],
    fields: tuple[Field, ...],
    references: tuple[Reference, ...],
    derived: dict[str, str],
    parent: str | None = None,
) -> Contract:
    return Contract(
        "hubspot",
        object_name,
        "id",
        (Field("id", "ref", required=False), *fields, *STAMPS),
        model,
        frozenset(KNOWN.split()),
        references,
        derived,
        parent,
    )


class Company(SourceRecord):
    in_cycle: bool = pa.Field()

    parent_chain_ends = row_rule(f"{rules.PARENT_CYCLE}:parent_company", ~pl.col("in_cycle"))


class Deal(SourceRecord):
    dealstage: str = pa.Field(nullable=True)
    pipeline: str = pa.Field(nullable=True)
    billing_model: str = pa.Field(nullable=True)

    # the firm's two billing models, as the Salesforce field holds them (another value would leave the
    # deal's model unknown and its BILLING_MODEL_MISMATCH unseen)
    billing_model_known = one_of("billing_model", BILLING_MODELS)
    # a deal of the default pipeline is at one of its stages (null is the structural rules')
    stage_of_the_default_pipeline = row_rule(
        f"{rules.STATUS_NOT_IN_ENUM}:dealstage",
        ~(pl.col("pipeline").is_null() | (pl.col("pipeline") == DEFAULT_PIPELINE))
        | pl.col("dealstage").is_null()
        | pl.col("dealstage").is_in(DEFAULT_STAGES),
    )


CONTRACTS = [
    contract(
        "companies",
        Company,
        (
            prop("name", "name"),
            prop("domain", "text", required=False),
            prop("legal_entity", "text", required=False),
            prop("open_ar", "money", required=False, form="string"),
        ),
        (Reference("parent_company", "companies"),),
        {"parent_company": PARENT_COMPANY},
        parent="parent_company",
    ),
    contract(
        "deals",
        Deal,
        (
            prop("dealname", "name"),
            prop("deal_currency_code", "currency", required=False),
            prop("amount", "money", required=False, form="string", currency="deal_currency_code"),
            prop("dealstage", "text"),
            prop("pipeline", "text", required=False),
            prop("closedate", "timestamp", required=False),
            prop("billing_model", "text", required=False),
        ),
        (Reference("deal_company", "companies"),),
        {"deal_company": DEAL_COMPANY},
    ),
]
