"""Salesforce REST records (Account, Opportunity) with the firm's custom fields."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from .clock import salesforce
from .model import Customer, Opportunity

API = "/services/data/v60.0/sobjects"
INDUSTRY = {"holding": "Other", "prospect": None}


def _stamps(created: datetime, updated: datetime) -> dict:
    return {
        "CreatedDate": salesforce(created),
        "LastModifiedDate": salesforce(updated),
        "SystemModstamp": salesforce(updated),
    }


def account(c: Customer, open_ar: Decimal | None, created: datetime, updated: datetime) -> dict:
    return {
        "attributes": {"type": "Account", "url": f"{API}/Account/{c.sf_id}"},
        "Id": c.sf_id,
        "IsDeleted": False,
        "Name": c.name,
        "ParentId": c.crm_parent_id,
        "Type": "Prospect" if c.role == "prospect" else "Customer",
        "Industry": INDUSTRY.get(c.role, "Consulting"),
        "Website": c.website,
        "Phone": None,
        "BillingCity": None,
        "BillingCountry": c.entity.country,
        "CurrencyIsoCode": c.entity.currency,
        "Legal_Entity__c": c.crm_entity,
        "PSA_Client_Id__c": str(c.harvest_id) if c.harvest_id and c.links_psa else None,
        "ERP_Customer_Id__c": c.erp_ref if c.links_erp else None,
        "Open_AR__c": None if open_ar is None else float(open_ar),
        "Tax_Id__c": c.tax_id,
        **_stamps(created, updated),
    }


def opportunity(o: Opportunity, created: datetime, updated: datetime) -> dict:
    project = o.project
    return {
        "attributes": {"type": "Opportunity", "url": f"{API}/Opportunity/{o.sf_id}"},
        "Id": o.sf_id,
        "IsDeleted": False,
        "AccountId": o.account.sf_id,
        "Name": o.name,
        "StageName": o.stage,
        "IsWon": o.is_won,
        "IsClosed": o.is_closed,
        "Amount": float(o.amount),
        "CloseDate": o.close_date.isoformat(),
        "Type": "New Business",
        "CurrencyIsoCode": o.account.entity.currency,
        "Legal_Entity__c": o.account.entity.code,
        "Billing_Model__c": o.billing_model,
        "PSA_Project_Id__c": str(project.harvest_id) if project else None,
        "Description": None,
        **_stamps(created, updated),
    }
