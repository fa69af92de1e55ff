"""Xero Accounting API 2.0 (a legal entity's ERP) and Xero Projects contracts, in the APIs' own field names;
references resolve inside the same organisation (legal entity). The Accounting API writes its dates and
times as Microsoft's JSON date, `/Date(1767225600000+0000)/` (fields of form "ms"); Projects as ISO 8601."""

from __future__ import annotations

import pandera.polars as pa
import polars as pl

from checks import rules
from checks.contract import Contract, Field, Reference, SourceRecord, one_of, row_rule

CONTACT_STATUSES = ("ACTIVE", "ARCHIVED", "GDPRREQUEST")
INVOICE_TYPES = ("ACCREC", "ACCPAY")
CREDIT_NOTE_TYPES = ("ACCRECCREDIT", "ACCPAYCREDIT")
DOCUMENT_STATUSES = ("DRAFT", "SUBMITTED", "DELETED", "AUTHORISED", "PAID", "VOIDED")
PAYMENT_STATUSES = ("AUTHORISED", "DELETED")
LINE_AMOUNT_TYPES = ("Exclusive", "Inclusive", "NoTax")
NAME_LIMIT = 255
UPDATED = Field("UpdatedDateUTC", "timestamp", form="ms")
PROJECT_STATUSES = ("INPROGRESS", "CLOSED")
TIME_STATUSES = ("ACTIVE", "LOCKED", "INVOICED")
TASK_STATUSES = ("ACTIVE", "INVOICED", "LOCKED")
CHARGE_TYPES = ("TIME", "FIXED", "NON_CHARGEABLE")
MINUTES_A_DAY = 24 * 60
# the invoice a payment pays: a refund (ARCREDITPAYMENT) names a credit note there and a prepayment or
# overpayment names none, so only an invoice payment must name an invoice of the organisation
INVOICE_PAID = (
    "CASE WHEN coalesce(json_extract_string(payload, '$.PaymentType'), 'ACCRECPAYMENT') "
    "IN ('ACCRECPAYMENT', 'ACCPAYPAYMENT') THEN json_extract_string(payload, '$.Invoice.InvoiceID') END"
)
# what every record may carry beside its documented fields: Xero's validation and status notes
SERVER = "ValidationErrors Warnings HasValidationErrors HasErrors StatusAttributeString"


def contract(
    object_name: str,
    id_path: str,
    model: type[pa.DataFrameModel],
    fields: tuple[Field, ...],
    known: str,
    references: tuple[Reference, ...] = (),
    derived: dict[str, str] | None = None,
) -> Contract:
    return Contract(
        "xero",
        object_name,
        id_path,
        (Field(id_path, "ref", required=False), *fields),
        model,
        frozenset(f"{SERVER} {id_path} {known}".split()),
        references,
        derived or {},
    )


class Contact(SourceRecord):
    ContactStatus: str = pa.Field(nullable=True)

    status_known = one_of("ContactStatus", CONTACT_STATUSES)


class Invoice(SourceRecord):
    """A sales or purchase invoice: its lines, plus the tax when they exclude it, make up its total."""

    Type: str = pa.Field(nullable=True)
    Status: str = pa.Field(nullable=True)
    LineAmountTypes: str = pa.Field(nullable=True)
    Total: float = pa.Field(nullable=True)
    lines_total: float = pa.Field(nullable=True)

    type_known = one_of("Type", INVOICE_TYPES)
    status_known = one_of("Status", DOCUMENT_STATUSES)
    line_amount_types_known = one_of("LineAmountTypes", LINE_AMOUNT_TYPES)

    lines_sum_to_total = row_rule(
        f"{rules.INVOICE_LINES_DO_NOT_SUM}:Total", ~((pl.col("Total") - pl.col("lines_total")).abs() > 0.005)
    )


class Payment(SourceRecord):
    Status: str = pa.Field(nullable=True)

    status_known = one_of("Status", PAYMENT_STATUSES)


class CreditNote(SourceRecord):
    Type: str = pa.Field(nullable=True)
    Status: str = pa.Field(nullable=True)

    type_known = one_of("Type", CREDIT_NOTE_TYPES)
    status_known = one_of("Status", DOCUMENT_STATUSES)


class Project(SourceRecord):
    status: str = pa.Field(nullable=True)

    status_known = one_of("status", PROJECT_STATUSES)


class Task(SourceRecord):
    chargeType: str = pa.Field(nullable=True)
    status: str = pa.Field(nullable=True)

    charge_type_known = one_of("chargeType", CHARGE_TYPES)
    status_known = one_of("status", TASK_STATUSES)


class TimeEntry(SourceRecord):
    """A project time entry: its minutes, as a Harvest entry's hours, are more than none and at most a day."""

    status: str = pa.Field(nullable=True)
    duration: int = pa.Field(nullable=True)

    status_known = one_of("status", TIME_STATUSES)

    minutes_within_a_day = row_rule(
        f"{rules.HOURS_OUT_OF_RANGE}:duration", pl.col("duration").is_between(0, MINUTES_A_DAY, closed="right")
    )


# Xero's line amounts include the tax when LineAmountTypes is Inclusive, leave it out when Exclusive
# (TotalTax is added), and there is none with NoTax
LINES_TOTAL = (
    "(coalesce(list_sum(list_transform(json_extract(payload, '$.LineItems[*]'), "
    "lambda l: TRY_CAST(json_extract_string(l, '$.LineAmount') AS DECIMAL(18, 4)))), 0) "
    "+ CASE WHEN json_extract_string(payload, '$.LineAmountTypes') = 'Exclusive' THEN coalesce(TRY_CAST("
    "json_extract_string(payload, '$.TotalTax') AS DECIMAL(18, 4)), 0) ELSE 0 END)::DOUBLE"
)


def money(path: str, required: bool = True) -> Field:
    return Field(path, "money", required=required, currency="CurrencyCode")


DOCUMENT_DATES = (Field("Date", "date", past=True, form="ms"),)

CONTRACTS = [
    contract(
        "Organisation",
        "OrganisationID",
        SourceRecord,
        (
            Field("Name", "name", max_length=NAME_LIMIT),
            Field("BaseCurrency", "currency"),
            Field("CreatedDateUTC", "timestamp", required=False, form="ms"),
        ),
        "APIKey Name LegalName PaysTax Version OrganisationType BaseCurrency CountryCode IsDemoCompany "
        "OrganisationStatus RegistrationNumber EmployerIdentificationNumber TaxNumber FinancialYearEndDay "
        "FinancialYearEndMonth SalesTaxBasis SalesTaxPeriod DefaultSalesTax DefaultPurchasesTax PeriodLockDate "
        "EndOfYearLockDate CreatedDateUTC Timezone OrganisationEntityType ShortCode Class Edition LineOfBusiness "
        "Addresses Phones ExternalLinks PaymentTerms",
    ),
    contract(
        "Contacts",
        "ContactID",
        Contact,
        (
            Field("Name", "name", max_length=NAME_LIMIT),
            Field("ContactStatus", "text"),
            Field("IsCustomer", "boolean"),
            Field("ContactNumber", "text", required=False),
            Field("TaxNumber", "text", required=False),
            Field("DefaultCurrency", "currency", required=False),
            UPDATED,
        ),
        "MergedToContactID ContactNumber AccountNumber ContactStatus Name FirstName LastName CompanyNumber "
        "EmailAddress ContactPersons BankAccountDetails TaxNumber TaxNumberType AccountsReceivableTaxType "
        "AccountsPayableTaxType Addresses Phones IsSupplier IsCustomer SalesDefaultLineAmountType "
        "PurchasesDefaultLineAmountType DefaultCurrency XeroNetworkKey SalesDefaultAccountCode "
        "PurchasesDefaultAccountCode SalesTrackingCategories PurchasesTrackingCategories TrackingCategoryName "
        "TrackingCategoryOption PaymentTerms UpdatedDateUTC ContactGroups Website BrandingTheme BatchPayments "
        "Discount Balances Attachments HasAttachments",
    ),
    contract(
        "Invoices",
        "InvoiceID",
        Invoice,
        (
            Field("Type", "text"),
            Field("InvoiceNumber", "text", required=False),
            Field("Reference", "text", required=False),
            Field("Contact.ContactID", "ref"),
            *DOCUMENT_DATES,
            Field("DueDate", "date", required=False, form="ms"),
            Field("Status", "text"),
            Field("LineAmountTypes", "text"),
            Field("CurrencyCode", "currency"),
            money("SubTotal"),
            money("TotalTax"),
            money("Total"),
            money("AmountDue"),
            money("AmountPaid", required=False),
            money("AmountCredited", required=False),
            UPDATED,
        ),
        "Type Contact LineItems Date DueDate LineAmountTypes InvoiceNumber Reference BrandingThemeID Url "
        "CurrencyCode CurrencyRate Status SentToContact DateString DueDateString ExpectedPaymentDate PlannedPaymentDate CISDeduction "
        "CISRate SubTotal TotalTax Total TotalDiscount RepeatingInvoiceID HasAttachments IsDiscounted Payments "
        "Prepayments Overpayments AmountDue AmountPaid FullyPaidOnDate AmountCredited UpdatedDateUTC "
        "UpdatedDateUTCString CreditNotes Attachments InvoiceAddresses",
        (Reference("Contact_ContactID", "Contacts"),),
        {"lines_total": LINES_TOTAL},
    ),
    contract(
        "Payments",
        "PaymentID",
        Payment,
        (
            Field("Invoice.InvoiceID", "ref", required=False),
            *DOCUMENT_DATES,
            Field("Amount", "money"),
            Field("Status", "text"),
            Field("Reference", "text", required=False),
            UPDATED,
        ),
        "Invoice CreditNote Prepayment Overpayment InvoiceNumber CreditNoteNumber BatchPayment Account Code Date "
        "CurrencyRate Amount BankAmount Reference IsReconciled Status PaymentType UpdatedDateUTC "
        "UpdatedDateUTCString BatchPaymentID BankAccountNumber Particulars Details HasAccount",
        (Reference("paid_invoice", "Invoices"),),
        {"paid_invoice": INVOICE_PAID},
    ),
    contract(
        "CreditNotes",
        "CreditNoteID",
        CreditNote,
        (
            Field("Type", "text"),
            Field("CreditNoteNumber", "text", required=False),
            Field("Contact.ContactID", "ref"),
            *DOCUMENT_DATES,
            Field("Status", "text"),
            Field("CurrencyCode", "currency"),
            money("Total"),
            money("RemainingCredit", required=False),
            UPDATED,
        ),
        "Type Contact Date DueDate Status LineAmountTypes LineItems SubTotal TotalTax Total CISDeduction CISRate "
        "UpdatedDateUTC UpdatedDateUTCString CurrencyCode FullyPaidOnDate CreditNoteNumber Reference "
        "SentToContact CurrencyRate RemainingCredit Allocations DateString DueDateString ID AppliedAmount Payments BrandingThemeID "
        "HasAttachments InvoiceAddresses",
        (Reference("Contact_ContactID", "Contacts"),),
    ),
    contract(
        "Projects",
        "projectId",
        Project,
        (
            Field("contactId", "ref"),
            Field("name", "name", max_length=NAME_LIMIT),
            Field("currencyCode", "currency"),
            Field("status", "text"),
            Field("deadlineUtc", "timestamp", required=False),
        ),
        "contactId name currencyCode minutesLogged totalTaskAmount totalExpenseAmount estimateAmount "
        "minutesToBeInvoiced taskAmountToBeInvoiced taskAmountInvoiced expenseAmountToBeInvoiced "
        "expenseAmountInvoiced projectAmountInvoiced deposit depositApplied creditNoteAmount deadlineUtc "
        "totalInvoiced totalToBeInvoiced estimate status",
        (Reference("contactId", "Contacts"),),
    ),
    contract(
        "ProjectsUsers",
        "userId",
        SourceRecord,
        (Field("name", "name", max_length=NAME_LIMIT), Field("email", "text")),
        "name email",
    ),
    contract(
        "ProjectTasks",
        "taskId",
        Task,
        (
            Field("projectId", "ref"),
            Field("name", "name", max_length=NAME_LIMIT),
            Field("chargeType", "text"),
            Field("rate.currency", "currency", required=False),
            Field("rate.value", "money", required=False, currency="rate_currency"),
            Field("status", "text", required=False),
        ),
        "name rate chargeType estimateMinutes projectId totalMinutes totalAmount minutesInvoiced "
        "minutesToBeInvoiced fixedMinutes nonChargeableMinutes amountToBeInvoiced amountInvoiced status",
        (Reference("projectId", "Projects"),),
    ),
    contract(
        "ProjectTime",
        "timeEntryId",
        TimeEntry,
        (
            Field("userId", "ref"),
            Field("projectId", "ref"),
            Field("taskId", "ref"),
            Field("dateUtc", "timestamp", past=True),
            Field("duration", "integer"),
            Field("description", "text", required=False),
            Field("status", "text"),
        ),
        "userId projectId taskId dateUtc dateEnteredUtc duration description status",
        (Reference("userId", "ProjectsUsers"), Reference("projectId", "Projects"), Reference("taskId", "ProjectTasks")),
    ),
]
