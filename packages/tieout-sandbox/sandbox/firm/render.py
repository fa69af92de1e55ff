"""Rendering the firm's master data and billing into vendor records, grouped by store object."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal

from . import shapes_harvest as harvest
from . import shapes_hubspot as hubspot
from . import shapes_quickbooks as qbo
from . import shapes_salesforce as sf
from . import shapes_xero as xero
from .clock import at, iso_utc
from .model import Customer, Firm, Person, Posting
from .timesheets import Row

Key = tuple[str, str, str]  # system, tenant, object
ZERO = Decimal("0")


def _z(moment) -> str:
    return iso_utc(moment)


def _qbo_updated(record: dict) -> str:
    return iso_utc(datetime.fromisoformat(record["MetaData"]["LastUpdatedTime"]))


class Balances:
    """Open receivables per ERP customer, from the postings the ERP holds (those `where` takes)."""

    def __init__(self, firm: Firm, where: Callable[[Posting], bool] = lambda _: True):
        self.own: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
        for post in all_postings(firm):
            if where(post):
                self.own[(post.entity.code, post.customer_qbo_id)] += post.balance
        self.firm = firm
        self.projects: dict[int, list[str]] = defaultdict(list)  # QuickBooks ids of each customer's projects
        for p in firm.projects:
            if p.qbo_id:
                self.projects[id(p.customer)].append(p.qbo_id)

    def with_projects(self, c: Customer) -> Decimal:
        """The customer and its project sub-customers, not its subsidiaries: what Open_AR__c carries."""
        assert c.qbo_id is not None  # asked of QuickBooks customers only
        return self.own[(c.entity.code, c.qbo_id)] + sum(
            (self.own[(c.entity.code, qbo_id)] for qbo_id in self.projects[id(c)]), ZERO
        )

    def with_jobs(self, c: Customer, children: dict[int, list[Customer]]) -> Decimal:
        return self.with_projects(c) + sum((self.with_jobs(k, children) for k in children[id(c)]), ZERO)


def all_postings(firm: Firm) -> list[Posting]:
    return [post for inv in firm.invoices for post in inv.postings] + firm.postings


def harvest_master(firm: Firm) -> dict[Key, list[Row]]:
    rows: dict[Key, list[Row]] = defaultdict(list)
    clients = sorted(
        {id(c): c for c in [*firm.customers, *(p.customer for p in firm.projects)] if c.harvest_id}.values(),
        key=_harvest_id,
    )
    for c in clients:
        record = harvest.client(c)
        rows[("harvest", "", "clients")].append((str(c.harvest_id), record, record["updated_at"]))
    for person in firm.people:
        record = harvest.user(person)
        rows[("harvest", "", "users")].append((str(person.harvest_id), record, record["updated_at"]))
    for task in firm.tasks:
        record = harvest.task(task, firm.as_of - timedelta(days=900))
        rows[("harvest", "", "tasks")].append((str(task.harvest_id), record, record["updated_at"]))
    for p in sorted(firm.projects, key=lambda p: p.harvest_id):
        record = harvest.project(p)
        rows[("harvest", "", "projects")].append((str(p.harvest_id), record, record["updated_at"]))
        for m in p.members:
            ua = harvest.user_assignment(p, m)
            rows[("harvest", "", "user_assignments")].append((str(m.assignment_id), ua, ua["updated_at"]))
        for task, assignment in p.tasks:
            ta = harvest.task_assignment(p, task, assignment)
            rows[("harvest", "", "task_assignments")].append((str(assignment), ta, ta["updated_at"]))
    return rows


def _harvest_id(c: Customer) -> int:
    assert c.harvest_id is not None  # harvest_master sorts only the customers that have one
    return c.harvest_id


def billing_records(firm: Firm, finance: Person) -> dict[Key, list[Row]]:
    rows: dict[Key, list[Row]] = defaultdict(list)
    for inv in firm.invoices:
        created = at(inv.issue_date, 540)
        updated = max([created, *(at(p.day, 720) for p in inv.psa_payments)])
        record = harvest.invoice(inv, finance, created, updated)
        rows[("harvest", "", "invoices")].append((str(inv.harvest_id), record, record["updated_at"]))
        for pay in inv.psa_payments:
            payment = harvest.invoice_payment(inv, pay, finance)
            rows[("harvest", "", "invoice_payments")].append((str(pay.harvest_id), payment, payment["updated_at"]))
    for post in sorted(all_postings(firm), key=lambda p: (p.entity.code, int(p.qbo_id))):
        if post.erp != "quickbooks":
            continue  # xero_records and ledger_rows render them
        tenant = post.entity.realm_id
        created = at(post.txn_date, 560)
        updated = max([created, *(at(r.day, 905) for r in post.receipts)])
        record = qbo.invoice(post, post.txn_date + timedelta(days=30), created, updated)
        rows[("quickbooks", tenant, "Invoice")].append((post.qbo_id, record, _z(updated)))
        for r in post.receipts:
            applied = [(post.qbo_id, "Invoice", r.amount)]
            if r.kind == "credit":
                # Billing.credit gives every credit receipt its memo
                assert r.credit_memo_id is not None and r.credit_memo_number is not None
                memo = qbo.credit_memo(
                    post.entity,
                    r.credit_memo_id,
                    r.credit_memo_number,
                    post,
                    r.day,
                    r.amount,
                    f"Credit against invoice {post.doc_number}",
                )
                rows[("quickbooks", tenant, "CreditMemo")].append((r.credit_memo_id, memo, _qbo_updated(memo)))
                applied.append((r.credit_memo_id, "CreditMemo", r.amount))
            payment = qbo.payment(
                post.entity,
                r.payment_id,
                post,
                r.day,
                applied,
                r.amount if r.kind == "cash" else ZERO,
                "Payment received" if r.kind == "cash" else f"Applied {r.credit_memo_number}",
            )
            rows[("quickbooks", tenant, "Payment")].append((r.payment_id, payment, _qbo_updated(payment)))
    for key in rows:
        if key[0] == "quickbooks" and key[2] != "Invoice":
            rows[key].sort(key=lambda row: int(row[0]))
    return rows


def quickbooks_master(firm: Firm, balances: Balances) -> dict[Key, list[Row]]:
    rows: dict[Key, list[Row]] = defaultdict(list)
    children: dict[int, list[Customer]] = defaultdict(list)
    # an entity that moved to Xero keeps its QuickBooks customers, hierarchy, projects and employees
    erp = [c for c in firm.customers if c.qbo_id and c.entity.in_quickbooks]
    for c in erp:
        if c.erp_parent is not None:
            children[id(c.erp_parent)].append(c)
    names: dict[int, tuple[str, int]] = {}

    def full_name(c: Customer) -> tuple[str, int]:
        if id(c) not in names:
            parent = c.erp_parent
            names[id(c)] = (
                (c.erp_name, 0)
                if parent is None
                else (f"{full_name(parent)[0]}:{c.erp_name}", full_name(parent)[1] + 1)
            )
        return names[id(c)]

    started = firm.as_of - timedelta(days=1200)
    for e in firm.entities:
        if not e.in_quickbooks:
            continue
        tenant = e.realm_id
        for obj, record in (
            ("CompanyInfo", qbo.company_info(e, started)),
            ("Preferences", qbo.preferences(e, started)),
            ("Item", qbo.item(e, qbo.SERVICES, started)),
            ("Item", qbo.item(e, qbo.EXPENSES, started)),
        ):
            rows[("quickbooks", tenant, obj)].append((record["Id"], record, _qbo_updated(record)))
    for c in erp:
        assert c.qbo_id is not None  # erp holds the QuickBooks customers
        name, level = full_name(c)
        record = qbo.customer(c, name, level, balances.own[(c.entity.code, c.qbo_id)], balances.with_jobs(c, children))
        rows[("quickbooks", c.entity.realm_id, "Customer")].append((c.qbo_id, record, _qbo_updated(record)))
    for p in firm.projects:
        if p.qbo_id and p.customer.entity.in_quickbooks:
            name, level = full_name(p.customer)
            record = qbo.project_customer(p, name, level + 1, balances.own[(p.customer.entity.code, p.qbo_id)])
            rows[("quickbooks", p.customer.entity.realm_id, "Customer")].append(
                (p.qbo_id, record, _qbo_updated(record))
            )
    for person in firm.people:
        if not person.entity.in_quickbooks:
            continue  # on Xero its people are Xero Projects' users (xero_records); the ledger keeps none
        assert person.qbo_id is not None  # build_people makes everyone a QuickBooks employee
        record = qbo.employee(person)
        rows[("quickbooks", person.entity.realm_id, "Employee")].append((person.qbo_id, record, _qbo_updated(record)))
    for key in rows:
        rows[key].sort(key=lambda row: int(row[0]))
    return rows


def xero_records(firm: Firm) -> dict[tuple[str, str], list[dict]]:
    """The records of every entity on Xero, by (tenant, collection), each collection in the firm's own order:
    its organisation, its customers as contacts (no hierarchy, no project sub-customers), its postings as
    invoices against the customer's contact, cash as payments and credit memos as allocated credit notes,
    and (Xero Projects) its projects and its people as project users."""
    records: dict[tuple[str, str], list[dict]] = defaultdict(list)
    owner: dict[tuple[str, str], Customer] = {}  # (entity code, QuickBooks-style id) -> the customer billed
    for c in firm.customers:
        if c.qbo_id and c.entity.on_xero:
            owner[(c.entity.code, c.qbo_id)] = c
    for p in firm.projects:
        if p.qbo_id and p.customer.entity.on_xero:
            owner[(p.customer.entity.code, p.qbo_id)] = p.customer
    started = firm.as_of - timedelta(days=1200)
    for e in firm.entities:
        if e.on_xero:
            assert e.xero_tenant_id is not None  # make_entities gives every Xero entity its tenant
            records[(e.xero_tenant_id, "Organisation")].append(xero.organisation(e, started))
    for c in sorted((c for c in firm.customers if c.qbo_id and c.entity.on_xero), key=lambda c: int(c.qbo_id or 0)):
        assert c.entity.xero_tenant_id is not None
        records[(c.entity.xero_tenant_id, "Contacts")].append(xero.contact(c))
    # Xero Projects (an entity whose time is there): its projects and its people as project users; their
    # tasks and time are written with the rest of the time (build._stream_time)
    for p in sorted(
        (p for p in firm.projects if p.qbo_id and p.customer.entity.time_in_xero), key=lambda p: int(p.qbo_id or 0)
    ):
        assert p.customer.entity.xero_tenant_id is not None
        records[(p.customer.entity.xero_tenant_id, "Projects")].append(xero.project(p))
    for person in firm.people:
        if person.entity.time_in_xero:
            assert person.entity.xero_tenant_id is not None
            records[(person.entity.xero_tenant_id, "ProjectsUsers")].append(xero.project_user(person))
    postings = sorted((p for p in all_postings(firm) if p.in_xero), key=lambda p: (p.entity.code, int(p.qbo_id)))
    payments, credits = [], []
    for post in postings:
        tenant, customer = post.entity.xero_tenant_id, owner[(post.entity.code, post.customer_qbo_id)]
        assert tenant is not None
        updated = max([at(post.txn_date, 560), *(at(r.day, 905) for r in post.receipts)])
        records[(tenant, "Invoices")].append(xero.invoice(post, customer, updated))
        for r in post.receipts:
            if r.kind == "cash":
                payments.append((int(r.payment_id), tenant, xero.payment(post, customer, r)))
            else:
                credits.append((int(r.credit_memo_id or 0), tenant, xero.credit_note(post, customer, r)))
    for collection, documents in (("Payments", payments), ("CreditNotes", credits)):
        for _, tenant, record in sorted(documents, key=lambda d: (d[1], d[0])):
            records[(tenant, collection)].append(record)
    return records


def salesforce_records(firm: Firm, open_ar: dict[int, Decimal]) -> dict[Key, list[Row]]:
    """Accounts and opportunities of the customers whose CRM is Salesforce."""
    rows: dict[Key, list[Row]] = defaultdict(list)
    for c in firm.customers:
        if c.sf_id and not c.on_hubspot:
            created = at(c.since, 660)
            updated = at(firm.as_of - timedelta(days=1), 180) if id(c) in open_ar else created
            record = sf.account(c, open_ar.get(id(c)), created, updated)
            rows[("salesforce", "", "Account")].append((c.sf_id, record, _z(updated)))
    for o in firm.opportunities:
        if o.account.sf_id and not o.account.on_hubspot:
            last = min(o.close_date, firm.as_of)
            created, updated = at(last - timedelta(days=30), 600), at(last, 660)
            rows[("salesforce", "", "Opportunity")].append((o.sf_id, sf.opportunity(o, created, updated), _z(updated)))
    return rows


# (from object, from id, to object, to id, kind) as hubspot_records.associate takes them
Association = tuple[str, str, str, str, str]


def hubspot_records(
    firm: Firm, open_ar: dict[int, Decimal]
) -> tuple[dict[tuple[str, str], list[dict]], list[Association]]:
    """The companies and deals of the customers whose CRM is HubSpot, by (portal, object) in id order, with
    the same times as Salesforce's records would have; and their associations: each child company to its
    parent, each deal to its company (primary)."""
    records: dict[tuple[str, str], list[dict]] = defaultdict(list)
    links: list[Association] = []
    companies = sorted((c for c in firm.customers if c.sf_id and c.on_hubspot), key=lambda c: int(c.hubspot_id or 0))
    for c in companies:
        assert c.entity.hubspot_portal_id is not None and c.hubspot_id is not None  # make_entities, CustomerFactory
        created = at(c.since, 660)
        updated = at(firm.as_of - timedelta(days=1), 180) if id(c) in open_ar else created
        records[(c.entity.hubspot_portal_id, "companies")].append(
            hubspot.company(c, open_ar.get(id(c)), created, updated)
        )
        if c.crm_parent_id:
            parent = c.crm_parent_id.removeprefix("hubspot:")
            links.append(("companies", c.hubspot_id, "companies", parent, "child"))
    deals = sorted(
        (o for o in firm.opportunities if o.account.sf_id and o.account.on_hubspot),
        key=lambda o: int(o.hubspot_id or 0),
    )
    for o in deals:
        assert o.account.entity.hubspot_portal_id is not None and o.account.hubspot_id is not None and o.hubspot_id
        last = min(o.close_date, firm.as_of)
        created, updated = at(last - timedelta(days=30), 600), at(last, 660)
        records[(o.account.entity.hubspot_portal_id, "deals")].append(hubspot.deal(o, created, updated))
        links.append(("deals", o.hubspot_id, "companies", o.account.hubspot_id, "primary"))
    return records, links
