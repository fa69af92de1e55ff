"""The warehouse's tables: a source object's raw snapshots, and the canonical tables in build order (what
each reads, what it needs first, its global id prefix)."""

from __future__ import annotations

from dataclasses import dataclass


def raw_table(system: str, object_name: str) -> str:
    return f"raw.{system}__{object_name.lower()}"


@dataclass(frozen=True)
class CanonicalTable:
    name: str
    sources: tuple[tuple[str, str], ...]  # (system, object) of the valid tables it reads
    upstream: tuple[str, ...] = ()  # canonical tables it joins
    prefix: str | None = None  # global id prefix; None for tables without a global id of their own
    resources: tuple[str, ...] = ()  # resources whose configuration the SQL needs (besides the warehouse)
    description: str = ""

    @property
    def table(self) -> str:
        return f"canonical.{self.name}"

    @property
    def sql(self) -> str:
        return f"canonical/{self.name}.sql"


SALESFORCE, HUBSPOT, HARVEST, QUICKBOOKS, XERO = "salesforce", "hubspot", "harvest", "quickbooks", "xero"
LEDGER = "ledger"

TABLES = (
    CanonicalTable(
        "legal_entity",
        (
            (QUICKBOOKS, "companyinfo"),
            (QUICKBOOKS, "preferences"),
            (XERO, "organisation"),
            (XERO, "projects"),
            (LEDGER, "companies"),
        ),
        description="one per ERP company (QuickBooks, Xero or the ledger), with its home currency",
    ),
    CanonicalTable(
        "customer",
        (
            (SALESFORCE, "account"),
            (HUBSPOT, "companies"),
            (HARVEST, "clients"),
            (QUICKBOOKS, "customer"),
            (XERO, "contacts"),
            (XERO, "invoices"),
            (LEDGER, "customers"),
            (LEDGER, "invoices"),
            (LEDGER, "credit_memos"),
        ),
        prefix="cus",
        resources=(SALESFORCE,),
        description="CRM accounts, PSA clients and ERP customers, linked by the CRM's id fields",
    ),
    CanonicalTable(
        "engagement",
        (
            (HARVEST, "projects"),
            (SALESFORCE, "opportunity"),
            (HUBSPOT, "deals"),
            (HUBSPOT, "companies"),
            (QUICKBOOKS, "customer"),
            (XERO, "projects"),
        ),
        upstream=("customer",),
        prefix="eng",
        resources=(SALESFORCE,),
        description="PSA projects, opportunities and ERP projects (QuickBooks sub-customers, Xero Projects)",
    ),
    CanonicalTable(
        "resource",
        ((HARVEST, "users"), (QUICKBOOKS, "employee"), (XERO, "projectsusers")),
        prefix="res",
        description="PSA users and ERP employees (Xero Projects' users), linked by e-mail",
    ),
    CanonicalTable(
        "rate_card",
        ((HARVEST, "user_assignments"),),
        upstream=("engagement", "resource"),
        description="the PSA's rate per person and project",
    ),
    CanonicalTable(
        "time_entry",
        ((HARVEST, "time_entries"), (QUICKBOOKS, "timeactivity"), (XERO, "projecttime"), (XERO, "projecttasks")),
        upstream=("customer", "engagement", "resource"),
        prefix="tim",
        description="PSA time entries and the ERP time entries copied from them",
    ),
    CanonicalTable(
        "expense",
        ((HARVEST, "expenses"),),
        upstream=("engagement", "resource"),
        prefix="exp",
        description="PSA expenses",
    ),
    CanonicalTable(
        "invoice",
        ((HARVEST, "invoices"), (QUICKBOOKS, "invoice"), (XERO, "invoices"), (LEDGER, "invoices")),
        upstream=("legal_entity", "customer", "engagement"),
        prefix="inv",
        description="PSA invoices and their ERP postings, with the functional-currency view",
    ),
    CanonicalTable(
        "invoice_line",
        (
            (HARVEST, "invoices"),
            (QUICKBOOKS, "invoice"),
            (XERO, "invoices"),
            (LEDGER, "invoices"),
            (LEDGER, "invoice_lines"),
        ),
        upstream=("invoice",),
        description="the lines of every invoice record",
    ),
    CanonicalTable(
        "credit_memo",
        ((QUICKBOOKS, "creditmemo"), (XERO, "creditnotes"), (LEDGER, "credit_memos")),
        upstream=("customer", "engagement"),
        prefix="crd",
        description="ERP credit memos",
    ),
    CanonicalTable(
        "payment",
        ((QUICKBOOKS, "payment"), (XERO, "payments"), (XERO, "invoices"), (LEDGER, "payments")),
        upstream=("customer", "engagement"),
        prefix="pay",
        description="ERP payments",
    ),
    CanonicalTable(
        "payment_application",
        ((QUICKBOOKS, "payment"), (XERO, "payments"), (XERO, "creditnotes"), (LEDGER, "payment_applications")),
        upstream=("payment", "invoice"),
        description="what each ERP payment line settles",
    ),
)
BY_NAME = {t.name: t for t in TABLES}
IDENTIFIED = tuple(t for t in TABLES if t.prefix)  # the tables whose records the cross-reference lists
XREF = CanonicalTable(
    "xref",
    (),
    upstream=tuple(t.name for t in IDENTIFIED),
    description="every record with a global id, and the cross-reference that tied it",
)
