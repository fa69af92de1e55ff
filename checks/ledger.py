"""The on-premises ledger's contracts (docs/ledger.md), in its own column names; references resolve inside
the same legal entity (a line's and an application's is their invoice's). Rows from the database and
from exported files are checked alike: a file's bad row is quarantined here, not by the file reader."""

from __future__ import annotations

import pandera.polars as pa
import polars as pl

from checks import rules
from checks.contract import Contract, Field, Reference, SourceRecord, one_of, row_rule
from resources.ledger_tables import KINDS

INVOICE_STATUSES = ("draft", "open", "paid", "voided")
NAME_LIMIT = 200
MODIFIED = Field("modified_at", "timestamp")


def contract(
    object_name: str,
    model: type[pa.DataFrameModel],
    fields: tuple[Field, ...],
    references: tuple[Reference, ...] = (),
    parent: str | None = None,
) -> Contract:
    key = next(iter(KINDS[object_name]))  # the first column; a line's id is `<invoice_id>:<line_number>`
    return Contract(
        "ledger",
        object_name,
        key,
        (*fields, MODIFIED),
        model,
        frozenset(KINDS[object_name]),
        references,
        {},
        parent,
    )


def money(column: str, required: bool = True) -> Field:
    return Field(column, "money", required=required, currency="currency")


class Customer(SourceRecord):
    in_cycle: bool = pa.Field()

    parent_chain_ends = row_rule(f"{rules.PARENT_CYCLE}:parent_customer_id", ~pl.col("in_cycle"))


class Invoice(SourceRecord):
    """Its totals add up the ledger's way (lines less discount plus tax), and what is due lies between
    nothing and the total."""

    status: str = pa.Field(nullable=True)
    lines_total: float = pa.Field(nullable=True)
    discount_total: float = pa.Field(nullable=True)
    tax_total: float = pa.Field(nullable=True)
    total: float = pa.Field(nullable=True)
    amount_due: float = pa.Field(nullable=True)

    status_known = one_of("status", INVOICE_STATUSES)
    totals_add_up = row_rule(
        f"{rules.INVOICE_LINES_DO_NOT_SUM}:total",
        ~((pl.col("total") - (pl.col("lines_total") - pl.col("discount_total") + pl.col("tax_total"))).abs() > 0.01),
    )
    due_within_total = row_rule(
        f"{rules.AMOUNT_DUE_OUT_OF_RANGE}:amount_due",
        ~((pl.col("amount_due") < 0) | (pl.col("amount_due") > pl.col("total") + 0.005)),
    )


class Application(SourceRecord):
    """Cash (a payment) or a credit memo's credit applied to an invoice: exactly one of the two."""

    payment_id: str = pa.Field(nullable=True)
    credit_memo_id: str = pa.Field(nullable=True)

    one_source = row_rule(
        f"{rules.APPLICATION_SOURCE_NOT_ONE}:payment_id",
        pl.col("payment_id").is_not_null() ^ pl.col("credit_memo_id").is_not_null(),
    )


CUSTOMER = Reference("customer_id", "customers")
INVOICE = Reference("invoice_id", "invoices")

CONTRACTS = [
    contract(
        "companies",
        SourceRecord,
        (
            Field("entity_code", "ref", required=False),
            Field("name", "name", max_length=NAME_LIMIT),
            Field("home_currency", "currency"),
        ),
    ),
    contract(
        "customers",
        Customer,
        (
            Field("customer_id", "ref", required=False),
            Field("entity_code", "text"),
            Field("name", "name", max_length=NAME_LIMIT),
            Field("parent_customer_id", "ref", required=False),
            Field("currency", "currency", required=False),
            Field("is_active", "boolean"),
            Field("tax_id", "text", required=False),
            Field("website", "text", required=False),
            Field("external_ref", "text", required=False),
        ),
        (Reference("parent_customer_id", "customers"),),
        parent="parent_customer_id",
    ),
    contract(
        "invoices",
        Invoice,
        (
            Field("invoice_id", "ref", required=False),
            Field("entity_code", "text"),
            Field("customer_id", "ref"),
            Field("invoice_number", "text"),
            Field("issue_date", "date", past=True),
            Field("due_date", "date", required=False),
            Field("currency", "currency"),
            money("lines_total"),
            money("discount_total"),
            money("tax_total"),
            money("total"),
            money("amount_due"),
            Field("status", "text"),
            Field("reference", "text", required=False),
            Field("exchange_rate", "number", required=False),
        ),
        (CUSTOMER,),
    ),
    contract(
        "invoice_lines",
        SourceRecord,
        (
            Field("invoice_id", "ref"),
            Field("line_number", "integer"),
            Field("item", "text", required=False),
            Field("description", "text", required=False),
            Field("quantity", "number", required=False),
            Field("unit_price", "money", required=False),
            Field("amount", "money"),
        ),
        (INVOICE,),
    ),
    contract(
        "payments",
        SourceRecord,
        (
            Field("payment_id", "ref", required=False),
            Field("entity_code", "text"),
            Field("customer_id", "ref"),
            Field("payment_date", "date", past=True),
            Field("currency", "currency"),
            money("amount"),
        ),
        (CUSTOMER,),
    ),
    contract(
        "payment_applications",
        Application,
        (
            Field("application_id", "ref", required=False),
            Field("payment_id", "ref", required=False),
            Field("credit_memo_id", "ref", required=False),
            Field("invoice_id", "ref"),
            Field("applied_on", "date", past=True),
            Field("amount", "money"),
        ),
        (INVOICE, Reference("payment_id", "payments"), Reference("credit_memo_id", "credit_memos")),
    ),
    contract(
        "credit_memos",
        SourceRecord,
        (
            Field("credit_memo_id", "ref", required=False),
            Field("entity_code", "text"),
            Field("customer_id", "ref"),
            Field("credit_number", "text", required=False),
            Field("issue_date", "date", past=True),
            Field("currency", "currency"),
            money("total"),
            money("remaining"),
        ),
        (CUSTOMER,),
    ),
]
