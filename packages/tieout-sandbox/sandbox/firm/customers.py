"""The firm's legal entities and its customers: groups with subsidiaries, billing customers, prospects."""

from __future__ import annotations

import hashlib
import random
import uuid
from datetime import date, timedelta
from decimal import Decimal

from .ids import Ids
from .model import Customer, Entity
from .names import BrandNames, benign_spelling
from .sizes import Size

ENTITIES = [
    ("US", "9130357412345001", "USD", "Meridian Advisory Inc", "US", Decimal("0")),
    ("UK", "9130357412345002", "GBP", "Meridian Advisory Ltd", "GB", Decimal("20")),
    ("DE", "9130357412345003", "EUR", "Meridian Advisory GmbH", "DE", Decimal("19")),
]
TLDS = {"US": "com", "UK": "co.uk", "DE": "de"}


ERPS = ("quickbooks", "xero", "ledger")
CRMS = ("salesforce", "hubspot")


def hubspot_portal_id(seed: int) -> str:
    """The firm's one HubSpot account (portal), which every business unit on HubSpot shares: an
    eight-digit number derived from the seed."""
    return str(20_000_000 + int(hashlib.sha256(f"{seed}:hubspot-portal".encode()).hexdigest()[:8], 16) % 70_000_000)


def _checked(choices: dict[str, str], systems: tuple[str, ...], family: str) -> dict[str, str]:
    unknown = sorted(set(choices) - {row[0] for row in ENTITIES})
    if unknown:
        raise ValueError(f"no legal entity {', '.join(unknown)}: one of {', '.join(row[0] for row in ENTITIES)}")
    wrong = sorted({system for system in choices.values() if system not in systems})
    if wrong:
        raise ValueError(f"unknown {family} {', '.join(wrong)}: one of {', '.join(systems)}")
    return choices


def make_entities(
    seed: int = 0,
    erps: dict[str, str] | None = None,
    crms: dict[str, str] | None = None,
    cutovers: dict[str, str] | None = None,
    cutover_date: date | None = None,
) -> list[Entity]:
    """The firm's entities, each on QuickBooks unless `erps` puts it on another ERP (code -> erp), and its
    customers in Salesforce unless `crms` puts them in another CRM (code -> crm: an acquired business
    unit's HubSpot). An entity on Xero gets a tenant id derived from the seed and its code; the entities
    on HubSpot share one portal. `cutovers` (code -> new erp: xero) moves a QuickBooks entity to Xero on
    `cutover_date`: it is on Xero (a new tenant) and keeps its realm as its former ERP."""
    erps = _checked(dict(erps or {}), ERPS, "ERP")
    crms = _checked(dict(crms or {}), CRMS, "CRM")
    cutovers = _checked(dict(cutovers or {}), ERPS, "ERP")
    for code, erp in cutovers.items():
        if erp != "xero" or erps.get(code, "quickbooks") != "quickbooks":
            raise ValueError(
                f"a cutover moves a QuickBooks entity to xero: not {code} from {erps.get(code, 'quickbooks')} to {erp}"
            )
    if cutovers and cutover_date is None:
        raise ValueError("a cutover needs its date")
    entities = [Entity(*row) for row in ENTITIES]
    for e in entities:
        e.erp = erps.get(e.code, "quickbooks")
        if e.code in cutovers:
            e.erp, e.former_erp, e.cutover_date = cutovers[e.code], e.erp, cutover_date
        if e.on_xero:
            e.xero_tenant_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"tieout-sandbox:{seed}:xero-tenant:{e.code}"))
        e.crm = crms.get(e.code, "salesforce")
        if e.crm == "hubspot":
            e.hubspot_portal_id = hubspot_portal_id(seed)
    return entities


def _tax_id(entity: Entity, rng: random.Random) -> str:
    digits = "".join(str(rng.randrange(10)) for _ in range(9))
    return {"US": f"{digits[:2]}-{digits[2:]}", "UK": f"GB{digits}", "DE": f"DE{digits}"}[entity.code]


class CustomerFactory:
    """Creates customers with the ids of the systems they exist in."""

    def __init__(self, rng: random.Random, ids: Ids, as_of: date):
        self.rng, self.ids, self.as_of = rng, ids, as_of
        self.names = BrandNames(rng)
        self.customers: list[Customer] = []

    def new(
        self,
        entity: Entity,
        role: str,
        parent: Customer | None = None,
        *,
        in_psa: bool,
        in_erp: bool,
        since_days: tuple[int, int] = (560, 700),
    ) -> Customer:
        name, brand = self.names.company(entity.code, holding=role == "holding")
        since = self.as_of - timedelta(days=self.rng.randint(*since_days))
        # a group's subsidiaries keep the parent's web domain but have their own tax ids
        website = parent.website if role == "billing" and parent else f"https://www.{brand.lower()}.{TLDS[entity.code]}"
        customer = Customer(name, brand, role, entity, parent, website, _tax_id(entity, self.rng), since)
        customer.sf_id = self.ids.account()
        customer.crm = entity.crm
        if customer.on_hubspot:
            customer.hubspot_id = self.ids.hubspot("companies")
        customer.crm_parent_id = parent.crm_id if parent else None  # a HubSpot parent as hubspot:<id>
        if in_psa:
            customer.harvest_id = self.ids.harvest("clients")
            if self.rng.random() < 0.3:
                customer.psa_name = benign_spelling(name, self.rng)
        if in_erp:
            customer.qbo_id = self.ids.quickbooks(entity.code, "Customer")
            if self.rng.random() < 0.3:
                customer.erp_name = benign_spelling(name, self.rng)
        self.customers.append(customer)
        return customer


def build_customers(rng: random.Random, size: Size, entities: list[Entity], ids: Ids, as_of: date) -> list[Customer]:
    """Per entity: holdings with subsidiaries (two levels), standalone billing, direct, onboarding, prospects."""
    make = CustomerFactory(rng, ids, as_of)
    for entity in entities:
        billing_left = size.billing_customers
        for _ in range(size.holdings):
            holding = make.new(entity, "holding", in_psa=False, in_erp=True)
            for k in range(rng.randint(2, 3)):
                subsidiary = make.new(entity, "billing", holding, in_psa=True, in_erp=True)
                billing_left -= 1
                if k == 0:
                    make.new(entity, "dormant", subsidiary, in_psa=False, in_erp=True)
        for _ in range(max(billing_left, 2)):
            make.new(entity, "billing", in_psa=True, in_erp=True)
        for _ in range(size.direct_customers):
            make.new(entity, "direct", in_psa=False, in_erp=True)
        for _ in range(size.onboarding):
            make.new(entity, "onboarding", in_psa=True, in_erp=True, since_days=(30, 60))
        for _ in range(size.prospects):
            make.new(entity, "prospect", in_psa=False, in_erp=False, since_days=(20, 500))
    return make.customers
