"""Customer and hierarchy discrepancies, planted on the firm model before anything is rendered.

In a legal entity on Xero every plant can land but the ERP side of the hierarchy: Xero has no customer
hierarchy, so CUSTOMER_PARENT_MISMATCH and the ERP's HIERARCHY_ORPHAN (an inactive ERP parent) choose
customers of QuickBooks entities (the CRM's HIERARCHY_ORPHAN and HIERARCHY_CYCLE land anywhere). The
on-premises ledger keeps a hierarchy (parent_customer_id) and inactive customers: every plant can land in
a legal entity on the ledger.

In a business unit on HubSpot every plant can land but the CRM's broken hierarchies: a HubSpot parent is
an association between two existing companies, so a parent that does not exist (HIERARCHY_ORPHAN of the
CRM) cannot be written, and a loop (HIERARCHY_CYCLE) spans prospects of several entities that must share
one CRM: both choose Salesforce customers. LEGAL_ENTITY_MISMATCH moves a customer's contracting entity to
another entity of its own CRM (a CRM record names an entity that keeps its customers there), so with one
entity on HubSpot it lands in Salesforce's.
"""

from __future__ import annotations

import random
from dataclasses import replace

from .ids import Ids
from .manifest import Manifest
from .model import Customer, Firm
from .names import INDUSTRIES, abbreviated, benign_spelling, near_spelling
from .picking import Picker


def _variant(c: Customer, rng: random.Random) -> str:
    return rng.choice([benign_spelling, lambda name, r: near_spelling(name, c.brand, r)])(c.name, rng)


def _clone(c: Customer, name: str, ids: Ids, *, crm: bool = False, psa: bool = False, erp: bool = False) -> Customer:
    """Another record of the same company, in one system only, linked to nothing."""
    twin = replace(
        c,
        name=name,
        role="plant",
        parent=None,
        sf_id=ids.account() if crm else None,
        hubspot_id=ids.hubspot("companies") if crm and c.on_hubspot else None,
        harvest_id=ids.harvest("clients") if psa else None,
        qbo_id=ids.quickbooks(c.entity.code, "Customer") if erp else None,
        psa_name=name,
        erp_name=name,
        crm_parent_id=None,
        links_psa=False,
        links_erp=False,
        plants=set(),
    )
    twin.erp_parent = None
    return twin


def _erp(c: Customer) -> str:
    """The customer's ERP as the manifest's pairs name systems: quickbooks, xero or ledger."""
    return c.entity.erp


def _crm(c: Customer) -> str:
    """The customer's CRM as the manifest's pairs name systems: salesforce or hubspot."""
    return c.crm


class CustomerPlants:
    def __init__(self, firm: Firm, picker: Picker, ids: Ids, manifest: Manifest):
        self.firm, self.picker, self.ids, self.manifest = firm, picker, ids, manifest
        self.rng = picker.rng

    def of_role(self, role: str) -> list[Customer]:
        return [c for c in self.firm.customers if c.role == role]

    def record(self, code: str, c: Customer, note: str, **values) -> None:
        c.plants.add(code)
        ids = {"crm_id": c.crm_id, "psa_id": c.harvest_id, "erp_id": c.erp_ref}
        self.manifest.finding(code, c.entity.code, **{**ids, **values}, note=note)

    def plant_all(self) -> None:
        for plant in (
            self.missing_in_erp,
            self.missing_in_psa,
            self.missing_in_crm,
            self.unlinked_match,
            self.duplicate,
            self.orphan,
            self.name_mismatch,
            self.parent_mismatch,
            self.cycle,
            self.currency_mismatch,
            self.status_mismatch,
            self.legal_entity_mismatch,
        ):
            plant()

    def missing_in_erp(self) -> None:
        for c in self.picker.pick(self.of_role("onboarding")):
            erp_ref, c.qbo_id = c.erp_ref, None
            for p in self.firm.projects:
                if p.customer is c:
                    p.qbo_id = None
            self.record(
                "CUSTOMER_MISSING_IN_ERP",
                c,
                f"won customer {c.name} was never created in {c.entity.erp_system} (would have been {erp_ref})",
            )

    def missing_in_psa(self) -> None:
        for c in self.picker.pick(self.of_role("onboarding")):
            c.harvest_id = None
            for p in [p for p in self.firm.projects if p.customer is c]:
                self.firm.projects.remove(p)
                opp = p.opportunity
                assert opp is not None  # an onboarding customer's projects are all won engagements
                opp.project = None
                self.record("CUSTOMER_MISSING_IN_PSA", c, f"{c.name} won {opp.name} but has no Harvest client")
                self.manifest.finding(
                    "OPPORTUNITY_WITHOUT_PROJECT",
                    c.entity.code,
                    crm_id=opp.crm_id,
                    note=f"{opp.name} closed won on {opp.close_date}; its customer is missing in Harvest",
                )

    def missing_in_crm(self) -> None:
        for c in self.picker.pick(self.of_role("direct")):
            crm_id, c.sf_id = c.crm_id, None
            self.record(
                "CUSTOMER_MISSING_IN_CRM",
                c,
                f"{c.erp_name} is invoiced in {c.entity.erp_system} but has no {c.crm_system} "
                f"{'company' if c.on_hubspot else 'account'} (deleted {crm_id})",
            )

    def unlinked_match(self) -> None:
        for k, c in enumerate(self.picker.pick(self.of_role("prospect"))):
            twin = _clone(c, _variant(c, self.rng), self.ids, psa=k % 2 == 0, erp=k % 2 == 1)
            self.firm.customers.append(twin)
            other = f"harvest:{twin.harvest_id}" if twin.harvest_id else f"{_erp(c)}:{twin.erp_ref}"
            self.manifest.finding(
                "CUSTOMER_UNLINKED_MATCH",
                c.entity.code,
                crm_id=c.crm_id,
                psa_id=twin.harvest_id,
                erp_id=twin.erp_ref,
                expected=c.name,
                actual=twin.name,
                note="same company in two systems without a cross-reference",
                pair=[f"{_crm(c)}:{c.crm_id}", other],
            )
            c.plants.add("CUSTOMER_UNLINKED_MATCH")

    def duplicate(self) -> None:
        for k, c in enumerate(self.picker.pick(self.of_role("billing"))):
            system = (_crm(c), "harvest", _erp(c))[k % 3]
            variant = _variant(c, self.rng)
            # the first one only abbreviations and legal forms tell apart, so normalisation must equate them
            twin = _clone(
                c,
                abbreviated(c.name) if k == 0 else variant,
                self.ids,
                crm=system == _crm(c),
                psa=system == "harvest",
                erp=system == _erp(c),
            )
            self.firm.customers.append(twin)
            own, dup = {
                _crm(c): (c.crm_id, twin.crm_id),
                "harvest": (c.harvest_id, twin.harvest_id),
                _erp(c): (c.erp_ref, twin.erp_ref),
            }[system]
            c.plants.add("CUSTOMER_DUPLICATE")
            kept = {_crm(c): c.name, "harvest": c.psa_name, _erp(c): c.erp_name}[system]
            self.manifest.finding(
                "CUSTOMER_DUPLICATE",
                c.entity.code,
                crm_id=c.crm_id if system == _crm(c) else None,
                psa_id=c.harvest_id if system == "harvest" else None,
                erp_id=c.erp_ref if system == _erp(c) else None,
                expected=kept,
                actual=twin.name,
                note=f"{system} holds {c.name} twice",
                pair=[f"{system}:{own}", f"{system}:{dup}"],
            )

    def orphan(self) -> None:
        n = self.picker.how_many()
        # an inactive ERP parent needs an ERP hierarchy: QuickBooks' or the ledger's; none in a clean firm. Not
        # steered into a ledger entity: a small firm's entity has one holding, which CUSTOMER_PARENT_MISMATCH
        # needs active there
        holdings = self.picker.pick(
            self.of_role("holding"), min(n, 1), where=lambda c: c.entity.keeps_hierarchy, steer=False
        )
        for holding in holdings:
            holding.erp_active = False
            for child in [c for c in self.firm.customers if c.erp_parent is holding]:
                self.picker.used.add(id(child))
                n -= 1
                self.record(
                    "HIERARCHY_ORPHAN",
                    child,
                    f"{child.entity.erp_system} parent {holding.erp_ref} of {child.erp_name} is inactive",
                    erp_id=child.erp_ref,
                )
        # a missing CRM parent: Salesforce's (a HubSpot parent is an association with an existing company)
        prospects = self.of_role("prospect")
        for c in self.picker.pick(prospects, max(n, 1) if holdings else n, where=lambda c: not c.on_hubspot):
            c.crm_parent_id = self.ids.account()
            self.record("HIERARCHY_ORPHAN", c, f"Salesforce parent {c.crm_parent_id} of {c.name} does not exist")

    def name_mismatch(self) -> None:
        for k, c in enumerate(self.picker.pick(self.of_role("billing"))):
            other = self.rng.choice([i for i in INDUSTRIES if i not in c.name])
            renamed = f"{c.brand} {other} {c.name.rsplit(' ', 1)[-1]}"
            if k % 2:
                c.psa_name = renamed
            else:
                c.erp_name = renamed
            self.record(
                "CUSTOMER_NAME_MISMATCH",
                c,
                f"{'Harvest' if k % 2 else c.entity.erp_system} calls {c.name} {renamed}",
                expected=c.name,
                actual=renamed,
            )

    def parent_mismatch(self) -> None:
        for c in self.picker.pick(
            self.of_role("billing"),
            where=lambda c: c.parent is not None and c.parent.erp_active and c.entity.keeps_hierarchy,
        ):
            assert c.parent is not None  # picked among customers with a parent
            others = [h for h in self.of_role("holding") if h.entity is c.entity and h is not c.parent and h.erp_active]
            c.erp_parent = self.rng.choice(others) if others else None
            self.record(
                "CUSTOMER_PARENT_MISMATCH",
                c,
                f"CRM parent of {c.name} is {c.parent.name}, {c.entity.erp_system} parent "
                f"is {c.erp_parent.name if c.erp_parent else 'none'}",
                expected=c.parent.crm_id,
                actual=c.erp_parent.erp_ref if c.erp_parent else None,
            )

    def cycle(self) -> None:
        for _ in range(self.picker.how_many()):
            loop = self.picker.pick(
                self.of_role("prospect"), 2 + self.rng.randrange(2), where=lambda c: not c.on_hubspot
            )
            if len(loop) < 2:
                return
            for child, parent in zip(loop, loop[1:] + loop[:1]):
                child.crm_parent_id = parent.sf_id
                child.plants.add("HIERARCHY_CYCLE")
            self.manifest.finding(
                "HIERARCHY_CYCLE",
                loop[0].entity.code,
                crm_id=loop[0].sf_id,
                note=f"Salesforce parent chain loops through {len(loop)} accounts",
                pair=[f"salesforce:{c.sf_id}" for c in loop],
            )

    def currency_mismatch(self) -> None:
        for c in self.picker.pick(self.of_role("billing")):
            c.psa_currency = self.rng.choice([e.currency for e in self.firm.entities if e is not c.entity])
            self.record(
                "CUSTOMER_CURRENCY_MISMATCH",
                c,
                f"Harvest bills {c.name} in {c.psa_currency}, {c.entity.erp_system} in {c.entity.currency}",
                expected=c.entity.currency,
                actual=c.psa_currency,
            )

    def status_mismatch(self) -> None:
        busy = {
            id(p.customer) for p in self.firm.projects if p.is_active and p.starts_on < self.firm.as_of.replace(day=1)
        }
        for c in self.picker.pick(self.of_role("billing"), where=lambda c: id(c) in busy):
            c.psa_active = False
            self.record(
                "CUSTOMER_STATUS_MISMATCH",
                c,
                f"{c.name} is archived in Harvest but has open invoices and recent work",
                expected="active",
                actual="inactive",
            )

    def legal_entity_mismatch(self) -> None:
        def others(c: Customer) -> list[str]:
            return [e.code for e in self.firm.entities if e is not c.entity and e.crm == c.crm]

        for c in self.picker.pick(self.of_role("billing"), where=lambda c: c.parent is None and bool(others(c))):
            c.crm_entity = self.rng.choice(others(c))
            self.record(
                "LEGAL_ENTITY_MISMATCH",
                c,
                f"{c.crm_system} contracts {c.name} through {c.crm_entity}, {c.entity.erp_system} bills it in "
                f"{c.entity.code}",
                expected=c.entity.code,
                actual=c.crm_entity,
            )
