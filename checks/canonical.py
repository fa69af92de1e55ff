"""The canonical model's contracts (pandera DataFrameModels, docs/data-model.md): what every row of each
canonical table must satisfy. The asset checks that apply them are beside the assets (assets/canonical)."""

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from sql.tables import BY_NAME, IDENTIFIED, XREF

SYSTEMS = ["crm", "psa", "erp"]
CURRENCY = r"^[A-Z]{3}$"


def global_id(prefix: str):
    """A table's own global id: `<prefix>_` and 16 hex digits of md5."""
    return pa.Field(str_matches=rf"^{prefix}_[0-9a-f]{{16}}$")


def reference(prefix: str):
    """Another table's global id, absent when no record of that table is reachable."""
    return pa.Field(str_matches=rf"^{prefix}_[0-9a-f]{{16}}$", nullable=True)


def money(nullable: bool = True):
    """DECIMAL(18, 2) in the warehouse, a float once in pandas."""
    return pa.Field(nullable=nullable)


class Record(pa.DataFrameModel):
    """One row per source record: every canonical table."""

    snapshot_date: Series[pa.DateTime]
    system: Series[str] = pa.Field(isin=SYSTEMS)
    source_id: Series[str]
    legal_entity: Series[str] = pa.Field(nullable=True, str_matches=r"^[A-Z]{2}$")

    class Config:
        coerce = True
        strict = True


class Identified(Record):
    """A record with a global id, and the cross-reference that tied it to it."""

    link: Series[str]


class LegalEntity(Record):
    system: Series[str] = pa.Field(isin=["erp"])
    legal_entity: Series[str] = pa.Field(str_matches=r"^[A-Z]{2}$")
    realm_id: Series[str] = pa.Field(nullable=True)
    name: Series[str] = pa.Field(nullable=True)  # unknown while the company's own record is quarantined
    home_currency: Series[str] = pa.Field(nullable=True, str_matches=CURRENCY)
    erp_vendor: Series[str] = pa.Field(isin=["quickbooks", "xero", "ledger"])
    erp_keeps_hierarchy: Series[bool]
    erp_keeps_time: Series[bool]
    # an ERP cutover (docs/decisions.md 33): the ERPs it moves between and the date, else empty
    erp_cutover_from: Series[str] = pa.Field(nullable=True, isin=["quickbooks", "xero", "ledger"])
    erp_cutover_to: Series[str] = pa.Field(nullable=True, isin=["quickbooks", "xero", "ledger"])
    erp_cutover_date: Series[pa.DateTime] = pa.Field(nullable=True)


class Customer(Identified):
    global_id: Series[str] = global_id("cus")
    name: Series[str] = pa.Field(nullable=True)
    normalized_name: Series[str] = pa.Field(nullable=True)
    parent_source_id: Series[str] = pa.Field(nullable=True)
    parent_global_id: Series[str] = reference("cus")
    currency: Series[str] = pa.Field(nullable=True, str_matches=CURRENCY)
    is_active: Series[pd.BooleanDtype] = pa.Field(nullable=True)
    tax_id: Series[str] = pa.Field(nullable=True)
    web_domain: Series[str] = pa.Field(nullable=True)
    crm_psa_client_id: Series[str] = pa.Field(nullable=True)
    crm_erp_customer_id: Series[str] = pa.Field(nullable=True)
    crm_open_ar: Series[float] = money()
    erp_balance: Series[float] = money()
    erp_balance_with_jobs: Series[float] = money()
    erp_level: Series[pd.Int64Dtype] = pa.Field(nullable=True, ge=0)


class Engagement(Identified):
    global_id: Series[str] = global_id("eng")
    customer_global_id: Series[str] = reference("cus")
    customer_source_id: Series[str] = pa.Field(nullable=True)
    name: Series[str] = pa.Field(nullable=True)
    billing_model: Series[str] = pa.Field(nullable=True, isin=["fixed_fee", "time_and_materials"])
    value: Series[float] = money()
    currency: Series[str] = pa.Field(nullable=True, str_matches=CURRENCY)
    stage: Series[str] = pa.Field(nullable=True)
    is_won: Series[pd.BooleanDtype] = pa.Field(nullable=True)
    is_closed: Series[pd.BooleanDtype] = pa.Field(nullable=True)
    close_date: Series[pa.DateTime] = pa.Field(nullable=True)
    is_active: Series[pd.BooleanDtype] = pa.Field(nullable=True)
    is_billable: Series[pd.BooleanDtype] = pa.Field(nullable=True)
    bill_by: Series[str] = pa.Field(nullable=True, isin=["People", "Project", "Tasks", "none"])
    hourly_rate: Series[float] = money()
    starts_on: Series[pa.DateTime] = pa.Field(nullable=True)
    ends_on: Series[pa.DateTime] = pa.Field(nullable=True)
    crm_psa_project_id: Series[str] = pa.Field(nullable=True)
    psa_code: Series[str] = pa.Field(nullable=True)


class Resource(Identified):
    global_id: Series[str] = global_id("res")
    system: Series[str] = pa.Field(isin=["psa", "erp"])
    email: Series[str] = pa.Field(nullable=True)
    name: Series[str] = pa.Field(nullable=True)
    role: Series[str] = pa.Field(nullable=True)
    cost_rate: Series[float] = pa.Field(nullable=True, ge=0)
    default_rate: Series[float] = pa.Field(nullable=True, ge=0)
    is_active: Series[pd.BooleanDtype] = pa.Field(nullable=True)


class RateCard(Record):
    system: Series[str] = pa.Field(isin=["psa"])
    engagement_global_id: Series[str] = global_id("eng")
    project_source_id: Series[str]
    resource_global_id: Series[str] = reference("res")
    user_source_id: Series[str]
    hourly_rate: Series[float] = pa.Field(nullable=True, ge=0)
    currency: Series[str] = pa.Field(nullable=True, str_matches=CURRENCY)
    rate_source: Series[str] = pa.Field(isin=["user_assignment", "project"])


class TimeEntry(Identified):
    global_id: Series[str] = global_id("tim")
    system: Series[str] = pa.Field(isin=["psa", "erp"])
    engagement_global_id: Series[str] = reference("eng")
    project_source_id: Series[str] = pa.Field(nullable=True)
    resource_global_id: Series[str] = reference("res")
    customer_global_id: Series[str] = reference("cus")
    spent_date: Series[pa.DateTime]
    hours: Series[float] = pa.Field(ge=0, le=24)
    billable: Series[pd.BooleanDtype] = pa.Field(nullable=True)
    approved: Series[pd.BooleanDtype] = pa.Field(nullable=True)
    is_billed: Series[pd.BooleanDtype] = pa.Field(nullable=True)
    billable_status: Series[str] = pa.Field(nullable=True, isin=["Billable", "HasBeenBilled", "NotBillable"])
    invoice_source_id: Series[str] = pa.Field(nullable=True)
    billable_rate: Series[float] = pa.Field(nullable=True, ge=0)
    currency: Series[str] = pa.Field(nullable=True, str_matches=CURRENCY)
    billable_amount: Series[float] = money()


class Expense(Identified):
    global_id: Series[str] = global_id("exp")
    system: Series[str] = pa.Field(isin=["psa"])
    engagement_global_id: Series[str] = reference("eng")
    resource_global_id: Series[str] = reference("res")
    spent_date: Series[pa.DateTime]
    amount: Series[float] = money(nullable=False)
    currency: Series[str] = pa.Field(nullable=True, str_matches=CURRENCY)
    billable: Series[pd.BooleanDtype] = pa.Field(nullable=True)
    is_billed: Series[pd.BooleanDtype] = pa.Field(nullable=True)
    invoice_source_id: Series[str] = pa.Field(nullable=True)


class Invoice(Identified):
    global_id: Series[str] = global_id("inv")
    system: Series[str] = pa.Field(isin=["psa", "erp"])
    erp_vendor: Series[str] = pa.Field(nullable=True, isin=["quickbooks", "xero", "ledger"])
    migrated_from: Series[str] = pa.Field(nullable=True)  # an opening item: the old ERP's invoice it carries on
    customer_global_id: Series[str] = reference("cus")
    engagement_global_id: Series[str] = reference("eng")
    document_number: Series[str] = pa.Field(nullable=True)
    issue_date: Series[pa.DateTime] = pa.Field(nullable=True)
    due_date: Series[pa.DateTime] = pa.Field(nullable=True)
    currency: Series[str] = pa.Field(str_matches=CURRENCY)
    total: Series[float] = money(nullable=False)
    amount_due: Series[float] = money()
    status: Series[str] = pa.Field(isin=["draft", "open", "paid", "closed", "voided"])
    lines_total: Series[float] = money(nullable=False)
    discount_total: Series[float] = money(nullable=False)
    tax_total: Series[float] = money(nullable=False)
    exchange_rate: Series[float] = pa.Field(nullable=True, gt=0)
    home_currency_total: Series[float] = money()


class InvoiceLine(Record):
    system: Series[str] = pa.Field(isin=["psa", "erp"])
    invoice_global_id: Series[str] = global_id("inv")
    line_number: Series[pd.Int64Dtype] = pa.Field(ge=1)
    kind: Series[str] = pa.Field(nullable=True)
    description: Series[str] = pa.Field(nullable=True)
    quantity: Series[float] = pa.Field(nullable=True)
    unit_price: Series[float] = money()
    amount: Series[float] = money()


class CreditMemo(Identified):
    global_id: Series[str] = global_id("crd")
    system: Series[str] = pa.Field(isin=["erp"])
    customer_global_id: Series[str] = reference("cus")
    document_number: Series[str] = pa.Field(nullable=True)
    issue_date: Series[pa.DateTime] = pa.Field(nullable=True)
    currency: Series[str] = pa.Field(str_matches=CURRENCY)
    total: Series[float] = money(nullable=False)
    remaining: Series[float] = money()


class Payment(Identified):
    global_id: Series[str] = global_id("pay")
    system: Series[str] = pa.Field(isin=["erp"])
    customer_global_id: Series[str] = reference("cus")
    payment_date: Series[pa.DateTime] = pa.Field(nullable=True)
    currency: Series[str] = pa.Field(str_matches=CURRENCY)
    amount: Series[float] = money(nullable=False)


class PaymentApplication(Record):
    system: Series[str] = pa.Field(isin=["erp"])
    payment_global_id: Series[str] = reference("pay")  # none for a Xero credit note's allocation
    invoice_global_id: Series[str] = reference("inv")
    invoice_source_id: Series[str] = pa.Field(nullable=True)
    credit_memo_source_id: Series[str] = pa.Field(nullable=True)
    applied_on: Series[pa.DateTime] = pa.Field(nullable=True)
    amount: Series[float] = money()


class Xref(Identified):
    entity_type: Series[str] = pa.Field(isin=[t.name for t in IDENTIFIED])
    global_id: Series[str] = pa.Field(str_matches=r"^[a-z]{3}_[0-9a-f]{16}$")


MODELS: dict[str, type[pa.DataFrameModel]] = {
    "legal_entity": LegalEntity,
    "customer": Customer,
    "engagement": Engagement,
    "resource": Resource,
    "rate_card": RateCard,
    "time_entry": TimeEntry,
    "expense": Expense,
    "invoice": Invoice,
    "invoice_line": InvoiceLine,
    "credit_memo": CreditMemo,
    "payment": Payment,
    "payment_application": PaymentApplication,
    "xref": Xref,
}


def contract_failures(frame: pd.DataFrame, model: type[pa.DataFrameModel]) -> pd.DataFrame:
    """The failure cases of validating `frame` against `model` (empty when the contract holds)."""
    try:
        model.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as errors:
        return errors.failure_cases
    return pd.DataFrame()


assert set(MODELS) == {*BY_NAME, XREF.name}, "every canonical table has a contract"
