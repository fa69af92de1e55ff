"""Harvest API v2 (the PSA) contracts: one per extracted object, in Harvest's own field names."""

from __future__ import annotations

import pandera.polars as pa
import polars as pl

from checks import rules
from checks.contract import Contract, Field, Reference, SourceRecord, one_of, row_rule

STAMPS = (Field("created_at", "timestamp"), Field("updated_at", "timestamp"))
INVOICE_STATES = ("draft", "open", "paid", "closed")
BILL_BY = ("Project", "Tasks", "People", "none")
BUDGET_BY = ("project", "project_cost", "task", "task_fees", "person", "none")
NAME_LIMIT = 255


def contract(
    object_name: str,
    model: type[pa.DataFrameModel],
    fields: tuple[Field, ...],
    known: str,
    references: tuple[Reference, ...] = (),
    derived: dict[str, str] | None = None,
) -> Contract:
    return Contract(
        "harvest",
        object_name,
        "id",
        (Field("id", "integer", required=False), *fields, *STAMPS),
        model,
        frozenset(known.split()),
        references,
        derived or {},
    )


class Client(SourceRecord):
    pass


class Project(SourceRecord):
    bill_by: str = pa.Field(nullable=True)
    budget_by: str = pa.Field(nullable=True)

    bill_by_known = one_of("bill_by", BILL_BY)
    budget_by_known = one_of("budget_by", BUDGET_BY)


class TimeEntry(SourceRecord):
    hours: float = pa.Field(nullable=True)

    hours_within_a_day = row_rule(f"{rules.HOURS_OUT_OF_RANGE}:hours", (pl.col("hours") > 0) & (pl.col("hours") <= 24))


class Invoice(SourceRecord):
    state: str = pa.Field(nullable=True)
    amount: float = pa.Field(nullable=True)
    lines_total: float = pa.Field(nullable=True)

    state_known = one_of("state", INVOICE_STATES)
    lines_sum_to_amount = row_rule(
        f"{rules.INVOICE_LINES_DO_NOT_SUM}:amount", ~((pl.col("amount") - pl.col("lines_total")).abs() > 0.005)
    )


def _money(path: str) -> str:
    return f"coalesce(TRY_CAST(json_extract_string(payload, '{path}') AS DECIMAL(18, 4)), 0)"


# Harvest's `amount` is the lines' subtotal plus both taxes, less the discount.
LINES_TOTAL = (
    "(list_sum(list_transform(json_extract(payload, '$.line_items[*].amount'), "
    "lambda a: TRY_CAST(a::VARCHAR AS DECIMAL(18, 4))))"
    f" + {_money('$.tax_amount')} + {_money('$.tax2_amount')} - {_money('$.discount_amount')})::DOUBLE"
)

CONTRACTS = [
    contract(
        "clients",
        Client,
        (
            Field("name", "name", max_length=NAME_LIMIT),
            Field("is_active", "boolean"),
            Field("currency", "currency"),
        ),
        "id name is_active address statement_key created_at updated_at currency",
    ),
    contract(
        "projects",
        Project,
        (
            Field("name", "name", max_length=NAME_LIMIT),
            Field("client.id", "ref"),
            Field("client.currency", "currency"),
            Field("code", "text", required=False),
            Field("is_active", "boolean"),
            Field("is_billable", "boolean"),
            Field("is_fixed_fee", "boolean"),
            Field("bill_by", "text"),
            Field("budget_by", "text"),
            Field("budget", "number", required=False),
            Field("hourly_rate", "money", required=False, currency="client_currency"),
            Field("fee", "money", required=False, currency="client_currency"),
            Field("starts_on", "date", required=False),
            Field("ends_on", "date", required=False),
        ),
        "id name code is_active bill_by budget budget_by budget_is_monthly notify_when_over_budget "
        "over_budget_notification_percentage over_budget_notification_date show_budget_to_all created_at updated_at "
        "starts_on ends_on is_billable is_fixed_fee notes client cost_budget cost_budget_include_expenses hourly_rate fee",
        (Reference("client_id", "clients"),),
    ),
    contract(
        "users",
        SourceRecord,
        (
            Field("first_name", "name", max_length=NAME_LIMIT),
            Field("last_name", "name", max_length=NAME_LIMIT),
            Field("email", "text"),
            Field("is_active", "boolean"),
            Field("default_hourly_rate", "number", required=False),
            Field("cost_rate", "number", required=False),
        ),
        "id first_name last_name email telephone timezone has_access_to_all_future_projects is_contractor is_active "
        "created_at updated_at weekly_capacity default_hourly_rate cost_rate roles access_roles avatar_url "
        "permissions_claims calendar_integration_enabled calendar_integration_source can_create_projects",
    ),
    contract(
        "tasks",
        SourceRecord,
        (
            Field("name", "name", max_length=NAME_LIMIT),
            Field("billable_by_default", "boolean"),
            Field("default_hourly_rate", "number", required=False),
            Field("is_active", "boolean"),
        ),
        "id name billable_by_default default_hourly_rate is_default is_active created_at updated_at",
    ),
    contract(
        "task_assignments",
        SourceRecord,
        (
            Field("project.id", "ref"),
            Field("task.id", "ref"),
            Field("billable", "boolean"),
            Field("is_active", "boolean"),
            Field("hourly_rate", "number", required=False),
        ),
        "id project task is_active billable hourly_rate budget created_at updated_at",
        (Reference("project_id", "projects"), Reference("task_id", "tasks")),
    ),
    contract(
        "user_assignments",
        SourceRecord,
        (
            Field("project.id", "ref"),
            Field("user.id", "ref"),
            Field("is_active", "boolean"),
            Field("use_default_rates", "boolean"),
            Field("hourly_rate", "number", required=False),
        ),
        "id project user is_active is_project_manager use_default_rates budget created_at updated_at hourly_rate",
        (Reference("project_id", "projects"), Reference("user_id", "users")),
    ),
    contract(
        "time_entries",
        TimeEntry,
        (
            Field("spent_date", "date", past=True),
            Field("hours", "number"),
            Field("user.id", "ref"),
            Field("client.id", "ref"),
            Field("project.id", "ref"),
            Field("task.id", "ref"),
            Field("billable", "boolean"),
            Field("is_billed", "boolean"),
            Field("is_closed", "boolean"),
            Field("billable_rate", "number", required=False),
            Field("cost_rate", "number", required=False),
            Field("invoice.id", "ref", required=False),
        ),
        "id spent_date user client project task user_assignment task_assignment hours hours_without_timer "
        "rounded_hours notes created_at updated_at is_locked locked_reason approval_status is_closed is_billed "
        "timer_started_at started_time ended_time is_running invoice external_reference billable budgeted "
        "billable_rate cost_rate",
        (
            Reference("user_id", "users"),
            Reference("client_id", "clients"),
            Reference("project_id", "projects"),
            Reference("task_id", "tasks"),
            Reference("invoice_id", "invoices"),
        ),
    ),
    contract(
        "expenses",
        SourceRecord,
        (
            Field("spent_date", "date", past=True),
            Field("total_cost", "money", currency="client_currency"),
            Field("user.id", "ref"),
            Field("project.id", "ref"),
            Field("client.id", "ref"),
            Field("client.currency", "currency"),
            Field("billable", "boolean"),
            Field("is_billed", "boolean"),
            Field("invoice.id", "ref", required=False),
        ),
        "id notes total_cost units is_closed approval_status is_locked is_billed locked_reason spent_date "
        "created_at updated_at billable receipt user user_assignment project expense_category client invoice",
        (
            Reference("user_id", "users"),
            Reference("project_id", "projects"),
            Reference("client_id", "clients"),
            Reference("invoice_id", "invoices"),
        ),
    ),
    contract(
        "invoices",
        Invoice,
        (
            Field("number", "text"),
            Field("client.id", "ref"),
            Field("currency", "currency"),
            Field("amount", "money", currency="currency"),
            Field("due_amount", "money", currency="currency"),
            Field("state", "text"),
            Field("issue_date", "date", past=True),
            Field("due_date", "date", required=False),
        ),
        "id client_key number purchase_order amount due_amount tax tax_amount tax2 tax2_amount discount "
        "discount_amount subject notes state period_start period_end issue_date due_date payment_term "
        "payment_options sent_at paid_at paid_date closed_at recurring_invoice_id created_at updated_at currency "
        "client estimate retainer creator line_items",
        (Reference("client_id", "clients"),),
        {"lines_total": LINES_TOTAL},
    ),
]
