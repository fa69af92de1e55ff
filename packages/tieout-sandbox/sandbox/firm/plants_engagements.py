"""Engagement, people and time discrepancies, planted on the model before time is generated.

TIME_BY_UNKNOWN_RESOURCE, TIME_BILLED_STATUS_MISMATCH and WIP_VARIANCE compare the ERP's people and time:
they choose people and projects of legal entities whose ERP keeps them, QuickBooks' or Xero's (in Xero
Projects), not the on-premises ledger's, which keeps neither, nor an entity that moved from QuickBooks to
Xero (its time stays behind in QuickBooks). The engagement codes and the PSA-only time codes land
anywhere.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from .engagements import EngagementFactory
from .manifest import Manifest
from .model import Firm, Project
from .picking import Picker

# per-entry time plants: how a project qualifies for them
ERP_TIME_PLANTS = ("TIME_BILLED_STATUS_MISMATCH", "WIP_VARIANCE")  # compare with the ERP's time
TIME_PLANTS = {
    "TIME_ON_INACTIVE_PROJECT": lambda p, as_of: not p.is_active and p.ends_on <= as_of - timedelta(days=7),
    "TIME_RATE_MISMATCH": lambda p, as_of: p.bill_by in ("People", "Project") and _history(p, as_of, 40),
    "UNBILLED_TIME_AGED": lambda p, as_of: p.bill_by in ("People", "Project") and _history(p, as_of, 120),
    "TIME_BILLED_STATUS_MISMATCH": lambda p, as_of: p.bill_by in ("People", "Project") and _history(p, as_of, 40),
    "UNBILLED_EXPENSE_AGED": lambda p, as_of: _history(p, as_of, 120),
    "WIP_VARIANCE": lambda p, as_of: p.is_active and p.bill_by in ("People", "Project") and _history(p, as_of, 40),
}


def _history(p: Project, as_of, days: int) -> bool:
    assert p.last_work_day is not None  # set on every project when it is made
    return (
        p.is_billable
        and p.customer.role == "billing"
        and p.qbo_id is not None
        and (p.last_work_day - p.starts_on).days > days
        and p.starts_on < as_of - timedelta(days=days)
    )


class EngagementPlants:
    def __init__(self, firm: Firm, picker: Picker, manifest: Manifest, factory: EngagementFactory):
        self.firm, self.picker, self.manifest, self.factory = firm, picker, manifest, factory
        self.rng, self.as_of = picker.rng, firm.as_of

    def plant_all(self) -> None:
        for plant in (
            self.opportunity_without_project,
            self.project_without_opportunity,
            self.value_mismatch,
            self.billing_model_mismatch,
            self.customer_mismatch,
            self.unknown_resource,
            self.time_plans,
        ):
            plant()

    def _won(self, where=lambda o: True):
        return [
            o
            for o in self.firm.opportunities
            if o.is_won and o.project is not None and o.account.role == "billing" and where(o)
        ]

    def _billing(self):
        return [c for c in self.firm.customers if c.role == "billing" and not c.plants]

    def opportunity_without_project(self) -> None:
        for c in self.picker.pick(self._billing()):
            opp = self.factory.opportunity(c, "Closed Won", self.as_of - timedelta(days=self.rng.randint(20, 90)))
            self.manifest.finding(
                "OPPORTUNITY_WITHOUT_PROJECT",
                c.entity.code,
                crm_id=opp.crm_id,
                note=f"{opp.name} closed won on {opp.close_date} and has no Harvest project",
            )
        grace = self.picker.pick(self._billing(), 1)
        for c in grace:
            opp = self.factory.opportunity(c, "Closed Won", self.as_of - timedelta(days=5))
            self.manifest.edge_cases.append(
                {
                    "kind": "opportunity_within_grace_period",
                    "crm_id": opp.crm_id,
                    "note": "won 5 days ago, no project yet: not a finding",
                }
            )

    def project_without_opportunity(self) -> None:
        for c in self.picker.pick(self._billing()):
            starts = self.as_of - timedelta(days=self.rng.randint(90, 300))
            p = self.factory.project(
                c, None, starts, self.rng.randint(120, 400), fixed_fee=False, name=f"{c.brand} Change Requests"
            )
            self.manifest.finding(
                "PROJECT_WITHOUT_OPPORTUNITY",
                c.entity.code,
                psa_id=p.harvest_id,
                note=f"billable Harvest project {p.name} has no closed-won opportunity",
            )

    def _engagement_finding(self, code: str, opp, note: str, **values) -> None:
        opp.plants.add(code)
        self.manifest.finding(
            code, opp.account.entity.code, crm_id=opp.crm_id, psa_id=opp.project.harvest_id, note=note, **values
        )

    def value_mismatch(self) -> None:
        for opp in self.picker.pick(self._won()):
            opp.amount = (opp.project.value * Decimal(self.rng.choice(["1.2", "0.8", "1.1"]))).quantize(Decimal("1"))
            self._engagement_finding(
                "PROJECT_VALUE_MISMATCH",
                opp,
                "opportunity amount differs from project value",
                currency=opp.account.entity.currency,
                expected=opp.amount,
                actual=opp.project.value,
            )

    def billing_model_mismatch(self) -> None:
        for opp in self.picker.pick(self._won(lambda o: o.project.is_fixed_fee)):
            opp.billing_model = "Time and Materials"
            self._engagement_finding(
                "BILLING_MODEL_MISMATCH",
                opp,
                "sold as time and materials, run as fixed fee",
                expected="Time and Materials",
                actual="Fixed Fee",
            )

    def customer_mismatch(self) -> None:
        for opp in self.picker.pick(self._won()):
            others = [c for c in self._billing() if c.entity is opp.account.entity and c is not opp.account]
            if not others:
                continue
            client, opp.account = opp.account, self.rng.choice(others)
            self.picker.used.add(id(opp.account))
            self._engagement_finding(
                "PROJECT_CUSTOMER_MISMATCH",
                opp,
                f"opportunity is on {opp.account.name}, its project on {client.name}",
                expected=opp.account.crm_id,
                actual=client.crm_id,
            )

    def unknown_resource(self) -> None:
        working = {id(m.person) for p in self.firm.projects if p.is_billable for m in p.members}
        for person in self.picker.pick(self.firm.people, where=lambda p: id(p) in working and p.entity.keeps_time):
            person.erp_email = f"{person.first[0]}{person.last}@meridian-legacy.example".lower()
            self.manifest.finding(
                "TIME_BY_UNKNOWN_RESOURCE",
                person.entity.code,
                psa_id=person.harvest_id,
                expected=person.email,
                actual=None,
                note=f"{person.name} logs time but no {person.entity.erp_system} employee has {person.email}",
            )

    def time_plans(self) -> None:
        for code, eligible in TIME_PLANTS.items():
            n = self.picker.how_many()
            # filtered before picking: a `where` lambda would need a default argument to bind the loop's
            # `eligible`, and mypy cannot type a lambda with one
            projects = self.picker.pick(
                [
                    p
                    for p in self.firm.projects
                    if eligible(p, self.as_of) and (code not in ERP_TIME_PLANTS or p.customer.entity.keeps_time)
                ],
                (n + 1) // 2 if code != "WIP_VARIANCE" else n,
            )
            for k, p in enumerate(projects):
                p.plan[code] = 1 if code == "WIP_VARIANCE" else min(2, n - 2 * k) or 1
