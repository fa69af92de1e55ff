"""The firm as one object graph: what each system should say, before rendering to vendor shapes.

Plants change these objects (a system's own view of a customer, an opportunity's amount, ...) so that
rendering stays one straightforward pass and every derived field (embedded names, balances, levels)
follows the change.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

CENT = Decimal("0.01")
ERP_NAMES = {"quickbooks": "QuickBooks", "xero": "Xero", "ledger": "Ledger"}
# the ledger's tables hold every entity's rows under one key: each entity numbers its records in its own block
LEDGER_BLOCKS = {"US": 1, "UK": 2, "DE": 3}
LEDGER_BLOCK = 10_000_000


def ledger_id(entity_code: str, own: str | int) -> int:
    """The ledger's key of a record the firm numbers per entity (`own`, 1, 2, ...): DE's 17 is 30000017."""
    assert 0 < int(own) < LEDGER_BLOCK  # a firm that outgrew its block would collide with the next entity's
    return LEDGER_BLOCKS[entity_code] * LEDGER_BLOCK + int(own)


@dataclass(eq=False)
class Entity:
    code: str
    realm_id: str
    currency: str
    name: str
    country: str
    vat: Decimal  # percent charged on its invoices
    erp: str = "quickbooks"  # quickbooks | xero | ledger: the system its ERP records live in
    xero_tenant_id: str | None = None  # its Xero organisation, when erp is xero
    crm: str = "salesforce"  # salesforce | hubspot: the CRM its customers' accounts and deals live in
    hubspot_portal_id: str | None = None  # the business unit's HubSpot account, when crm is hubspot
    former_erp: str | None = None  # the ERP it left on its cutover (quickbooks), when it moved to `erp`
    cutover_date: date | None = None  # documents dated from this day on live in `erp`, earlier ones in former_erp

    @property
    def on_xero(self) -> bool:
        """Its current ERP is Xero: its master data (customers) are Xero's, and plants needing what Xero
        lacks (hierarchy, project sub-customers) choose other entities."""
        return self.erp == "xero"

    @property
    def on_ledger(self) -> bool:
        """Its ERP is the on-premises ledger (a database, `ledger.db`, and its exported files): customers
        with their hierarchy, invoices, payments and credit memos, but no project sub-customers, employees
        or time."""
        return self.erp == "ledger"

    @property
    def in_quickbooks(self) -> bool:
        """QuickBooks holds its company: it is on QuickBooks, or left it on a cutover (its customers,
        project sub-customers, employees, time and the documents dated before the cutover stay there)."""
        return self.erp == "quickbooks" or self.former_erp == "quickbooks"

    @property
    def keeps_hierarchy(self) -> bool:
        """Its current ERP keeps a customer hierarchy (QuickBooks, the ledger; not Xero)."""
        return self.erp != "xero"

    @property
    def keeps_time(self) -> bool:
        """Its current ERP keeps its people and time: QuickBooks (employees, TimeActivities), or Xero (in Xero
        Projects) for an entity that was never on QuickBooks (one that moved keeps its time there); the
        plants that compare the ERP's people, time or WIP choose entities that do."""
        return self.erp == "quickbooks" or self.time_in_xero

    @property
    def time_in_xero(self) -> bool:
        """Its projects, people and time are rendered in Xero Projects."""
        return self.erp == "xero" and not self.in_quickbooks

    @property
    def invoices_projects(self) -> bool:
        """Its ERP invoices a project (a QuickBooks project sub-customer) rather than only a customer: the
        plants of an ERP invoice on a PSA-managed project choose entities whose ERP does."""
        return self.erp == "quickbooks"

    @property
    def repeats_numbers(self) -> bool:
        """Its current ERP lets an invoice number be posted twice (Xero refuses: "Invoice # must be unique")."""
        return self.erp != "xero"

    def erp_on(self, day: date) -> str:
        """The ERP a document dated `day` lives in: the former one before the cutover."""
        if self.cutover_date is not None and self.former_erp is not None and day < self.cutover_date:
            return self.former_erp
        return self.erp

    @property
    def erp_system(self) -> str:
        """The ERP's name in notes: QuickBooks, Xero or Ledger."""
        return ERP_NAMES[self.erp]

    def erp_id(self, kind: str, own: str) -> str:
        """The ERP's id of a record the firm numbers per entity as QuickBooks does (`own`): that number in
        QuickBooks, a UUID derived from it and the tenant (itself derived from the seed) in Xero, so a
        rebuild gives the same ids. `kind` is the Xero record kind: Contact, Invoice, Payment, CreditNote.
        In the ledger, whose tables one database shares between its entities, the number offset by the
        entity's block (`ledger_id`)."""
        if self.on_ledger:
            return str(ledger_id(self.code, own))
        if self.xero_tenant_id is None:
            return own
        return str(uuid.uuid5(uuid.UUID(self.xero_tenant_id), f"{kind}:{own}"))

    def ref(self, kind: str, own: str) -> str:
        """`<entity code>:<ERP id>`, the manifest's erp_id and the CRM's ERP customer id."""
        return f"{self.code}:{self.erp_id(kind, own)}"


@dataclass(eq=False)
class Customer:
    name: str
    brand: str
    role: str  # holding | billing | prospect | direct | onboarding | dormant | plant
    entity: Entity
    parent: Customer | None
    website: str
    tax_id: str
    since: date
    # the CRM record's Salesforce id; None when the customer has no CRM record. A HubSpot customer draws
    # one too (unused), so that every other id of a mixed firm stays what it is in the all-Salesforce one
    sf_id: str | None = None
    harvest_id: int | None = None
    qbo_id: str | None = None
    crm: str = "salesforce"  # the CRM its record lives in: its entity's when made, kept whatever plants change
    hubspot_id: str | None = None  # its HubSpot company id, when crm is hubspot
    # each system's own view, equal to the canonical one unless a plant or benign spelling says otherwise
    psa_name: str = ""
    erp_name: str = ""
    psa_currency: str = ""
    psa_active: bool = True
    erp_active: bool = True
    crm_entity: str = ""
    crm_parent_id: str | None = None
    erp_parent: Customer | None = None
    links_psa: bool = True
    links_erp: bool = True
    open_ar_offset: Decimal = Decimal("0")
    plants: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.psa_name = self.psa_name or self.name
        self.erp_name = self.erp_name or self.name
        self.psa_currency = self.psa_currency or self.entity.currency
        self.crm_entity = self.crm_entity or self.entity.code
        self.erp_parent = self.parent

    @property
    def erp_ref(self) -> str | None:
        return self.entity.ref("Contact", self.qbo_id) if self.qbo_id else None

    @property
    def crm_id(self) -> str | None:
        """The CRM record as tieout's canonical model names it: a Salesforce Id, or `hubspot:<company id>`."""
        if self.sf_id is None:
            return None
        return f"hubspot:{self.hubspot_id}" if self.on_hubspot else self.sf_id

    @property
    def on_hubspot(self) -> bool:
        return self.crm == "hubspot"

    @property
    def crm_system(self) -> str:
        """The CRM's name in notes: Salesforce or HubSpot."""
        return "HubSpot" if self.on_hubspot else "Salesforce"


@dataclass(eq=False)
class Person:
    harvest_id: int
    first: str
    last: str
    email: str
    role: str
    entity: Entity
    rate: Decimal
    cost_rate: Decimal
    since: date
    qbo_id: str | None = None
    erp_email: str = ""
    is_admin: bool = False

    @property
    def name(self) -> str:
        return f"{self.first} {self.last}"


@dataclass(eq=False)
class Task:
    harvest_id: int
    name: str
    billable: bool
    rate: Decimal


@dataclass(eq=False)
class Member:
    person: Person
    assignment_id: int
    rate: Decimal  # the rate card for this person on this project
    use_default_rates: bool


@dataclass(eq=False)
class Opportunity:
    sf_id: str
    account: Customer
    name: str
    stage: str
    amount: Decimal
    close_date: date
    billing_model: str  # Fixed Fee | Time and Materials
    project: Project | None = None
    plants: set[str] = field(default_factory=set)
    hubspot_id: str | None = None  # its HubSpot deal id, when its account is on HubSpot

    @property
    def crm_id(self) -> str:
        """The CRM record as tieout's canonical model names it: a Salesforce Id, or `hubspot:<deal id>`,
        which is also what its Harvest project's `code` holds."""
        return f"hubspot:{self.hubspot_id}" if self.hubspot_id else self.sf_id

    @property
    def is_won(self) -> bool:
        return self.stage == "Closed Won"

    @property
    def is_closed(self) -> bool:
        return self.stage.startswith("Closed")


@dataclass(eq=False)
class Project:
    harvest_id: int
    customer: Customer
    opportunity: Opportunity | None
    name: str
    is_fixed_fee: bool
    value: Decimal  # fee for fixed fee, money budget for time and materials
    bill_by: str  # People | Project | none
    hourly_rate: Decimal | None
    starts_on: date
    ends_on: date | None
    is_active: bool
    is_billable: bool
    created: date
    qbo_id: str | None = None
    members: list[Member] = field(default_factory=list)
    tasks: list[tuple[Task, int]] = field(default_factory=list)  # task, task assignment id
    invoices: dict[date, Invoice] = field(default_factory=dict)  # by the month they bill
    installments: dict[date, Decimal] = field(default_factory=dict)  # fixed fee schedule by month
    plan: dict[str, int] = field(default_factory=dict)  # per-entry plants: code -> how many entries
    last_work_day: date | None = None

    @property
    def code(self) -> str | None:
        return self.opportunity.crm_id if self.opportunity else None


@dataclass(eq=False)
class Line:
    kind: str  # Service | Expense
    description: str
    quantity: Decimal
    unit_price: Decimal
    harvest_id: int = 0

    @property
    def amount(self) -> Decimal:
        return (self.quantity * self.unit_price).quantize(CENT)


def charges(subtotal: Decimal, vat: Decimal, discount: Decimal) -> tuple[Decimal, Decimal]:
    """A document's discount and VAT amounts from their percentages: VAT is charged after the discount."""
    off = (subtotal * discount / 100).quantize(CENT)
    return off, ((subtotal - off) * vat / 100).quantize(CENT)


@dataclass(eq=False)
class Receipt:
    """Money applied to an ERP invoice: cash (a Payment) or a credit memo applied through a Payment."""

    kind: str  # cash | credit
    day: date
    amount: Decimal
    payment_id: str
    credit_memo_id: str | None = None
    credit_memo_number: str | None = None


@dataclass(eq=False)
class Posting:
    """One QuickBooks invoice: a Harvest invoice's posting (or part of a split one), or an ERP-only invoice."""

    qbo_id: str
    entity: Entity
    customer_qbo_id: str
    customer_name: str
    doc_number: str
    txn_date: date
    currency: str
    lines: list[Line]
    private_note: str | None
    receipts: list[Receipt] = field(default_factory=list)
    discount: Decimal = Decimal("0")  # amounts, apportioned from the Harvest invoice's
    tax: Decimal = Decimal("0")
    voided: bool = False  # QuickBooks keeps a voided invoice with every amount zero
    draft: bool = False  # prepared, never posted (the ledger's status draft): no amount counts
    erp: str = ""  # the system it lives in (quickbooks | xero): its entity's, or for a cutover entity by its date

    def __post_init__(self) -> None:
        self.erp = self.erp or self.entity.erp_on(self.txn_date)

    @property
    def in_xero(self) -> bool:
        return self.erp == "xero"

    @property
    def ref(self) -> str:
        """`<entity code>:<id>` in the system it lives in: the manifest's erp_id of this invoice."""
        if self.erp == "quickbooks":  # its entity's, or the one it left on a cutover
            return f"{self.entity.code}:{self.qbo_id}"
        return self.entity.ref("Invoice", self.qbo_id)

    @property
    def subtotal(self) -> Decimal:
        return sum((line.amount for line in self.lines), Decimal("0"))

    @property
    def total(self) -> Decimal:
        return Decimal("0") if self.voided or self.draft else self.subtotal - self.discount + self.tax

    @property
    def balance(self) -> Decimal:
        return self.total - sum((r.amount for r in self.receipts), Decimal("0"))


@dataclass(eq=False)
class PsaPayment:
    harvest_id: int
    day: date
    amount: Decimal
    note: str


@dataclass(eq=False)
class Invoice:
    """A Harvest invoice, with what the PSA records of its settlement and its ERP postings."""

    harvest_id: int
    number: str
    project: Project
    month: date
    issue_date: date
    currency: str
    lines: list[Line] = field(default_factory=list)
    psa_payments: list[PsaPayment] = field(default_factory=list)
    psa_credits: Decimal = Decimal("0")
    postings: list[Posting] = field(default_factory=list)
    plants: set[str] = field(default_factory=set)
    discount: Decimal = Decimal("0")  # percent of the subtotal

    @property
    def subtotal(self) -> Decimal:
        return sum((line.amount for line in self.lines), Decimal("0"))

    @property
    def discount_amount(self) -> Decimal:
        return charges(self.subtotal, self.project.customer.entity.vat, self.discount)[0]

    @property
    def tax_amount(self) -> Decimal:
        return charges(self.subtotal, self.project.customer.entity.vat, self.discount)[1]

    @property
    def amount(self) -> Decimal:
        """Harvest's amount: the lines, less the discount, plus VAT."""
        return self.subtotal - self.discount_amount + self.tax_amount

    @property
    def due_amount(self) -> Decimal:
        return self.amount - sum((p.amount for p in self.psa_payments), Decimal("0")) - self.psa_credits


@dataclass(eq=False)
class Firm:
    as_of: date
    entities: list[Entity]
    customers: list[Customer]
    people: list[Person]
    tasks: list[Task]
    opportunities: list[Opportunity]
    projects: list[Project]
    postings: list[Posting] = field(default_factory=list)  # ERP-only invoices (direct customers, plants)

    @property
    def invoices(self) -> list[Invoice]:
        return sorted((inv for p in self.projects for inv in p.invoices.values()), key=lambda inv: inv.harvest_id)
