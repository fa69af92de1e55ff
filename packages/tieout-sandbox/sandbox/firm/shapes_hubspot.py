"""HubSpot CRM records (companies, deals) of a business unit on HubSpot, with the firm's custom properties.

Every property value is a string, as HubSpot serves them; a property the firm leaves unset is absent
(HubSpot answers null for it). The custom properties carry what Salesforce's custom fields do:
`psa_client_id`, `erp_customer_id` (`<entity>:<ERP customer id>`), `legal_entity`, `open_ar`, `tax_id`
on a company, `billing_model` and `psa_project_id` on a deal. The parent company and a deal's company
are associations, stored apart (`associate`).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from urllib.parse import urlparse

from sandbox.emulators.hubspot_records import iso, record

from .clock import at
from .model import Customer, Opportunity

# Salesforce's opportunity stages as the stages of HubSpot's default deal pipeline
STAGES = {
    "Prospecting": "appointmentscheduled",
    "Qualification": "qualifiedtobuy",
    "Proposal/Price Quote": "presentationscheduled",
    "Negotiation/Review": "contractsent",
    "Closed Won": "closedwon",
    "Closed Lost": "closedlost",
}


def domain(website: str) -> str:
    """A company's domain as HubSpot keeps it: the website's host without `www.`."""
    host = urlparse(website).hostname or website
    return host.removeprefix("www.")


def _set(properties: dict[str, str | None]) -> dict[str, object]:
    return {name: value for name, value in properties.items() if value is not None}


def company(c: Customer, open_ar: Decimal | None, created: datetime, updated: datetime) -> dict:
    assert c.hubspot_id is not None  # rendered for HubSpot customers only
    properties = {
        "name": c.name,
        "domain": domain(c.website),
        "country": c.entity.country,
        "lifecyclestage": "lead" if c.role == "prospect" else "customer",
        "legal_entity": c.crm_entity,
        "psa_client_id": str(c.harvest_id) if c.harvest_id and c.links_psa else None,
        "erp_customer_id": c.erp_ref if c.links_erp else None,
        "open_ar": None if open_ar is None else f"{open_ar:.2f}",
        "tax_id": c.tax_id,
    }
    return record("companies", c.hubspot_id, _set(properties), created=created, updated=updated)


def deal(o: Opportunity, created: datetime, updated: datetime) -> dict:
    assert o.hubspot_id is not None  # rendered for deals of HubSpot customers only
    properties = {
        "dealname": o.name,
        "amount": str(o.amount),
        "deal_currency_code": o.account.entity.currency,
        "pipeline": "default",
        "dealstage": STAGES[o.stage],
        # HubSpot's own calculated flags, whatever the pipeline's stage ids
        "hs_is_closed_won": str(o.stage == "Closed Won").lower(),
        "hs_is_closed": str(o.stage in ("Closed Won", "Closed Lost")).lower(),
        "closedate": iso(at(o.close_date, 0)),
        "dealtype": "newbusiness",
        "billing_model": o.billing_model,
        "psa_project_id": str(o.project.harvest_id) if o.project else None,
    }
    return record("deals", o.hubspot_id, _set(properties), created=created, updated=updated)
