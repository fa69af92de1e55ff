"""QuickBooks Online v3 (the ERP) contracts, in the API's own field names; references resolve
inside the same company (legal entity)."""

from __future__ import annotations

import pandera.polars as pa
import polars as pl

from checks import rules
from checks.contract import Contract, Field, Reference, SourceRecord, one_of, row_rule

SERVER = "Id SyncToken MetaData domain sparse"
BILLABLE_STATUSES = ("Billable", "NotBillable", "HasBeenBilled")
NAME_OF = ("Employee", "Vendor")
ITEM_TYPES = ("Inventory", "NonInventory", "Service", "Group", "Category")
NAME_LIMIT = 500


def contract(
    object_name: str,
    model: type[pa.DataFrameModel],
    fields: tuple[Field, ...],
    known: str,
    references: tuple[Reference, ...] = (),
    derived: dict[str, str] | None = None,
    parent: str | None = None,
) -> Contract:
    stamps = (Field("MetaData.CreateTime", "timestamp"), Field("MetaData.LastUpdatedTime", "timestamp"))
    return Contract(
        "quickbooks",
        object_name,
        "Id",
        (Field("Id", "ref", required=False), *fields, *stamps),
        model,
        frozenset(f"{SERVER} {known}".split()),
        references,
        derived or {},
        parent,
    )


class Customer(SourceRecord):
    Level: int = pa.Field(nullable=True)
    parent_level: int = pa.Field(nullable=True)

    in_cycle: bool = pa.Field()

    parent_chain_ends = row_rule(f"{rules.PARENT_CYCLE}:ParentRef_value", ~pl.col("in_cycle"))
    one_level_below_its_parent = row_rule(
        f"{rules.PARENT_LEVEL_WRONG}:Level",
        ~(pl.col("ParentRef_value__resolves").fill_null(False) & ~pl.col("in_cycle"))
        | (pl.col("Level").fill_null(0) == pl.col("parent_level").fill_null(0) + 1),
    )


class Item(SourceRecord):
    Type: str = pa.Field(nullable=True)

    type_known = one_of("Type", ITEM_TYPES)


class Document(SourceRecord):
    """A sales document: its lines (with tax, less discounts) make up its total."""

    TotalAmt: float = pa.Field(nullable=True)
    lines_total: float = pa.Field(nullable=True)

    lines_sum_to_total = row_rule(
        f"{rules.INVOICE_LINES_DO_NOT_SUM}:TotalAmt", ~((pl.col("TotalAmt") - pl.col("lines_total")).abs() > 0.005)
    )


class TimeActivity(SourceRecord):
    Hours: int = pa.Field(nullable=True)
    Minutes: int = pa.Field(nullable=True)
    BillableStatus: str = pa.Field(nullable=True)
    NameOf: str = pa.Field(nullable=True)

    hours_within_a_day = row_rule(
        f"{rules.HOURS_OUT_OF_RANGE}:Hours",
        ((pl.col("Hours") + pl.col("Minutes").fill_null(0) / 60).is_between(0, 24, closed="right")),
    )
    billable_status_known = one_of("BillableStatus", BILLABLE_STATUSES)
    name_of_known = one_of("NameOf", NAME_OF)


def _lines(detail: str) -> str:
    return (
        f"coalesce(list_sum(list_transform(list_filter(json_extract(payload, '$.Line[*]'), "
        f"lambda l: json_extract_string(l, '$.DetailType') = '{detail}'), "
        f"lambda l: TRY_CAST(json_extract_string(l, '$.Amount') AS DECIMAL(18, 4)))), 0)"
    )


LINES_TOTAL = (
    f"({_lines('SalesItemLineDetail')} - {_lines('DiscountLineDetail')} + coalesce(TRY_CAST("
    "json_extract_string(payload, '$.TxnTaxDetail.TotalTax') AS DECIMAL(18, 4)), 0))::DOUBLE"
)
DOCUMENT = (
    "DocNumber TxnDate CurrencyRef ExchangeRate Line TxnTaxDetail CustomerRef TotalAmt PrivateNote "
    "CustomField ApplyTaxAfterDiscount PrintStatus EmailStatus Balance BillAddr ShipAddr BillEmail "
    "CustomerMemo SalesTermRef DepartmentRef ClassRef HomeTotalAmt HomeBalance TxnSource"
)


def sales_document(object_name: str, known: str) -> Contract:
    return contract(
        object_name,
        Document,
        (
            Field("DocNumber", "text", required=False),
            Field("TxnDate", "date", past=True),
            Field("CustomerRef.value", "ref"),
            Field("CurrencyRef.value", "currency"),
            Field("TotalAmt", "money", currency="CurrencyRef_value"),
            Field("Balance", "money", required=False, currency="CurrencyRef_value"),
        ),
        f"{DOCUMENT} {known}",
        (Reference("CustomerRef_value", "Customer"),),
        {"lines_total": LINES_TOTAL},
    )


CONTRACTS = [
    contract(
        "CompanyInfo",
        SourceRecord,
        (Field("CompanyName", "name", max_length=NAME_LIMIT),),
        "CompanyName LegalName CompanyAddr CustomerCommunicationAddr LegalAddr PrimaryPhone CompanyStartDate "
        "FiscalYearStartMonth Country Email WebAddr SupportedLanguages NameValue",
    ),
    contract(
        "Preferences",
        SourceRecord,
        (Field("CurrencyPrefs.HomeCurrency.value", "currency"),),
        "CurrencyPrefs TimeTrackingPrefs SalesFormsPrefs AccountingInfoPrefs ProductAndServicesPrefs "
        "VendorAndPurchasesPrefs TaxPrefs OtherPrefs EmailMessagesPrefs ReportPrefs",
    ),
    contract(
        "Customer",
        Customer,
        (
            Field("DisplayName", "name", max_length=NAME_LIMIT),
            Field("Active", "boolean"),
            Field("Job", "boolean", required=False),
            Field("IsProject", "boolean", required=False),
            Field("ParentRef.value", "ref", required=False),
            Field("Level", "integer", required=False),
            Field("CurrencyRef.value", "currency"),
            Field("Balance", "money", required=False, currency="CurrencyRef_value"),
            Field("BalanceWithJobs", "money", required=False, currency="CurrencyRef_value"),
        ),
        "Taxable Job BillWithParent Balance BalanceWithJobs CurrencyRef PreferredDeliveryMethod IsProject "
        "FullyQualifiedName CompanyName DisplayName PrintOnCheckName Active WebAddr PrimaryTaxIdentifier BillAddr "
        "ShipAddr ParentRef Level Notes GivenName FamilyName PrimaryPhone PrimaryEmailAddr Mobile Fax "
        "ResaleNum SalesTermRef PaymentMethodRef OpenBalanceDate",
        (Reference("ParentRef_value", "Customer", {"parent_level": ("Level", "BIGINT")}),),
        parent="ParentRef.value",
    ),
    contract(
        "Employee",
        SourceRecord,
        (
            Field("DisplayName", "name", max_length=NAME_LIMIT),
            Field("Active", "boolean"),
            Field("PrimaryEmailAddr.Address", "text", required=False),
            Field("BillRate", "number", required=False),
            Field("CostRate", "number", required=False),
        ),
        "BillableTime BillRate CostRate HiredDate ReleasedDate EmployeeNumber GivenName FamilyName MiddleName "
        "DisplayName PrintOnCheckName Active PrimaryEmailAddr PrimaryPhone Mobile PrimaryAddr SSN Gender BirthDate",
    ),
    contract(
        "Item",
        Item,
        (
            Field("Name", "name", max_length=NAME_LIMIT),
            Field("Active", "boolean"),
            Field("Type", "text"),
        ),
        "Name Description Active FullyQualifiedName Taxable UnitPrice Type IncomeAccountRef ExpenseAccountRef "
        "PurchaseCost PurchaseDesc TrackQtyOnHand QtyOnHand InvStartDate Sku SubItem ParentRef Level",
    ),
    sales_document(
        "Invoice",
        "AllowIPNPayment AllowOnlinePayment AllowOnlineCreditCardPayment "
        "AllowOnlineACHPayment LinkedTxn DueDate Deposit DeliveryInfo",
    ),
    sales_document("CreditMemo", "RemainingCredit"),
    contract(
        "Payment",
        SourceRecord,
        (
            Field("TxnDate", "date", past=True),
            Field("CustomerRef.value", "ref"),
            Field("CurrencyRef.value", "currency"),
            Field("TotalAmt", "money", currency="CurrencyRef_value"),
            Field("UnappliedAmt", "money", required=False, currency="CurrencyRef_value"),
        ),
        "CustomerRef DepositToAccountRef TotalAmt UnappliedAmt ProcessPayment TxnDate CurrencyRef ExchangeRate "
        "PrivateNote Line PaymentMethodRef PaymentRefNum ARAccountRef TxnSource",
        (Reference("CustomerRef_value", "Customer"),),
    ),
    contract(
        "TimeActivity",
        TimeActivity,
        (
            Field("TxnDate", "date", past=True),
            Field("NameOf", "text"),
            Field("EmployeeRef.value", "ref", required=False),
            Field("CustomerRef.value", "ref", required=False),
            Field("BillableStatus", "text", required=False),
            Field("HourlyRate", "number", required=False),
            Field("Hours", "integer", required=False),
            Field("Minutes", "integer", required=False),
        ),
        "TxnDate NameOf EmployeeRef VendorRef CustomerRef ItemRef ClassRef PayrollItemRef BillableStatus Taxable "
        "HourlyRate CostRate Hours Minutes BreakHours BreakMinutes StartTime EndTime Description",
        (Reference("EmployeeRef_value", "Employee"), Reference("CustomerRef_value", "Customer")),
    ),
]
