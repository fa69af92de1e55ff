"""Xero's Accounting API 2.0 (api.xero.com/api.xro/2.0) as a legal entity's ERP, as tieout and Xero's
own `xero-python` SDK see it: one organisation (tenant) per legal entity, chosen by the `Xero-tenant-id`
header; contacts, invoices, payments and credit notes in Xero's JSON shapes (PascalCase, dates as
`/Date(ms+0000)/`); `page` paging (100 a page), the `where` filter (xero_where.py), `If-Modified-Since`;
writes as Xero makes them (PUT creates, POST creates or updates, a batch is saved whole or not at all,
void by POST with Status VOIDED, payments that settle invoices); the connections endpoint SDK users call
first, the identity server's refresh grant (xero_identity.py), and Xero's limits of 60 calls a minute
and 5,000 a day per tenant (429 with Retry-After and X-Rate-Limit-Problem; X-MinLimit-Remaining and
X-DayLimit-Remaining on every call). Xero Projects (projects, their time, project users) is served beside
the Accounting API on the same tenants and limits (xero_projects.py).

Lists also take Xero's `IDs`, `Statuses`, `ContactIDs`, `InvoiceNumbers` and `includeArchived`. Not
emulated: attachments, history, allocations of credit notes (they are read as stored), `summaryOnly`,
`unitdp`, idempotency keys, the app-wide minute limit and the concurrent-call limit; `order` and
`searchTerm` are refused rather than ignored. Credit notes and the organisation are read-only.

Records live in the store under system "xero", tenant = the tenant id, object = the collection name
(`Contacts`, `Invoices`, `Payments`, `CreditNotes`, `Organisation`). A legal entity's tenant is its
`xero_tenant_id` in the store's `legal_entities`.
"""

from __future__ import annotations

import math
import threading
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from http import HTTPStatus

from sandbox.emulators.base import Emulator, Faults, Request, Response, SlidingWindowLimiter
from sandbox.emulators.xero_documents import IDS, SYSTEM, ms_date, paid, payment_of, store_stamp, when, with_totals
from sandbox.emulators.xero_identity import XeroIdentity
from sandbox.emulators.xero_projects import PROJECTS_API, ProjectsApi
from sandbox.emulators.xero_where import WhereError, field_value, parse_ms_date, parse_where
from sandbox.store import SandboxStore

API = "/api.xro/2.0"
CONNECTIONS = "/(?i:connections)"  # the SDK asks for /Connections, Xero's docs say /connections
PAGE_SIZE, MAX_PAGE_SIZE = 100, 1000
COMMON = ("Status", "Date", "Reference", "UpdatedDateUTC", "CurrencyCode", "Total")
# the top-level fields a `where` may name
FIELDS = {
    "Contacts": frozenset(
        ("ContactID", "ContactNumber", "AccountNumber", "ContactStatus", "Name", "FirstName", "LastName")
        + ("EmailAddress", "TaxNumber", "IsSupplier", "IsCustomer", "DefaultCurrency", "UpdatedDateUTC")
    ),
    "Invoices": frozenset(
        COMMON
        + ("InvoiceID", "Type", "Contact", "DueDate", "InvoiceNumber", "SubTotal", "TotalTax", "AmountDue")
        + ("AmountPaid", "AmountCredited", "FullyPaidOnDate", "LineAmountTypes")
    ),
    "Payments": frozenset(COMMON + ("PaymentID", "Invoice", "Account", "Amount", "PaymentType", "IsReconciled")),
    "CreditNotes": frozenset(COMMON + ("CreditNoteID", "Type", "Contact", "CreditNoteNumber", "RemainingCredit")),
}
# the comma-separated list filters Xero offers beside `where`, and the field each matches (None: the id)
LIST_FILTERS = {"IDs": None, "Statuses": "Status", "ContactIDs": "Contact.ContactID", "InvoiceNumbers": "InvoiceNumber"}
REFUSED = ("order", "searchTerm")  # they would change what a page holds: refused rather than ignored
READ_ONLY = ("UpdatedDateUTC", "IsCustomer", "IsSupplier", "Balances", "HasValidationErrors", "ValidationErrors")
INVOICE_TOTALS = ("SubTotal", "TotalTax", "Total", "AmountDue", "AmountPaid", "AmountCredited", "Payments")
# the statuses an invoice may move to from each status; PAID comes from payments, never from a write
TRANSITIONS = {
    None: {"DRAFT", "SUBMITTED", "AUTHORISED"},
    "DRAFT": {"DRAFT", "SUBMITTED", "AUTHORISED", "DELETED"},
    "SUBMITTED": {"DRAFT", "SUBMITTED", "AUTHORISED", "DELETED"},
    "AUTHORISED": {"AUTHORISED", "VOIDED"},
}
Changes = dict[tuple[str, str], dict]  # (collection, id) -> record: what one write request saves


def _object(value: object) -> dict:
    return value if isinstance(value, dict) else {}


class Rejected(Exception):
    """One element of a write that Xero refuses, with its validation messages."""

    def __init__(self, *messages: str, ids: dict | None = None):
        super().__init__(*messages)
        self.element = {**(ids or {}), "ValidationErrors": [{"Message": m} for m in messages]}


class XeroEmulator(Emulator):
    system = SYSTEM

    def __init__(
        self,
        store: SandboxStore,
        faults: Faults | None = None,
        minute: SlidingWindowLimiter | None = None,
        day: SlidingWindowLimiter | None = None,
    ):
        super().__init__(store, faults)  # Xero's two limits are checked after the tenant is known
        self.minute = minute or SlidingWindowLimiter(60, 60.0)
        self.day = day or SlidingWindowLimiter(5000, 86400.0)
        self.clock: Callable[[], datetime] = lambda: datetime.now(UTC)
        self._writes = threading.Lock()  # numbering, balances and all-or-nothing batches are atomic
        self.identity = XeroIdentity(store, lambda: self.clock())
        self.identity.register(self)
        # the vendor's token server, as Emulator.oauth names it: faults and the request log spare its
        # path, and the sandbox runtime hands out its token URL with the credentials
        self.oauth = self.identity
        self.route("GET", CONNECTIONS, self.connections)
        self.route("GET", f"{API}/Organisation", self.organisation)
        self.route("GET", f"{API}/(?P<collection>Contacts|Invoices|Payments|CreditNotes)", self.listing)
        self.route("GET", f"{API}/(?P<collection>Contacts|Invoices)/(?P<id>[^/]+)", self.read)
        for method in ("PUT", "POST"):
            self.route(method, f"{API}/(?P<collection>Contacts|Invoices)", self.write)
            self.route(method, f"{API}/Payments", self.pay)
        self.route("POST", f"{API}/(?P<collection>Contacts|Invoices)/(?P<id>[^/]+)", self.write)
        for method, pattern, handler in ProjectsApi(store, self.tenant_of).routes():
            self.route(method, pattern, handler)

    # -- vendor conventions ------------------------------------------------------------------
    def tenant_of(self, request: Request) -> str:
        return request.header("xero-tenant-id") or ""

    def tenants(self) -> list[str]:
        return [e["xero_tenant_id"] for e in self.store.meta("legal_entities") or [] if e.get("xero_tenant_id")]

    def authenticate(self, request: Request) -> Response | None:
        """A bearer token (the configured one or one the identity server issued and still honours), then
        a connected tenant, then that tenant's minute and day limits."""
        if self.identity.serves(request.path):
            return None
        if not self.identity.bearer_is_valid(request):
            response = self.error(401, "AuthenticationUnsuccessful")
            response.headers["WWW-Authenticate"] = 'Bearer error="invalid_token"'
            return response
        if request.path.lower() == "/connections":
            return None
        tenant = self.tenant_of(request)
        if tenant not in self.tenants():
            return self.error(403, "AuthenticationUnsuccessful")
        for problem, limiter in (("minute", self.minute), ("day", self.day)):
            wait = limiter.admit(tenant)
            if wait > 0:
                return self.rate_limited(wait, problem)
        return None

    def handle(self, request: Request) -> Response:
        """Every call a tenant made says how many more its limits allow, as Xero's responses do."""
        response = super().handle(request)
        tenant = self.tenant_of(request)
        if request.path.startswith((API, PROJECTS_API)) and tenant in self.tenants():
            response.headers.update(
                {
                    "X-MinLimit-Remaining": str(max(0, self.minute.limit - self.minute.used(tenant))),
                    "X-DayLimit-Remaining": str(max(0, self.day.limit - self.day.used(tenant))),
                }
            )
        return response

    def error(self, status: int, message: str, code: str = "") -> Response:
        """Xero's gateway answers auth, routing, limit and server errors as RFC 7807 problem details."""
        title = HTTPStatus(status).phrase
        body = {"Type": None, "Title": title, "Status": status, "Detail": message}
        return Response(status, {**body, "Instance": str(uuid.uuid4()), "Extensions": {}})

    def rate_limited(self, retry_after: float, problem: str = "minute") -> Response:
        response = self.error(429, f"You've exceeded the per {problem} rate limit")
        response.headers.update({"Retry-After": str(max(1, math.ceil(retry_after))), "X-Rate-Limit-Problem": problem})
        return response

    def invalid(self, elements: list[dict]) -> Response:
        """Xero's 400 for a write it refuses, one element per refused record."""
        return Response(
            400,
            {
                "ErrorNumber": 10,
                "Type": "ValidationException",
                "Message": "A validation exception occurred",
                "Elements": elements,
            },
        )

    def _parse_error(self, message: str) -> Response:
        return Response(400, {"ErrorNumber": 16, "Type": "QueryParseException", "Message": message})

    def _now(self) -> str:
        return ms_date(self.clock())

    # -- reads ----------------------------------------------------------------------------------
    def connections(self, request: Request) -> Response:
        """The tenants this app is connected to, as identity's GET /connections lists them."""
        listed = []
        for tenant in self.tenants():
            organisation = self._organisation(tenant) or {}
            created = (
                parse_ms_date(organisation["CreatedDateUTC"]) if "CreatedDateUTC" in organisation else self.clock()
            )
            listed.append(
                {
                    "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"xero-connection:{tenant}")),
                    "authEventId": str(uuid.uuid5(uuid.NAMESPACE_URL, f"xero-auth-event:{tenant}")),
                    "tenantId": tenant,
                    "tenantType": "ORGANISATION",
                    "tenantName": organisation.get("Name", ""),
                    "createdDateUtc": created.strftime("%Y-%m-%dT%H:%M:%S.%f0"),
                    "updatedDateUtc": created.strftime("%Y-%m-%dT%H:%M:%S.%f0"),
                }
            )
        return Response(200, listed)

    def _organisation(self, tenant: str) -> dict | None:
        return next(iter(self.store.list(SYSTEM, tenant, "Organisation", limit=1)), None)

    def organisation(self, request: Request) -> Response:
        found = self._organisation(self.tenant_of(request))
        return Response(200, {"Organisations": [found] if found else []})

    def listing(self, request: Request) -> Response:
        collection, tenant = request.params["collection"], self.tenant_of(request)
        try:
            where = parse_where(request.query["where"], FIELDS[collection]) if request.query.get("where") else None
            since = self._modified_since(request)
            page, size = self._paging(request)
            wanted = self._listed(request, collection)
        except WhereError as exc:
            return self._parse_error(str(exc))
        except ValueError as exc:
            return self.invalid([Rejected(str(exc)).element])
        records = self.store.list(SYSTEM, tenant, collection, updated_since=since)
        matching = [r for r in records if (where is None or where.matches(r)) and wanted(r)]
        if page is None:  # Xero leaves line items out of an unpaged list of documents
            return Response(200, {collection: [{k: v for k, v in r.items() if k != "LineItems"} for r in matching]})
        pagination = {
            "page": page,
            "pageSize": size,
            "pageCount": math.ceil(len(matching) / size),
            "itemCount": len(matching),
        }
        return Response(200, {"pagination": pagination, collection: matching[(page - 1) * size : page * size]})

    def _listed(self, request: Request, collection: str) -> Callable[[dict], bool]:
        """The list filters: a record is listed when its field is among each filter's values; archived
        contacts only with includeArchived=true."""
        refused = [name for name in REFUSED if name in request.query]
        if refused:
            raise ValueError(f"The {refused[0]} parameter is not supported")
        filters = {
            field or IDS[collection]: {value.strip().casefold() for value in request.query[name].split(",")}
            for name, field in LIST_FILTERS.items()
            if request.query.get(name)
        }
        archived = request.query.get("includeArchived", "").lower() == "true" or collection != "Contacts"

        def wanted(record: dict) -> bool:
            if not archived and record.get("ContactStatus") == "ARCHIVED":
                return False
            return all(str(field_value(record, f)).casefold() in values for f, values in filters.items())

        return wanted

    def _modified_since(self, request: Request) -> str | None:
        header = request.header("if-modified-since")
        if not header:
            return None
        try:
            moment = datetime.fromisoformat(header)
        except ValueError:
            moment = parsedate_to_datetime(header)  # an HTTP-date, as HTTP clients send it
        return (
            (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC).isoformat(timespec="milliseconds")
        )

    def _paging(self, request: Request) -> tuple[int | None, int]:
        page, size = request.query.get("page"), request.query.get("pageSize", str(PAGE_SIZE))
        if not size.isdigit() or not 1 <= int(size) <= MAX_PAGE_SIZE:
            raise ValueError(f"pageSize must be a number from 1 to {MAX_PAGE_SIZE}")
        if page is not None and (not page.isdigit() or int(page) < 1):
            raise ValueError("page must be a number from 1")
        return (int(page) if page is not None else None), int(size)

    def read(self, request: Request) -> Response:
        collection = request.params["collection"]
        found = self.store.get(SYSTEM, self.tenant_of(request), collection, request.params["id"].lower())
        if found is None:
            return self.error(404, "The resource you're looking for cannot be found")
        return Response(200, {collection: [found]})

    # -- writes ---------------------------------------------------------------------------------
    def write(self, request: Request) -> Response:
        collection, path_id = request.params["collection"], request.params.get("id")
        save = self._contact if collection == "Contacts" else self._invoice

        def build(tenant: str, element: dict, changes: Changes) -> str:
            id = path_id or (element.get(IDS[collection]) if request.method == "POST" else None)
            return save(tenant, element, changes, id.lower() if id else None)

        return self._saved(request, collection, build)

    def pay(self, request: Request) -> Response:
        return self._saved(request, "Payments", self._payment)

    def _saved(self, request: Request, collection: str, build: Callable[[str, dict, Changes], str]) -> Response:
        """Build every element of the body, then save all of them, or none if any is refused."""
        try:
            body = request.json()
        except ValueError:
            return self.invalid([Rejected("The request body is not valid JSON").element])
        elements = body.get(collection) if isinstance(body, dict) and collection in body else [body]
        if not isinstance(elements, list) or not elements:
            return self.invalid([Rejected(f"{collection} must be a non-empty list").element])
        tenant, saved, refused = self.tenant_of(request), [], []
        changes: Changes = {}
        with self._writes:
            for element in elements:
                try:
                    if not isinstance(element, dict):
                        raise Rejected(f"Each of {collection} must be an object")
                    saved.append(build(tenant, element, changes))
                except Rejected as rejected:
                    refused.append(rejected.element)
            if refused:
                return self.invalid(refused)
            for (name, id), record in changes.items():
                self.store.put(SYSTEM, tenant, name, id, record, store_stamp(record))
        return Response(200, {collection: [changes[(collection, id)] for id in saved]})

    def _current(self, tenant: str, collection: str, id: str, changes: Changes) -> dict:
        found = changes.get((collection, id)) or self.store.get(SYSTEM, tenant, collection, id)
        if found is None:
            raise Rejected(f"{IDS[collection]} {id} could not be found", ids={IDS[collection]: id})
        return found

    def _all(self, tenant: str, collection: str, changes: Changes) -> list[dict]:
        """Every record of a collection as the request would leave it."""
        stored = {r[IDS[collection]]: r for r in self.store.list(SYSTEM, tenant, collection)}
        return [*{**stored, **{id: r for (name, id), r in changes.items() if name == collection}}.values()]

    def _contact(self, tenant: str, element: dict, changes: Changes, id: str | None) -> str:
        current = self._current(tenant, "Contacts", id, changes) if id else None
        fields = {k: v for k, v in element.items() if k not in READ_ONLY and k != "ContactID"}
        record = {
            **(current or {"ContactStatus": "ACTIVE", "IsSupplier": False, "IsCustomer": False}),
            **fields,
            "ContactID": id or str(uuid.uuid4()),
            "UpdatedDateUTC": self._now(),
        }
        name = str(record.get("Name") or "").strip()
        if not name:
            raise Rejected("The contact name must be specified", ids={"ContactID": record["ContactID"]})
        for other in self._all(tenant, "Contacts", changes):
            if other["ContactID"] != record["ContactID"] and other.get("ContactStatus") == "ACTIVE":
                if str(other.get("Name", "")).strip().casefold() == name.casefold():
                    raise Rejected("The contact name must be unique across all active contacts.")
        changes[("Contacts", record["ContactID"])] = record
        return record["ContactID"]

    def _invoice(self, tenant: str, element: dict, changes: Changes, id: str | None) -> str:
        current = self._current(tenant, "Invoices", id, changes) if id else None
        ids = {"InvoiceID": id} if id else {}
        status = element.get("Status") or (current or {}).get("Status") or "DRAFT"
        if status not in TRANSITIONS.get((current or {}).get("Status"), set()):
            raise Rejected("Invoice not of valid status for modification", ids=ids)
        if status == "VOIDED" and (current or {}).get("AmountPaid"):
            raise Rejected("Payments have been applied to this invoice: remove them before voiding it", ids=ids)
        fields = {k: v for k, v in element.items() if k not in READ_ONLY + INVOICE_TOTALS + ("InvoiceID",)}
        record = {**(current or {"AmountPaid": 0.0, "AmountCredited": 0.0}), **fields, "Status": status}
        record.update(InvoiceID=id or str(uuid.uuid4()), UpdatedDateUTC=self._now())
        if record.get("Type") not in ("ACCREC", "ACCPAY"):
            raise Rejected("Invoice Type must be ACCREC or ACCPAY", ids=ids)
        record["Contact"] = self._invoiced_contact(tenant, _object(record.get("Contact")), record["Type"], changes)
        for key in ("Date", "DueDate"):
            if record.get(key):
                record[key] = ms_date(when(record[key]))
        record.setdefault("Date", ms_date(self.clock().replace(hour=0, minute=0, second=0, microsecond=0)))
        organisation = self._organisation(tenant) or {}
        record.setdefault("CurrencyCode", organisation.get("BaseCurrency", "USD"))
        record.setdefault("LineAmountTypes", "Exclusive")
        with_totals(record)
        if status != "DRAFT" and not record.get("LineItems"):
            raise Rejected("At least one line item is required", ids=ids)
        self._number(tenant, record, changes)
        changes[("Invoices", record["InvoiceID"])] = record
        return record["InvoiceID"]

    def _invoiced_contact(self, tenant: str, reference: dict, type: str, changes: Changes) -> dict:
        """The invoice's contact, by ContactID or Name; an ACCREC invoice makes its contact a customer."""
        if reference.get("ContactID"):
            contact = self._current(tenant, "Contacts", str(reference["ContactID"]).lower(), changes)
        else:
            named = [c for c in self._all(tenant, "Contacts", changes) if c.get("Name") == reference.get("Name")]
            if not named:
                raise Rejected("A Contact must be specified with a ContactID or the Name of an existing contact")
            contact = named[0]
        if type == "ACCREC" and not contact.get("IsCustomer"):
            changes[("Contacts", contact["ContactID"])] = {**contact, "IsCustomer": True, "UpdatedDateUTC": self._now()}
        return {k: contact[k] for k in ("ContactID", "ContactNumber", "Name") if k in contact}

    def _number(self, tenant: str, record: dict, changes: Changes) -> None:
        """A sales invoice's number is unique in the organisation; Xero numbers it when the caller does not."""
        if record["Type"] != "ACCREC":
            return
        others = [
            i
            for i in self._all(tenant, "Invoices", changes)
            if i["Type"] == "ACCREC" and i["InvoiceID"] != record["InvoiceID"]
        ]
        if not record.get("InvoiceNumber"):
            record["InvoiceNumber"] = f"INV-{len(others) + 1:04d}"
        if any(i.get("InvoiceNumber") == record["InvoiceNumber"] for i in others):
            raise Rejected("Invoice # must be unique.", ids={"InvoiceID": record["InvoiceID"]})

    def _payment(self, tenant: str, element: dict, changes: Changes) -> str:
        """A payment against an authorised invoice: it lowers the invoice's AmountDue, PAID at zero."""
        reference, account = _object(element.get("Invoice")), _object(element.get("Account"))
        invoice = self._current(tenant, "Invoices", str(reference.get("InvoiceID", "")).lower(), changes)
        amount = round(float(element.get("Amount") or 0), 2)
        problems = [
            message
            for failed, message in (
                (invoice["Status"] != "AUTHORISED", "Payments can only be made against Authorised documents"),
                (not (account.get("Code") or account.get("AccountID")), "An Account Code or AccountID is required"),
                (amount <= 0, "The payment amount must be greater than zero"),
                (amount > invoice["AmountDue"], "Payment amount exceeds the amount outstanding on this document"),
            )
            if failed
        ]
        if problems:
            raise Rejected(*problems, ids={"InvoiceID": invoice["InvoiceID"]})
        payment = payment_of(invoice, element, account, amount, self._now())
        changes[("Invoices", invoice["InvoiceID"])] = paid(invoice, payment)
        changes[("Payments", payment["PaymentID"])] = payment
        return payment["PaymentID"]
