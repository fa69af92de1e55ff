"""Opportunities and the Harvest projects that deliver the won ones, with their rate cards and invoice plan."""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

from .clock import months_between, next_month
from .ids import Ids
from .model import Customer, Invoice, Member, Opportunity, Person, Project, Task
from .people import CURRENCY_FACTOR

SERVICES = [
    "Data Platform",
    "Cloud Migration",
    "ERP Rollout",
    "Pricing Strategy",
    "Supply Chain Review",
    "Cyber Assessment",
    "Operating Model",
    "Analytics Enablement",
    "Finance Transformation",
    "CRM Redesign",
]
OPEN_STAGES = ["Prospecting", "Qualification", "Proposal/Price Quote", "Negotiation/Review"]


class EngagementFactory:
    def __init__(self, rng: random.Random, ids: Ids, as_of: date, people: list[Person], tasks: list[Task]):
        self.rng, self.ids, self.as_of, self.tasks = rng, ids, as_of, tasks
        self.staff: dict[str, list[Person]] = {p.entity.code: [] for p in people}
        for person in people:
            if not person.is_admin:
                self.staff[person.entity.code].append(person)
        self.opportunities: list[Opportunity] = []
        self.projects: list[Project] = []
        self._project_names: set[str] = set()

    def amount(self, customer: Customer) -> Decimal:
        return Decimal(self.rng.randrange(20, 400) * 1000) * CURRENCY_FACTOR[customer.entity.currency]

    def opportunity(self, customer: Customer, stage: str, close: date, model: str | None = None) -> Opportunity:
        model = model or ("Fixed Fee" if self.rng.random() < 0.3 else "Time and Materials")
        name = f"{customer.brand} {self.rng.choice(SERVICES)}"
        opp = Opportunity(
            self.ids.opportunity(), customer, name, stage, self.amount(customer).quantize(Decimal("1")), close, model
        )
        if customer.on_hubspot:
            opp.hubspot_id = self.ids.hubspot("deals")
        self.opportunities.append(opp)
        return opp

    def project(
        self, customer: Customer, opp: Opportunity | None, starts: date, days: int, *, fixed_fee: bool, name: str
    ) -> Project:
        ends = starts + timedelta(days=days)
        archived = ends < self.as_of - timedelta(days=3)
        bill_by = "none" if fixed_fee else self.rng.choice(["People", "People", "Project"])
        value = opp.amount if opp else self.amount(customer)
        members = self.rng.sample(
            self.staff[customer.entity.code], k=min(len(self.staff[customer.entity.code]), self.rng.randint(2, 4))
        )
        hourly = None
        if bill_by == "Project":
            hourly = (sum((p.rate for p in members), Decimal("0")) / len(members)).quantize(Decimal("1"))
        project = Project(
            self.ids.harvest("projects"),
            customer,
            opp,
            self._unique(name),
            fixed_fee,
            value,
            bill_by,
            hourly,
            starts,
            ends,
            not archived,
            True,
            starts - timedelta(days=2),
        )
        for person in members:
            discount = self.rng.choice([Decimal("1"), Decimal("1"), Decimal("0.9"), Decimal("0.95")])
            rate = (person.rate * discount).quantize(Decimal("1")) if bill_by == "People" else person.rate
            project.members.append(Member(person, self.ids.harvest("user_assignments"), rate, discount == 1))
        project.tasks = [(task, self.ids.harvest("task_assignments")) for task in self.tasks if task.name != "Training"]
        project.qbo_id = self.ids.quickbooks(customer.entity.code, "Customer")
        project.last_work_day = min(ends, self.as_of)
        if fixed_fee:
            months = months_between(starts, ends)
            share = (value / len(months)).quantize(Decimal("0.01"))
            project.installments = {m: share for m in months}
            project.installments[months[-1]] = value - share * (len(months) - 1)
        if opp:
            opp.project = project
        self.projects.append(project)
        return project

    def _unique(self, name: str) -> str:
        candidate, n = name, 2
        while candidate in self._project_names:
            candidate, n = f"{name} {n}", n + 1
        self._project_names.add(candidate)
        return candidate

    def won_engagement(self, customer: Customer, close: date, starts: date, days: int) -> Project:
        opp = self.opportunity(customer, "Closed Won", close)
        return self.project(
            customer, opp, starts, days, fixed_fee=opp.billing_model == "Fixed Fee", name=f"{opp.name} ({close.year})"
        )


def build_engagements(factory: EngagementFactory, customers: list[Customer]) -> None:
    """Won work for billing and onboarding customers, open and lost deals for everyone who buys."""
    rng, as_of = factory.rng, factory.as_of
    for customer in customers:
        if customer.role == "billing":
            for _ in range(rng.randint(1, 3)):
                close = as_of - timedelta(days=rng.randint(45, 520))
                factory.won_engagement(
                    customer, close, close + timedelta(days=rng.randint(3, 14)), rng.randint(60, 320)
                )
        elif customer.role == "onboarding":
            close = as_of - timedelta(days=rng.randint(20, 35))
            factory.won_engagement(customer, close, as_of - timedelta(days=rng.randint(2, 5)), rng.randint(90, 200))
        if customer.role in ("billing", "prospect"):
            for _ in range(rng.randint(0, 1) if customer.role == "billing" else rng.randint(1, 2)):
                if rng.random() < 0.5:
                    factory.opportunity(customer, rng.choice(OPEN_STAGES), as_of + timedelta(days=rng.randint(10, 120)))
                else:
                    factory.opportunity(customer, "Closed Lost", as_of - timedelta(days=rng.randint(10, 400)))


def plan_invoices(projects: list[Project], ids: Ids, as_of: date) -> None:
    """One Harvest invoice per billable project month, issued on the 1st of the next month.

    Issuing on the 1st keeps all approved time older than 30 days invoiced, whatever the as-of day.
    """
    planned = []
    for project in projects:
        if not project.is_billable or project.last_work_day is None or project.customer.role == "onboarding":
            continue
        for month in months_between(project.starts_on, project.last_work_day):
            if next_month(month) <= as_of:
                planned.append((next_month(month), project.harvest_id, month, project))
    for number, (issue, _, month, project) in enumerate(sorted(planned, key=lambda p: p[:2]), start=1001):
        project.invoices[month] = Invoice(
            ids.harvest("invoices"), str(number), project, month, issue, project.customer.entity.currency
        )
