"""Time and expenses of one project: logged, planted, invoiced and copied to the ERP, one project at a time.

Projects are processed one by one so that a benchmark-sized firm never holds all its time in memory.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from sandbox.emulators.xero_projects import NEVER_CHANGED

from . import shapes_harvest as harvest
from . import shapes_quickbooks as qbo
from . import shapes_xero as xero
from .clock import at, month_start, months_between
from .ids import Ids
from .manifest import Manifest
from .model import Invoice, Line, Member, Project, Task

CATEGORIES = [(4195901, "Travel"), (4195902, "Meals"), (4195903, "Lodging")]
NOTES = {
    "Consulting": ["Client workshop", "Stakeholder interviews", "Solution design"],
    "Project Management": ["Status meeting", "Planning", "Steering committee prep"],
    "Analysis": ["Data analysis", "Process mapping", "Requirements review"],
    "Internal Meeting": ["Team sync"],
    "Training": ["Certification course", "Bench training"],
}
APPROVAL_LAG = 7  # days after which logged time is approved
Row = tuple[str, dict, str]


@dataclass(eq=False)
class Entry:
    id: int
    day: date
    member: Member
    task: Task
    task_assignment: int
    hours: Decimal
    billable: bool
    rate: Decimal | None
    plant: str | None = None
    invoice: Invoice | None = None
    approved: bool = False


@dataclass(eq=False)
class Spend:
    id: int
    day: date
    member: Member
    category: tuple[int, str]
    amount: Decimal
    billable: bool
    plant: str | None = None
    invoice: Invoice | None = None
    approved: bool = False


@dataclass
class ProjectTime:
    time_entries: list[Row] = field(default_factory=list)
    expenses: list[Row] = field(default_factory=list)
    time_activities: list[Row] = field(default_factory=list)
    xero_tasks: list[Row] = field(default_factory=list)  # an entity on Xero: its Xero Projects tasks and time
    xero_time: list[Row] = field(default_factory=list)
    psa_wip: Decimal = Decimal("0")
    erp_wip: Decimal = Decimal("0")


def workdays(first: date, last: date) -> list[date]:
    days, day = [], first
    while day <= last:
        if day.weekday() < 5:
            days.append(day)
        day += timedelta(days=1)
    return days


def rate_card(project: Project, member: Member) -> Decimal:
    if project.bill_by == "Project":
        assert project.hourly_rate is not None  # EngagementFactory.project gives every "Project" one
        return project.hourly_rate
    return member.rate


class Timesheets:
    def __init__(self, seed: int, log_chance: float, ids: Ids, as_of: date, manifest: Manifest):
        self.seed, self.log_chance, self.ids, self.as_of, self.manifest = seed, log_chance, ids, as_of, manifest

    def run(self, project: Project) -> ProjectTime:
        rng = random.Random(f"{self.seed}:time:{project.harvest_id}")
        entries, spends = self._logged(project, rng)
        self._plant(project, rng, entries, spends)
        items: list[Entry | Spend] = [*entries, *spends]
        for item in items:
            self._settle(project, item)
        self._invoice_lines(project, entries, spends)
        return self._render(project, rng, entries, spends)

    # -- what people logged ----------------------------------------------------------------
    def _entry(self, project: Project, rng: random.Random, member: Member, day: date, billable_task: bool) -> Entry:
        tasks = [(t, ta) for t, ta in project.tasks if t.billable == billable_task] or project.tasks
        task, assignment = rng.choice(tasks)
        billable = task.billable and project.is_billable and not project.is_fixed_fee
        return Entry(
            self.ids.harvest("time_entries"),
            day,
            member,
            task,
            assignment,
            Decimal(rng.randint(4, 32)) / 4,
            billable,
            rate_card(project, member) if billable else None,
        )

    def _logged(self, project: Project, rng: random.Random) -> tuple[list[Entry], list[Spend]]:
        last = project.last_work_day
        assert last is not None  # set on every project when it is made
        entries: list[Entry] = []
        by_month: dict[date, list[date]] = defaultdict(list)
        for day in workdays(project.starts_on, last):
            by_month[month_start(day)].append(day)
            for member in project.members:
                if rng.random() < self.log_chance:
                    entries.append(self._entry(project, rng, member, day, rng.random() < 0.88))
        spends: list[Spend] = []
        if project.is_billable:
            for month in months_between(project.starts_on, last):
                days = by_month.get(month)
                for member in project.members:
                    if days and rng.random() < 0.25:
                        spends.append(self._spend(rng, member, rng.choice(days)))
        return entries, spends

    def _spend(self, rng: random.Random, member: Member, day: date) -> Spend:
        return Spend(
            self.ids.harvest("expenses"),
            day,
            member,
            rng.choice(CATEGORIES),
            Decimal(rng.randrange(2000, 60000)) / 100,
            True,
        )

    # -- planted discrepancies -------------------------------------------------------------
    def _plant(self, project: Project, rng: random.Random, entries: list[Entry], spends: list[Spend]) -> None:
        last = project.last_work_day
        assert last is not None  # set on every project when it is made
        aged = [d for d in workdays(project.starts_on, last) if (self.as_of - d).days > 32]
        for code, count in sorted(project.plan.items()):
            for k in range(count):
                if code == "TIME_ON_INACTIVE_PROJECT":
                    assert project.ends_on is not None  # the plant's TIME_PLANTS test compares it
                    after = workdays(project.ends_on + timedelta(days=1), self.as_of - timedelta(days=1))
                    entry = self._entry(project, rng, rng.choice(project.members), after[k % len(after)], False)
                elif code == "UNBILLED_EXPENSE_AGED":
                    spends.append(self._spend(rng, project.members[0], aged[(k * 37 + 5) % len(aged)]))
                    spends[-1].plant = code
                    continue
                elif code in ("TIME_RATE_MISMATCH", "UNBILLED_TIME_AGED", "TIME_BILLED_STATUS_MISMATCH"):
                    day = aged[-1 - (k * 23 + 3) % len(aged)] if code == "UNBILLED_TIME_AGED" else rng.choice(aged)
                    entry = self._entry(project, rng, rng.choice(project.members), day, True)
                    if code == "TIME_RATE_MISMATCH":
                        # a billable task on a project TIME_PLANTS keeps to billable hourly work: it has a rate
                        assert entry.rate is not None
                        entry.rate = (entry.rate * Decimal("1.15")).quantize(Decimal("1"))
                else:
                    continue
                entry.plant = code
                entries.append(entry)

    # -- approval and invoicing ------------------------------------------------------------
    def _settle(self, project: Project, item: Entry | Spend) -> None:
        invoice = project.invoices.get(month_start(item.day))
        if item.billable and invoice is not None and item.plant not in ("UNBILLED_TIME_AGED", "UNBILLED_EXPENSE_AGED"):
            item.invoice = invoice
        item.approved = item.plant != "TIME_ON_INACTIVE_PROJECT" and (
            item.invoice is not None or (self.as_of - item.day).days >= APPROVAL_LAG
        )

    def _invoice_lines(self, project: Project, entries: list[Entry], spends: list[Spend]) -> None:
        hours: dict[tuple[Invoice, Member, Decimal], Decimal] = defaultdict(Decimal)
        for e in entries:
            if e.invoice is not None:
                assert e.rate is not None  # _settle invoices billable time only, and billable time has a rate
                hours[(e.invoice, e.member, e.rate)] += e.hours
        for (invoice, member, rate), total in hours.items():
            invoice.lines.append(Line("Service", f"{member.person.name}: {member.person.role}", total, rate))
        for month, invoice in project.invoices.items():
            if month in project.installments:
                invoice.lines.append(
                    Line("Service", f"Fixed fee installment {month:%B %Y}", Decimal("1"), project.installments[month])
                )
        for s in spends:
            if s.invoice is not None:
                s.invoice.lines.append(
                    Line("Expense", f"{s.category[1]} ({s.member.person.name}, {s.day})", Decimal("1"), s.amount)
                )
        for month in [m for m, inv in project.invoices.items() if not inv.lines]:
            del project.invoices[month]
        for invoice in project.invoices.values():
            for line in invoice.lines:
                line.harvest_id = self.ids.harvest("line_items")

    # -- vendor records --------------------------------------------------------------------
    def _moments(self, rng: random.Random, item: Entry | Spend) -> tuple[datetime, datetime, datetime]:
        """(created, approved, last updated) of a time entry or expense."""
        created = at(item.day, 960 + rng.randrange(120))
        approved = at(item.day + timedelta(days=APPROVAL_LAG), 600)
        if item.invoice is not None:
            invoiced = at(item.invoice.issue_date, 540)
            approved = min(approved, invoiced - timedelta(minutes=30))
            return created, approved, max(approved, invoiced)
        return created, approved, approved if item.approved else created

    def _render(self, project: Project, rng: random.Random, entries: list[Entry], spends: list[Spend]) -> ProjectTime:
        out = ProjectTime()
        entity = project.customer.entity
        for e in sorted(entries, key=lambda e: (e.day, e.id)):
            created, approved, updated = self._moments(rng, e)
            out.time_entries.append(
                (
                    str(e.id),
                    harvest.time_entry(
                        e.id,
                        project,
                        e.member,
                        e.task,
                        e.task_assignment,
                        e.day,
                        e.hours,
                        e.billable,
                        e.rate,
                        e.approved,
                        e.invoice,
                        created,
                        updated,
                        rng.choice(NOTES[e.task.name]),
                    ),
                    _z(updated),
                )
            )
            if not (e.billable and e.approved):
                self._record(project, e, None)
                continue
            assert e.rate is not None  # _entry gives billable time its rate
            amount = (e.hours * e.rate).quantize(Decimal("0.01"))
            status = "HasBeenBilled" if e.invoice and e.plant != "TIME_BILLED_STATUS_MISMATCH" else "Billable"
            out.psa_wip += amount if e.invoice is None else 0
            out.erp_wip += amount if status == "Billable" else 0
            # an entity on Xero keeps its time in Xero Projects; one that moved from QuickBooks keeps it there;
            # the ledger keeps none
            if entity.time_in_xero:
                billed, entered = status == "HasBeenBilled", approved + timedelta(minutes=30)
                copy = xero.time_entry(
                    project,
                    str(e.id),
                    e.member.person,
                    e.day,
                    e.hours,
                    e.rate,
                    billed,
                    f"harvest_time_entry:{e.id}",
                    entered,
                )
                self._xero_time(project, out, copy, e.rate)
                self._record(project, e, entity.ref("TimeEntry", str(e.id)))
                continue
            if not entity.in_quickbooks:
                self._record(project, e, None)
                continue
            ta_id = self.ids.quickbooks(entity.code, "TimeActivity")
            ta_created = approved + timedelta(minutes=30)
            ta_updated = max(ta_created, updated + timedelta(minutes=30)) if status == "HasBeenBilled" else ta_created
            out.time_activities.append(
                (
                    ta_id,
                    qbo.time_activity(
                        entity,
                        ta_id,
                        e.day,
                        e.member.person,
                        project,
                        e.hours,
                        e.rate,
                        status,
                        f"harvest_time_entry:{e.id}",
                        ta_created,
                        ta_updated,
                    ),
                    _z(ta_updated),
                )
            )
            # an entity that moved to another ERP keeps this copy in the former one, which tieout no longer
            # reads for people and time: no ERP copy to name
            self._record(project, e, f"{entity.code}:{ta_id}" if entity.keeps_time else None)
        if project.plan.get("WIP_VARIANCE"):
            self._manual_time(project, rng, out)
        for s in sorted(spends, key=lambda s: (s.day, s.id)):
            created, _, updated = self._moments(rng, s)
            out.expenses.append(
                (
                    str(s.id),
                    harvest.expense(
                        s.id,
                        project,
                        s.member,
                        s.category,
                        s.day,
                        s.amount,
                        s.billable,
                        s.approved,
                        s.invoice,
                        created,
                        updated,
                        f"{s.category[1]} for {project.customer.psa_name}",
                    ),
                    _z(updated),
                )
            )
            if s.plant:
                self.manifest.finding(
                    s.plant,
                    entity.code,
                    psa_id=s.id,
                    currency=project.customer.entity.currency,
                    actual=s.amount,
                    note=f"billable expense of {s.day} on {project.name} not "
                    f"re-billed ({(self.as_of - s.day).days} days old)",
                )
        return out

    def _manual_time(self, project: Project, rng: random.Random, out: ProjectTime) -> None:
        """Billable time keyed straight into the ERP, with no Harvest entry behind it."""
        member, day = project.members[0], workdays(project.starts_on, self.as_of - timedelta(days=2))[-1]
        hours = Decimal(rng.randint(8, 24)) / 4
        rate = rate_card(project, member)
        out.erp_wip += (hours * rate).quantize(Decimal("0.01"))
        if project.customer.entity.time_in_xero:
            own, note = f"manual:{project.harvest_id}", "Manual entry: workshop follow-up"
            manual = xero.time_entry(project, own, member.person, day, hours, rate, False, note, at(day, 1080))
            self._xero_time(project, out, manual, rate)
            return
        ta_id = self.ids.quickbooks(project.customer.entity.code, "TimeActivity")
        moment = at(day, 1080)
        out.time_activities.append(
            (
                ta_id,
                qbo.time_activity(
                    project.customer.entity,
                    ta_id,
                    day,
                    member.person,
                    project,
                    hours,
                    rate,
                    "Billable",
                    "Manual entry: workshop follow-up",
                    moment,
                    moment,
                ),
                _z(moment),
            )
        )

    @staticmethod
    def _xero_time(project: Project, out: ProjectTime, entry: dict, rate: Decimal) -> None:
        """A Xero Projects time entry (shapes_xero.time_entry), with its task at `rate` made on the first."""
        task = xero.task(project, rate)
        if all(row[0] != task["taskId"] for row in out.xero_tasks):
            out.xero_tasks.append((task["taskId"], task, NEVER_CHANGED))
        out.xero_time.append((entry["timeEntryId"], entry, NEVER_CHANGED))

    def _record(self, project: Project, e: Entry, erp_id: str | None) -> None:
        if e.plant is None:
            return
        # billed in the ERP copy's currency (the entity's), else in the PSA client's (a planted currency
        # mismatch makes it another)
        c = project.customer
        entity, currency = c.entity.code, c.entity.currency if erp_id else c.psa_currency
        age = (self.as_of - e.day).days
        notes = {
            "TIME_ON_INACTIVE_PROJECT": f"time of {e.day} on {project.name}, archived after {project.ends_on}",
            "TIME_RATE_MISMATCH": f"billable rate {e.rate} against rate card {rate_card(project, e.member)}",
            "UNBILLED_TIME_AGED": f"approved billable time of {e.day} not invoiced ({age} days, bucket "
            f"{aging_bucket(age)})",
            "TIME_BILLED_STATUS_MISMATCH": f"invoiced in Harvest ({e.invoice.number if e.invoice else ''}) but "
            f"still unbilled in {project.customer.entity.erp_system}",
        }
        amount = (e.hours * e.rate).quantize(Decimal("0.01")) if e.rate else None
        expected: Decimal | str | None = None
        actual: Decimal | str | None = None
        difference: Decimal | None = None
        document_number = None
        if e.plant == "TIME_RATE_MISMATCH":
            assert e.rate is not None  # the plant raised a billable entry's rate (_plant)
            expected, actual = rate_card(project, e.member), e.rate
            difference = ((e.rate - expected) * e.hours).quantize(Decimal("0.01"))
        elif e.plant == "UNBILLED_TIME_AGED":
            actual = amount
        elif e.plant == "TIME_BILLED_STATUS_MISMATCH":
            expected, actual, difference = "HasBeenBilled", "Billable", amount
            assert e.invoice is not None  # the plant's entries are aged billable time, all invoiced (_settle)
            document_number = e.invoice.number
        self.manifest.finding(
            e.plant,
            entity,
            psa_id=e.id,
            erp_id=erp_id,
            document_number=document_number,
            currency=currency if amount is not None else None,
            expected=expected,
            actual=actual,
            difference=difference,
            note=notes[e.plant],
        )


def aging_bucket(age: int) -> str:
    return "0-30" if age <= 30 else "31-60" if age <= 60 else "61-90" if age <= 90 else "90+"


def _z(moment: datetime) -> str:
    return harvest.iso_utc(moment)
