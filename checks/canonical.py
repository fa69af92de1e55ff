"""The canonical model's contracts (pandera DataFrameModels, docs/data-model.md): what every row of each
canonical table must satisfy. The asset checks that apply them are beside the assets (assets/canonical)."""

import pandera.polars as pa
import polars as pl

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
    """DECIMAL(18, 2) in the warehouse, checked as a float."""
    return pa.Field(nullable=nullable)


class Record(pa.DataFrameModel):
    """One row per source record: every canonical table."""

    snapshot_date: pl.Date
    system: str = pa.Field(isin=SYSTEMS)
    source_id: str
    legal_entity: str = pa.Field(nullable=True, str_matches=r"^[A-Z]{2}$")

    class Config:
        coerce = True
        strict = True


class Identified(Record):
    """A record with a global id, and the cross-reference that tied it to it."""

    link: str


class LegalEntity(Record):
    system: str = pa.Field(isin=["erp"])
    legal_entity: str = pa.Field(str_matches=r"^[A-Z]{2}$")
    realm_id: str = pa.Field(nullable=True)
    name: str = pa.Field(nullable=True)  # unknown while the company's own record is quarantined
    home_currency: str = pa.Field(nullable=True, str_matches=CURRENCY)
    erp_vendor: str = pa.Field(isin=["quickbooks", "xero", "ledger"])
    erp_keeps_hierarchy: bool
    erp_keeps_time: bool
    # an ERP cutover (docs/decisions.md 33): the ERPs it moves between and the date, else empty
    erp_cutover_from: str = pa.Field(nullable=True, isin=["quickbooks", "xero", "ledger"])
    erp_cutover_to: str = pa.Field(nullable=True, isin=["quickbooks", "xero", "ledger"])
    erp_cutover_date: pl.Date = pa.Field(nullable=True)


class Customer(Identified):
    global_id: str = global_id("cus")
    name: str = pa.Field(nullable=True)
    normalized_name: str = pa.Field(nullable=True)
    parent_source_id: str = pa.Field(nullable=True)
    parent_global_id: str = reference("cus")
    currency: str = pa.Field(nullable=True, str_matches=CURRENCY)
    is_active: bool = pa.Field(nullable=True)
    tax_id: str = pa.Field(nullable=True)
    web_domain: str = pa.Field(nullable=True)
    crm_psa_client_id: str = pa.Field(nullable=True)
    crm_erp_customer_id: str = pa.Field(nullable=True)
    crm_open_ar: float = money()
    erp_balance: float = money()
    erp_balance_with_jobs: float = money()
    erp_level: int = pa.Field(nullable=True, ge=0)


class Engagement(Identified):
    global_id: str = global_id("eng")
    customer_global_id: str = reference("cus")
    customer_source_id: str = pa.Field(nullable=True)
    name: str = pa.Field(nullable=True)
    billing_model: str = pa.Field(nullable=True, isin=["fixed_fee", "time_and_materials"])
    value: float = money()
    currency: str = pa.Field(nullable=True, str_matches=CURRENCY)
    stage: str = pa.Field(nullable=True)
    is_won: bool = pa.Field(nullable=True)
    is_closed: bool = pa.Field(nullable=True)
    close_date: pl.Date = pa.Field(nullable=True)
    is_active: bool = pa.Field(nullable=True)
    is_billable: bool = pa.Field(nullable=True)
    bill_by: str = pa.Field(nullable=True, isin=["People", "Project", "Tasks", "none"])
    hourly_rate: float = money()
    starts_on: pl.Date = pa.Field(nullable=True)
    ends_on: pl.Date = pa.Field(nullable=True)
    crm_psa_project_id: str = pa.Field(nullable=True)
    psa_code: str = pa.Field(nullable=True)


class Resource(Identified):
    global_id: str = global_id("res")
    system: str = pa.Field(isin=["psa", "erp"])
    email: str = pa.Field(nullable=True)
    name: str = pa.Field(nullable=True)
    role: str = pa.Field(nullable=True)
    cost_rate: float = pa.Field(nullable=True, ge=0)
    default_rate: float = pa.Field(nullable=True, ge=0)
    is_active: bool = pa.Field(nullable=True)


class RateCard(Record):
    system: str = pa.Field(isin=["psa"])
    engagement_global_id: str = global_id("eng")
    project_source_id: str
    resource_global_id: str = reference("res")
    user_source_id: str
    hourly_rate: float = pa.Field(nullable=True, ge=0)
    currency: str = pa.Field(nullable=True, str_matches=CURRENCY)
    rate_source: str = pa.Field(isin=["user_assignment", "project"])


class TimeEntry(Identified):
    global_id: str = global_id("tim")
    system: str = pa.Field(isin=["psa", "erp"])
    engagement_global_id: str = reference("eng")
    project_source_id: str = pa.Field(nullable=True)
    resource_global_id: str = reference("res")
    customer_global_id: str = reference("cus")
    spent_date: pl.Date
    hours: float = pa.Field(ge=0, le=24)
    billable: bool = pa.Field(nullable=True)
    approved: bool = pa.Field(nullable=True)
    is_billed: bool = pa.Field(nullable=True)
    billable_status: str = pa.Field(nullable=True, isin=["Billable", "HasBeenBilled", "NotBillable"])
    invoice_source_id: str = pa.Field(nullable=True)
    billable_rate: float = pa.Field(nullable=True, ge=0)
    currency: str = pa.Field(nullable=True, str_matches=CURRENCY)
    billable_amount: float = money()


class Expense(Identified):
    global_id: str = global_id("exp")
    system: str = pa.Field(isin=["psa"])
    engagement_global_id: str = reference("eng")
    resource_global_id: str = reference("res")
    spent_date: pl.Date
    amount: float = money(nullable=False)
    currency: str = pa.Field(nullable=True, str_matches=CURRENCY)
    billable: bool = pa.Field(nullable=True)
    is_billed: bool = pa.Field(nullable=True)
    invoice_source_id: str = pa.Field(nullable=True)


class Invoice(Identified):
    global_id: str = global_id("inv")
    system: str = pa.Field(isin=["psa", "erp"])
    erp_vendor: str = pa.Field(nullable=True, isin=["quickbooks", "xero", "ledger"])
    migrated_from: str = pa.Field(nullable=True)  # an opening item: the old ERP's invoice it carries on
    customer_global_id: str = reference("cus")
    engagement_global_id: str = reference("eng")
    document_number: str = pa.Field(nullable=True)
    issue_date: pl.Date = pa.Field(nullable=True)
    due_date: pl.Date = pa.Field(nullable=True)
    currency: str = pa.Field(str_matches=CURRENCY)
    total: float = money(nullable=False)
    amount_due: float = money()
    status: str = pa.Field(isin=["draft", "open", "paid", "closed", "voided"])
    lines_total: float = money(nullable=False)
    discount_total: float = money(nullable=False)
    tax_total: float = money(nullable=False)
    exchange_rate: float = pa.Field(nullable=True, gt=0)
    home_currency_total: float = money()


class InvoiceLine(Record):
    system: str = pa.Field(isin=["psa", "erp"])
    invoice_global_id: str = global_id("inv")
    line_number: int = pa.Field(ge=1)
    kind: str = pa.Field(nullable=True)
    description: str = pa.Field(nullable=True)
    quantity: float = pa.Field(nullable=True)
    unit_price: float = money()
    amount: float = money()


class CreditMemo(Identified):
    global_id: str = global_id("crd")
    system: str = pa.Field(isin=["erp"])
    customer_global_id: str = reference("cus")
    document_number: str = pa.Field(nullable=True)
    issue_date: pl.Date = pa.Field(nullable=True)
    currency: str = pa.Field(str_matches=CURRENCY)
    total: float = money(nullable=False)
    remaining: float = money()


class Payment(Identified):
    global_id: str = global_id("pay")
    system: str = pa.Field(isin=["erp"])
    customer_global_id: str = reference("cus")
    payment_date: pl.Date = pa.Field(nullable=True)
    currency: str = pa.Field(str_matches=CURRENCY)
    amount: float = money(nullable=False)


class PaymentApplication(Record):
    system: str = pa.Field(isin=["erp"])
    payment_global_id: str = reference("pay")  # none for a Xero credit note's allocation
    invoice_global_id: str = reference("inv")
    invoice_source_id: str = pa.Field(nullable=True)
    credit_memo_source_id: str = pa.Field(nullable=True)
    applied_on: pl.Date = pa.Field(nullable=True)
    amount: float = money()


class Xref(Identified):
    entity_type: str = pa.Field(isin=[t.name for t in IDENTIFIED])
    global_id: str = pa.Field(str_matches=r"^[a-z]{3}_[0-9a-f]{16}$")


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


def contract_failures(frame: pl.DataFrame, model: type[pa.DataFrameModel]) -> pl.DataFrame:
    """The failure cases of validating `frame` against `model` (empty when the contract holds). A column
    the frame lacks is reported by a schema of the missing columns alone, and the rest of the contract
    runs on the columns the frame has: coercing a missing column stops polars instead of failing a check."""
    schema = model.to_schema()
    missing = [name for name in schema.columns if name not in frame.columns]
    parts = [(schema.remove_columns(missing), frame)]
    if missing:
        parts.append((pa.DataFrameSchema({name: pa.Column() for name in missing}), frame.head(0)))
    cases = []
    for part, data in parts:
        try:
            part.validate(data, lazy=True)
        except pa.errors.SchemaErrors as errors:
            cases.append(errors.failure_cases)
    return pl.concat(cases, how="diagonal_relaxed") if cases else pl.DataFrame()


assert set(MODELS) == {*BY_NAME, XREF.name}, "every canonical table has a contract"
