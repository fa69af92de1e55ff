"""The canonical model's contracts (pandera DataFrameModels, docs/data-model.md) and the asset checks
beside each canonical asset: the contract holds, a record has one global id, every record is in the
cross-reference. (No `from __future__ import annotations`: Dagster reads the context annotation.)"""

from collections.abc import Iterator
from datetime import date

import pandas as pd
import pandera.pandas as pa
from dagster import AssetCheckExecutionContext, AssetCheckResult, AssetChecksDefinition, MetadataValue
from pandera.typing import Series

from assets.canonical.factory import canonical_key
from assets.canonical.tables import BY_NAME, IDENTIFIED, TABLES, XREF, CanonicalTable
from assets.nightly import nightly_check, nightly_checks

SYSTEMS = ["crm", "psa", "erp"]
CURRENCY = r"^[A-Z]{3}$"
FAILURE_SAMPLE = 10


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
    name: Series[str]
    home_currency: Series[str] = pa.Field(str_matches=CURRENCY)


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
    payment_global_id: Series[str] = global_id("pay")
    invoice_global_id: Series[str] = reference("inv")
    invoice_source_id: Series[str] = pa.Field(nullable=True)
    credit_memo_source_id: Series[str] = pa.Field(nullable=True)
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


def night(connection, table: CanonicalTable, snapshot_date: date) -> pd.DataFrame:
    return connection.execute(f"SELECT * FROM {table.table} WHERE snapshot_date = ?", [snapshot_date]).df()


def contract_failures(frame: pd.DataFrame, model: type[pa.DataFrameModel]) -> pd.DataFrame:
    """The failure cases of validating `frame` against `model` (empty when the contract holds)."""
    try:
        model.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as errors:
        return errors.failure_cases
    return pd.DataFrame()


def _snapshot_date(context: AssetCheckExecutionContext) -> date:
    return date.fromisoformat(context.partition_key)


def contract_result(connection, table: CanonicalTable, snapshot_date: date) -> AssetCheckResult:
    """Every row of the night satisfies the table's pandera model."""
    frame = night(connection, table, snapshot_date)
    failures = contract_failures(frame, MODELS[table.name])
    return AssetCheckResult(
        asset_key=canonical_key(table.name),
        check_name="contract_holds",
        passed=failures.empty,
        metadata={
            "rows": MetadataValue.int(len(frame)),
            "failures": MetadataValue.int(len(failures)),
            "sample": MetadataValue.md(failures.head(FAILURE_SAMPLE).to_string() if len(failures) else ""),
        },
    )


def unique_result(connection, table: CanonicalTable, snapshot_date: date) -> AssetCheckResult:
    """Each (system, source_id) is one row, so it has one global id."""
    repeated = connection.execute(
        f"SELECT system, source_id, count(*) AS copies, count(DISTINCT global_id) AS global_ids "
        f"FROM {table.table} WHERE snapshot_date = ? GROUP BY 1, 2 HAVING count(*) > 1 ORDER BY 1, 2",
        [snapshot_date],
    ).df()
    return AssetCheckResult(
        asset_key=canonical_key(table.name),
        check_name="one_global_id_per_record",
        passed=repeated.empty,
        metadata={
            "repeated_records": MetadataValue.int(len(repeated)),
            "sample": MetadataValue.md(repeated.head(FAILURE_SAMPLE).to_string()),
        },
    )


def xref_result(connection, snapshot_date: date) -> AssetCheckResult:
    """The cross-reference lists exactly the records of the tables with a global id."""
    records = "\nUNION ALL\n".join(
        f"SELECT '{t.name}' AS entity_type, global_id, system, source_id FROM {t.table} "
        f"WHERE snapshot_date = $snapshot_date"
        for t in IDENTIFIED
    )
    missing, extra = connection.execute(
        f"""
        WITH records AS ({records}),
             listed AS (SELECT entity_type, global_id, system, source_id FROM {XREF.table}
                        WHERE snapshot_date = $snapshot_date)
        SELECT (SELECT count(*) FROM (FROM records EXCEPT ALL FROM listed)),
               (SELECT count(*) FROM (FROM listed EXCEPT ALL FROM records))""",
        {"snapshot_date": snapshot_date},
    ).fetchone()
    return AssetCheckResult(
        asset_key=canonical_key(XREF.name),
        check_name="every_record_in_xref",
        passed=missing == extra == 0,
        metadata={
            "records_missing_from_xref": MetadataValue.int(missing),
            "xref_rows_without_record": MetadataValue.int(extra),
        },
    )


CHECKS = {
    "contract_holds": (contract_result, "every row satisfies the table's pandera contract"),
    "one_global_id_per_record": (unique_result, "each (system, source_id) is one row, with one global id"),
    "every_record_in_xref": (
        lambda connection, _, snapshot_date: xref_result(connection, snapshot_date),
        "the cross-reference lists exactly the records of the tables with a global id",
    ),
}


def checks_of(table: CanonicalTable) -> list[str]:
    return [
        "contract_holds",
        *(["one_global_id_per_record"] if table.prefix else []),
        *(["every_record_in_xref"] if table is XREF else []),
    ]


def table_checks(table: CanonicalTable) -> AssetChecksDefinition:
    """The checks of one canonical table, evaluated together in one step on one connection."""
    names = checks_of(table)

    @nightly_checks(
        name=f"canonical__{table.name}__checks",
        specs=[nightly_check(name, canonical_key(table.name), CHECKS[name][1], blocking=True) for name in names],
    )
    def evaluate(context: AssetCheckExecutionContext) -> Iterator[AssetCheckResult]:
        snapshot_date = _snapshot_date(context)
        with context.resources.warehouse.get_connection() as connection:
            for name in names:
                yield CHECKS[name][0](connection, table, snapshot_date)

    return evaluate


canonical_checks: list[AssetChecksDefinition] = [table_checks(t) for t in (*TABLES, XREF)]
assert set(MODELS) == {*BY_NAME, XREF.name}, "every canonical table has a contract"
