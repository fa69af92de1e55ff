"""QuickBooks Online v3 payloads, serialised as the JSON API returns each entity."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from .clock import at, quickbooks
from .model import Customer, Entity, Line, Person, Posting, Project

CURRENCY_NAMES = {"USD": "United States Dollar", "GBP": "British Pound Sterling", "EUR": "Euro"}
SERVICES = {"value": "1", "name": "Services"}
EXPENSES = {"value": "2", "name": "Reimbursable Expenses"}
ADDRESSES = {
    "US": ("100 Federal Street", "Boston", "MA", "02110", "US"),
    "UK": ("1 Finsbury Avenue", "London", None, "EC2M 2PP", "GB"),
    "DE": ("Friedrichstrasse 68", "Berlin", None, "10117", "DE"),
}


def num(value: Decimal) -> float:
    return float(value)


def _server(entity: Entity, id: str, created: datetime, updated: datetime | None = None) -> dict:
    return {
        "domain": "QBO",
        "sparse": False,
        "Id": id,
        "SyncToken": "0",
        "MetaData": {
            "CreateTime": quickbooks(created, entity.code),
            "LastUpdatedTime": quickbooks(updated or created, entity.code),
        },
    }


def currency(code: str) -> dict:
    return {"value": code, "name": CURRENCY_NAMES.get(code, code)}


def _address(entity: Entity) -> dict:
    line1, city, region, postal, country = ADDRESSES[entity.code]
    return {
        "Id": "1",
        "Line1": line1,
        "City": city,
        "CountrySubDivisionCode": region,
        "PostalCode": postal,
        "Country": country,
    }


def company_info(entity: Entity, created: date) -> dict:
    return {
        "CompanyName": entity.name,
        "LegalName": entity.name,
        "CompanyAddr": _address(entity),
        "CustomerCommunicationAddr": _address(entity),
        "LegalAddr": _address(entity),
        "PrimaryPhone": {"FreeFormNumber": "+1 617 555 0100"},
        "CompanyStartDate": created.isoformat(),
        "FiscalYearStartMonth": "January",
        "Country": entity.country,
        "Email": {"Address": f"finance.{entity.code.lower()}@meridian-advisory.example"},
        "WebAddr": {"URI": "https://www.meridian-advisory.example"},
        "SupportedLanguages": "en",
        "NameValue": [{"Name": "NeoEnabled", "Value": "true"}, {"Name": "IsQbdtMigrated", "Value": "false"}],
        **_server(entity, "1", at(created, 480)),
    }


def preferences(entity: Entity, created: date) -> dict:
    return {
        "CurrencyPrefs": {"MultiCurrencyEnabled": True, "HomeCurrency": {"value": entity.currency}},
        "TimeTrackingPrefs": {
            "UseServices": True,
            "BillCustomers": True,
            "ShowBillRateToAll": False,
            "WorkWeekStartDate": "Monday",
            "MarkTimeEntriesBillable": True,
        },
        "SalesFormsPrefs": {"CustomTxnNumbers": True, "AllowDeposit": False, "AllowDiscount": True},
        **_server(entity, "1", at(created, 485)),
    }


def item(entity: Entity, ref: dict, created: date) -> dict:
    return {
        "Name": ref["name"],
        "Description": ref["name"],
        "Active": True,
        "FullyQualifiedName": ref["name"],
        "Taxable": False,
        "UnitPrice": 0,
        "Type": "Service",
        "IncomeAccountRef": {"value": "79", "name": "Sales of Product Income"},
        "PurchaseCost": 0,
        "TrackQtyOnHand": False,
        **_server(entity, ref["value"], at(created, 490)),
    }


def _web(url: str) -> dict | None:
    return {"URI": url} if url else None


def customer(c: Customer, full_name: str, level: int, balance: Decimal, with_jobs: Decimal) -> dict:
    assert c.qbo_id is not None  # rendered for QuickBooks customers only
    parent = c.erp_parent
    record = {
        "Taxable": False,
        "Job": parent is not None,
        "BillWithParent": False,
        "Balance": num(balance),
        "BalanceWithJobs": num(with_jobs),
        "CurrencyRef": currency(c.entity.currency),
        "PreferredDeliveryMethod": "Email",
        "IsProject": False,
        "FullyQualifiedName": full_name,
        "CompanyName": c.erp_name,
        "DisplayName": c.erp_name,
        "PrintOnCheckName": c.erp_name,
        "Active": c.erp_active,
        "WebAddr": _web(c.website),
        "PrimaryTaxIdentifier": c.tax_id,
        "BillAddr": {
            "Id": str(int(c.qbo_id) + 1000),
            "City": ADDRESSES[c.entity.code][1],
            "Country": ADDRESSES[c.entity.code][4],
        },
        **_server(c.entity, c.qbo_id, at(c.since, 700)),
    }
    if parent is not None:
        record.update(ParentRef={"value": parent.qbo_id}, Level=level)
    return record


def project_customer(p: Project, parent_full_name: str, level: int, balance: Decimal) -> dict:
    assert p.qbo_id is not None  # rendered for projects in QuickBooks only
    c = p.customer
    return {
        "Taxable": False,
        "Job": True,
        "BillWithParent": False,
        "Balance": num(balance),
        "BalanceWithJobs": num(balance),
        "CurrencyRef": currency(c.entity.currency),
        "PreferredDeliveryMethod": "Email",
        "IsProject": True,
        "FullyQualifiedName": f"{parent_full_name}:{p.name}",
        "DisplayName": p.name,
        "PrintOnCheckName": c.erp_name,
        "CompanyName": c.erp_name,
        "Active": True,
        "Notes": f"harvest_project:{p.harvest_id}",
        "ParentRef": {"value": c.qbo_id},
        "Level": level,
        **_server(c.entity, p.qbo_id, at(p.created, 720)),
    }


def employee(person: Person) -> dict:
    assert person.qbo_id is not None  # build_people makes everyone a QuickBooks employee
    return {
        "BillableTime": True,
        "BillRate": num(person.rate),
        "CostRate": num(person.cost_rate),
        "HiredDate": person.since.isoformat(),
        "EmployeeNumber": f"E{person.harvest_id}",
        "GivenName": person.first,
        "FamilyName": person.last,
        "DisplayName": person.name,
        "PrintOnCheckName": person.name,
        "Active": True,
        "PrimaryEmailAddr": {"Address": person.erp_email},
        **_server(person.entity, person.qbo_id, at(person.since, 560)),
    }


def _sales_line(n: int, line: Line, item_ref: dict, tax_code: str, voided: bool) -> dict:
    return {
        "Id": str(n),
        "LineNum": n,
        "Description": line.description,
        "Amount": 0.0 if voided else num(line.amount),
        "DetailType": "SalesItemLineDetail",
        "SalesItemLineDetail": {
            "ItemRef": item_ref,
            "UnitPrice": num(line.unit_price),
            "Qty": num(line.quantity),
            "TaxCodeRef": {"value": tax_code},
        },
    }


def _lines(
    lines: list[Line], tax_code: str = "NON", discount: Decimal = Decimal("0"), voided: bool = False
) -> list[dict]:
    """Sales lines, the subtotal and any discount line; a voided invoice keeps its lines at zero."""
    rendered = [
        _sales_line(n, line, EXPENSES if line.kind == "Expense" else SERVICES, tax_code, voided)
        for n, line in enumerate(lines, start=1)
    ]
    total = Decimal("0") if voided else sum((line.amount for line in lines), Decimal("0"))
    rendered.append({"Amount": num(total), "DetailType": "SubTotalLineDetail", "SubTotalLineDetail": {}})
    if discount and not voided:
        rendered.append(
            {"Amount": num(discount), "DetailType": "DiscountLineDetail", "DiscountLineDetail": {"PercentBased": False}}
        )
    return rendered


def _tax(post: Posting) -> dict:
    """TxnTaxDetail: the VAT charged after any discount, at the entity's rate."""
    if not post.entity.vat:
        return {"TotalTax": 0}
    tax = Decimal("0") if post.voided else post.tax
    return {
        "TxnTaxCodeRef": {"value": "3"},
        "TotalTax": num(tax),
        "TaxLine": [
            {
                "Amount": num(tax),
                "DetailType": "TaxLineDetail",
                "TaxLineDetail": {
                    "TaxRateRef": {"value": "5"},
                    "PercentBased": True,
                    "TaxPercent": num(post.entity.vat),
                    "NetAmountTaxable": num(post.total - tax),
                },
            }
        ],
    }


def invoice(post: Posting, due: date, created: datetime, updated: datetime) -> dict:
    record = {
        "AllowIPNPayment": False,
        "AllowOnlinePayment": False,
        "AllowOnlineCreditCardPayment": False,
        "AllowOnlineACHPayment": False,
        **_server(post.entity, post.qbo_id, created, updated),
        "CustomField": [],
        "DocNumber": post.doc_number,
        "TxnDate": post.txn_date.isoformat(),
        "CurrencyRef": currency(post.currency),
        "ExchangeRate": 1,
        "LinkedTxn": [{"TxnId": r.payment_id, "TxnType": "Payment"} for r in post.receipts],
        "Line": _lines(post.lines, "TAX" if post.entity.vat else "NON", post.discount, post.voided),
        "TxnTaxDetail": _tax(post),
        "CustomerRef": {"value": post.customer_qbo_id, "name": post.customer_name},
        "DueDate": due.isoformat(),
        "TotalAmt": num(post.total),
        "ApplyTaxAfterDiscount": True,
        "PrintStatus": "NotSet",
        "EmailStatus": "EmailSent",
        "Balance": num(post.balance),
    }
    if post.private_note is not None:
        record["PrivateNote"] = post.private_note
    return record


def payment(
    entity: Entity,
    id: str,
    post: Posting,
    day: date,
    applied: list[tuple[str, str, Decimal]],
    total: Decimal,
    note: str,
) -> dict:
    """`applied` lists (TxnId, TxnType, Amount): the invoice, and for a credit application the credit memo."""
    stamp = at(day, 900)
    return {
        "CustomerRef": {"value": post.customer_qbo_id, "name": post.customer_name},
        "DepositToAccountRef": {"value": "35"},
        "TotalAmt": num(total),
        "UnappliedAmt": 0,
        "ProcessPayment": False,
        **_server(entity, id, stamp),
        "TxnDate": day.isoformat(),
        "CurrencyRef": currency(post.currency),
        "ExchangeRate": 1,
        "PrivateNote": note,
        "Line": [
            {"Amount": num(amount), "LinkedTxn": [{"TxnId": txn, "TxnType": kind}]} for txn, kind, amount in applied
        ],
    }


def credit_memo(entity: Entity, id: str, number: str, post: Posting, day: date, amount: Decimal, note: str) -> dict:
    line = Line("Service", f"Credit against invoice {post.doc_number}", Decimal("1"), amount)
    return {
        "RemainingCredit": 0,
        **_server(entity, id, at(day, 840)),
        "CustomField": [],
        "DocNumber": number,
        "TxnDate": day.isoformat(),
        "CurrencyRef": currency(post.currency),
        "ExchangeRate": 1,
        "PrivateNote": note,
        "Line": _lines([line]),
        "TxnTaxDetail": {"TotalTax": 0},
        "CustomerRef": {"value": post.customer_qbo_id, "name": post.customer_name},
        "TotalAmt": num(amount),
        "ApplyTaxAfterDiscount": False,
        "PrintStatus": "NotSet",
        "EmailStatus": "NotSet",
        "Balance": 0,
    }


def time_activity(
    entity: Entity,
    id: str,
    day: date,
    person: Person,
    project: Project,
    hours: Decimal,
    rate: Decimal,
    status: str,
    description: str,
    created: datetime,
    updated: datetime,
) -> dict:
    minutes = int(hours * 60)
    return {
        "TxnDate": day.isoformat(),
        "NameOf": "Employee",
        "EmployeeRef": {"value": person.qbo_id, "name": person.name},
        "CustomerRef": {"value": project.qbo_id, "name": project.name},
        "ItemRef": SERVICES,
        "BillableStatus": status,
        "Taxable": False,
        "HourlyRate": num(rate),
        "CostRate": num(person.cost_rate),
        "Hours": minutes // 60,
        "Minutes": minutes % 60,
        "Description": description,
        **_server(entity, id, created, updated),
    }
