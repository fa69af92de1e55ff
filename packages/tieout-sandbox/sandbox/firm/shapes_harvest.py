"""Harvest v2 payloads, one builder per object, exactly as the API returns them."""

from __future__ import annotations

import hashlib
from datetime import date, datetime, timedelta
from decimal import Decimal

from .clock import at, iso_utc, next_month
from .model import Customer, Invoice, Line, Member, Person, Project, PsaPayment, Task

CITIES = {"US": "Boston, MA 02110", "UK": "London EC2A 4NE", "DE": "10115 Berlin"}


def num(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def _key(*parts) -> str:
    return hashlib.sha1(":".join(map(str, parts)).encode()).hexdigest()


def client(c: Customer) -> dict:
    stamp = iso_utc(at(c.since, 600))
    return {
        "id": c.harvest_id,
        "name": c.psa_name,
        "is_active": c.psa_active,
        "address": f"{c.brand} House\r\n{CITIES[c.entity.code]}",
        "statement_key": _key("client", c.harvest_id)[:32],
        "created_at": stamp,
        "updated_at": stamp,
        "currency": c.psa_currency,
    }


def project(p: Project) -> dict:
    created = at(p.created, 610)
    updated = created if p.is_active else at(p.ends_on, 1000)
    return {
        "id": p.harvest_id,
        "name": p.name,
        "code": p.code,
        "is_active": p.is_active,
        "bill_by": p.bill_by,
        "budget": num(p.value) if p.is_billable else None,
        "budget_by": "project_cost" if p.is_billable else "none",
        "budget_is_monthly": False,
        "notify_when_over_budget": p.is_billable,
        "over_budget_notification_percentage": 80.0,
        "over_budget_notification_date": None,
        "show_budget_to_all": False,
        "created_at": iso_utc(created),
        "updated_at": iso_utc(updated),
        "starts_on": p.starts_on.isoformat(),
        "ends_on": p.ends_on.isoformat() if p.ends_on else None,
        "is_billable": p.is_billable,
        "is_fixed_fee": p.is_fixed_fee,
        "notes": "",
        "client": {"id": p.customer.harvest_id, "name": p.customer.psa_name, "currency": p.customer.psa_currency},
        "cost_budget": None,
        "cost_budget_include_expenses": False,
        "hourly_rate": num(p.hourly_rate),
        "fee": num(p.value) if p.is_fixed_fee else None,
    }


def user(person: Person) -> dict:
    stamp = iso_utc(at(person.since, 540))
    return {
        "id": person.harvest_id,
        "first_name": person.first,
        "last_name": person.last,
        "email": person.email,
        "telephone": "",
        "timezone": {"US": "Eastern Time (US & Canada)", "UK": "London", "DE": "Berlin"}[person.entity.code],
        "has_access_to_all_future_projects": False,
        "is_contractor": False,
        "is_active": True,
        "created_at": stamp,
        "updated_at": stamp,
        "weekly_capacity": 144000,
        "default_hourly_rate": num(person.rate),
        "cost_rate": num(person.cost_rate),
        "roles": [person.role],
        "access_roles": ["administrator"] if person.is_admin else ["member"],
        "avatar_url": f"https://cache.harvestapp.com/assets/profile_images/{person.harvest_id}.png",
    }


def task(t: Task, created: date) -> dict:
    stamp = iso_utc(at(created, 500))
    return {
        "id": t.harvest_id,
        "name": t.name,
        "billable_by_default": t.billable,
        "default_hourly_rate": num(t.rate),
        "is_default": True,
        "is_active": True,
        "created_at": stamp,
        "updated_at": stamp,
    }


def _member_core(p: Project, m: Member) -> dict:
    stamp = iso_utc(at(p.created, 620))
    return {
        "id": m.assignment_id,
        "is_project_manager": m is p.members[0],
        "is_active": p.is_active,
        "budget": None,
        "created_at": stamp,
        "updated_at": stamp,
        "hourly_rate": num(m.rate),
    }


def user_assignment(p: Project, m: Member) -> dict:
    core = _member_core(p, m)
    return {
        "id": core.pop("id"),
        "is_project_manager": core.pop("is_project_manager"),
        "is_active": core.pop("is_active"),
        "use_default_rates": m.use_default_rates,
        **core,
        "project": {"id": p.harvest_id, "name": p.name, "code": p.code},
        "user": {"id": m.person.harvest_id, "name": m.person.name},
    }


def _task_core(p: Project, t: Task, assignment_id: int) -> dict:
    stamp = iso_utc(at(p.created, 630))
    return {
        "id": assignment_id,
        "billable": t.billable and p.is_billable and not p.is_fixed_fee,
        "is_active": p.is_active,
        "created_at": stamp,
        "updated_at": stamp,
        "hourly_rate": None,
        "budget": None,
    }


def task_assignment(p: Project, t: Task, assignment_id: int) -> dict:
    return {
        **_task_core(p, t, assignment_id),
        "project": {"id": p.harvest_id, "name": p.name, "code": p.code},
        "task": {"id": t.harvest_id, "name": t.name},
    }


def time_entry(
    entry_id,
    p: Project,
    m: Member,
    t: Task,
    assignment_id: int,
    day: date,
    hours: Decimal,
    billable: bool,
    rate: Decimal | None,
    approved: bool,
    invoice: Invoice | None,
    created: datetime,
    updated: datetime,
    notes: str,
) -> dict:
    locked = approved or invoice is not None
    reason = (
        "Item Invoiced and Approved and Locked for this Time Period"
        if invoice is not None
        else "Item Approved and Locked for this Time Period"
        if approved
        else None
    )
    return {
        "id": entry_id,
        "spent_date": day.isoformat(),
        "user": {"id": m.person.harvest_id, "name": m.person.name},
        "client": {"id": p.customer.harvest_id, "name": p.customer.psa_name},
        "project": {"id": p.harvest_id, "name": p.name},
        "task": {"id": t.harvest_id, "name": t.name},
        "user_assignment": _member_core(p, m),
        "task_assignment": _task_core(p, t, assignment_id),
        "hours": num(hours),
        "hours_without_timer": num(hours),
        "rounded_hours": num(hours),
        "notes": notes,
        "created_at": iso_utc(created),
        "updated_at": iso_utc(updated),
        "is_locked": locked,
        "locked_reason": reason,
        "is_closed": approved,
        "is_billed": invoice is not None,
        "timer_started_at": None,
        "started_time": None,
        "ended_time": None,
        "is_running": False,
        "invoice": {"id": invoice.harvest_id, "number": invoice.number} if invoice else None,
        "external_reference": None,
        "billable": billable,
        "budgeted": p.is_billable,
        "billable_rate": num(rate) if billable else None,
        "cost_rate": num(m.person.cost_rate),
    }


def expense(
    expense_id,
    p: Project,
    m: Member,
    category: tuple[int, str],
    day: date,
    total: Decimal,
    billable: bool,
    approved: bool,
    invoice: Invoice | None,
    created: datetime,
    updated: datetime,
    notes: str,
) -> dict:
    return {
        "id": expense_id,
        "notes": notes,
        "total_cost": num(total),
        "units": 1,
        "is_closed": approved,
        "is_locked": approved or invoice is not None,
        "is_billed": invoice is not None,
        "locked_reason": "Expense is invoiced." if invoice else ("Expense is approved." if approved else None),
        "spent_date": day.isoformat(),
        "created_at": iso_utc(created),
        "updated_at": iso_utc(updated),
        "billable": billable,
        "receipt": None,
        "user": {"id": m.person.harvest_id, "name": m.person.name},
        "user_assignment": _member_core(p, m),
        "project": {"id": p.harvest_id, "name": p.name, "code": p.code},
        "expense_category": {"id": category[0], "name": category[1], "unit_price": None, "unit_name": None},
        "client": {"id": p.customer.harvest_id, "name": p.customer.psa_name, "currency": p.customer.psa_currency},
        "invoice": {"id": invoice.harvest_id, "number": invoice.number} if invoice else None,
    }


def _line(p: Project, line: Line) -> dict:
    return {
        "id": line.harvest_id,
        "kind": line.kind,
        "description": line.description,
        "quantity": num(line.quantity),
        "unit_price": num(line.unit_price),
        "amount": num(line.amount),
        "taxed": p.customer.entity.vat > 0,
        "taxed2": False,
        "project": {"id": p.harvest_id, "name": p.name, "code": p.code},
    }


def invoice(inv: Invoice, creator: Person, created: datetime, updated: datetime) -> dict:
    p, due = inv.project, inv.due_amount
    settled = due == 0
    state = ("closed" if inv.psa_credits else "paid") if settled else "open"
    last_paid = max((pay.day for pay in inv.psa_payments), default=None)
    return {
        "id": inv.harvest_id,
        "client_key": _key("invoice", inv.harvest_id),
        "number": inv.number,
        "purchase_order": "",
        "amount": num(inv.amount),
        "due_amount": num(due),
        "tax": num(p.customer.entity.vat) or None,
        "tax_amount": num(inv.tax_amount),
        "tax2": None,
        "tax2_amount": 0.0,
        "discount": num(inv.discount) or None,
        "discount_amount": num(inv.discount_amount),
        "subject": f"{p.name}: {inv.month.strftime('%B %Y')}",
        "notes": "",
        "state": state,
        "period_start": inv.month.isoformat(),
        "period_end": (next_month(inv.month) - timedelta(days=1)).isoformat(),
        "issue_date": inv.issue_date.isoformat(),
        "due_date": (inv.issue_date + timedelta(days=30)).isoformat(),
        "payment_term": "net 30",
        "sent_at": iso_utc(created),
        "paid_at": iso_utc(at(last_paid, 720)) if settled and last_paid else None,
        "paid_date": last_paid.isoformat() if settled and last_paid else None,
        "closed_at": iso_utc(updated) if state == "closed" else None,
        "recurring_invoice_id": None,
        "created_at": iso_utc(created),
        "updated_at": iso_utc(updated),
        "currency": inv.currency,
        "payment_options": ["ach"],
        "client": {"id": p.customer.harvest_id, "name": p.customer.psa_name},
        "estimate": None,
        "retainer": None,
        "creator": {"id": creator.harvest_id, "name": creator.name},
        "line_items": [_line(p, line) for line in inv.lines],
    }


def invoice_payment(inv: Invoice, pay: PsaPayment, recorder: Person) -> dict:
    stamp = iso_utc(at(pay.day, 720))
    return {
        "id": pay.harvest_id,
        "amount": num(pay.amount),
        "paid_at": stamp,
        "paid_date": pay.day.isoformat(),
        "recorded_by": recorder.name,
        "recorded_by_email": recorder.email,
        "notes": pay.note,
        "transaction_id": None,
        "created_at": stamp,
        "updated_at": stamp,
        "payment_gateway": None,
        "_invoice_id": inv.harvest_id,
    }
