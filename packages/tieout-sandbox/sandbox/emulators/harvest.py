"""Harvest API v2 emulator: the sandbox firm's PSA over HTTP, in the shapes of Harvest's contract.

Serves the store's `harvest` records as api.harvestapp.com/v2 does: a bearer token with the
`Harvest-Account-Id` header (or Harvest's `access_token`/`account_id` query parameters) and a
`User-Agent`; lists newest first, page-numbered, in Harvest's envelope with absolute links;
`updated_since` and the cheap per-endpoint filters (`external_reference_id` on time entries too);
the company and the token's own user (`/v2/company`, `/v2/users/me`); PATCH of clients, projects, time
entries and invoices; invoice payments that settle the invoice. Errors use the contract's `{code, message}`
body, except authentication, which answers in OAuth's `{error, error_description}` as Harvest does.

Deliberately not emulated, and rejected loudly rather than ignored: cursor pagination (the links
this emulator writes never use it), form-encoded bodies, and invoice fields that change amounts
(`line_items`, `tax`, `tax2`, `discount`, `retainer_id`, `estimate_id`).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import partial
from urllib.parse import urlencode

from sandbox.emulators.base import Emulator, Faults, Request, Response, SlidingWindowLimiter
from sandbox.emulators.harvest_oauth import HarvestOAuth
from sandbox.store import SandboxStore, utc_now_iso

SYSTEM = "harvest"
TENANT = ""  # one Harvest account per firm
REQUESTS_PER_WINDOW, WINDOW_SECONDS = 100, 15.0  # Harvest's limit for the general (non-report) API
MAX_PER_PAGE = 2000  # Harvest's default and maximum page size
NOT_FILTERS = {"page", "per_page", "cursor", "access_token", "account_id"}  # kept out of page links
INVALID_TOKEN = "The access token provided is expired, revoked, malformed or invalid for other reasons."
PAYMENT_OPTIONS = {"ach", "credit_card", "paypal"}
CENT = 0.005  # money compares to the cent


class HarvestError(Exception):
    """A request Harvest refuses: raised anywhere in a handler, answered in Harvest's error shape."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


def _invalid(message: str) -> HarvestError:
    return HarvestError(422, message)


# -- values in queries and bodies ----------------------------------------------------------------
def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _is_id(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _parses(parse: Callable[[str], object], value) -> bool:
    try:
        parse(value)
    except (TypeError, ValueError):
        return False
    return True


def _to_utc(moment: datetime) -> str:
    """An ISO moment as the store keeps it; a moment without an offset is taken as UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


VALUE_CHECKS: dict[str, Callable[[object], bool]] = {
    "string": lambda value: isinstance(value, str),
    "boolean": lambda value: isinstance(value, bool),
    "number": _is_number,
    "id": _is_id,
    # YYYY-MM-DD only: date.fromisoformat also takes the basic form 20260105
    "date": lambda value: isinstance(value, str) and len(value) == 10 and _parses(date.fromisoformat, value),
    "datetime": lambda value: isinstance(value, str) and _parses(datetime.fromisoformat, value),
    "object": lambda value: isinstance(value, dict),
    "payment_options": lambda value: isinstance(value, list) and set(value) <= PAYMENT_OPTIONS,
}


def _query_boolean(name: str, raw: str) -> bool:
    if raw not in ("true", "false"):
        raise _invalid(f"{name} must be true or false")
    return raw == "true"


def _query_integer(name: str, raw: str) -> int:
    if not raw.lstrip("-").isdigit():
        raise _invalid(f"{name} must be an integer")
    return int(raw)


def _query_date(name: str, raw: str) -> str:
    if not VALUE_CHECKS["date"](raw):
        raise _invalid(f"{name} must be a date (YYYY-MM-DD)")
    return raw


# -- list filters: a query value becomes a predicate on stored records ---------------------------------
Predicate = Callable[[dict], bool]
Filter = Callable[[str, str], Predicate]  # (parameter name, raw value) -> the records it keeps


def _flag(field: str) -> Filter:
    def build(name: str, raw: str) -> Predicate:
        wanted = _query_boolean(name, raw)
        return lambda record: record.get(field) is wanted

    return build


def _refers_to(field: str) -> Filter:
    def build(name: str, raw: str) -> Predicate:
        wanted = _query_integer(name, raw)
        return lambda record: (record.get(field) or {}).get("id") == wanted

    return build


def _on_or_after(field: str) -> Filter:
    def build(name: str, raw: str) -> Predicate:
        wanted = _query_date(name, raw)
        return lambda record: record.get(field) is not None and record[field] >= wanted

    return build


def _on_or_before(field: str) -> Filter:
    def build(name: str, raw: str) -> Predicate:
        wanted = _query_date(name, raw)
        return lambda record: record.get(field) is not None and record[field] <= wanted

    return build


def _equal(field: str) -> Filter:
    return lambda name, raw: lambda record: record.get(field) == raw


def _external_reference(name: str, raw: str) -> Predicate:
    """A time entry's link to an outside tool (a ticket, a card) by that tool's id."""
    return lambda record: str((record.get("external_reference") or {}).get("id")) == raw


def _invoiced_project(name: str, raw: str) -> Predicate:
    """An invoice names its projects on its line items only."""
    wanted = _query_integer(name, raw)
    return lambda record: any(
        (item.get("project") or {}).get("id") == wanted for item in record.get("line_items") or []
    )


@dataclass(frozen=True)
class Listing:
    """A list endpoint: its filters, and the date Harvest sorts it by (newest first), if not creation."""

    filters: dict[str, Filter]
    newest_by: str | None = None


ACTIVE = {"is_active": _flag("is_active")}
SPENT = {
    "user_id": _refers_to("user"),
    "client_id": _refers_to("client"),
    "project_id": _refers_to("project"),
    "is_billed": _flag("is_billed"),
    "from": _on_or_after("spent_date"),
    "to": _on_or_before("spent_date"),
}
LISTINGS: dict[str, Listing] = {
    "clients": Listing(ACTIVE),
    "projects": Listing({**ACTIVE, "client_id": _refers_to("client")}),
    "users": Listing(ACTIVE),
    "tasks": Listing(ACTIVE),
    "task_assignments": Listing(ACTIVE),
    "user_assignments": Listing({**ACTIVE, "user_id": _refers_to("user")}),
    "time_entries": Listing(
        {
            **SPENT,
            "task_id": _refers_to("task"),
            "is_running": _flag("is_running"),
            "external_reference_id": _external_reference,
        },
        newest_by="spent_date",
    ),
    "expenses": Listing(SPENT, newest_by="spent_date"),
    "invoices": Listing(
        {
            "client_id": _refers_to("client"),
            "project_id": _invoiced_project,
            "state": _equal("state"),
            "from": _on_or_after("issue_date"),
            "to": _on_or_before("issue_date"),
        },
        newest_by="issue_date",
    ),
}
PAYMENTS = Listing({})  # newest first by creation, of one invoice
# GET /v2/company: the account's settings as Harvest's own example shows them (only the name and
# domain are the firm's); nothing in tieout reads them, clients call it to check a token.
COMPANY_SETTINGS = {
    "is_active": True,
    "week_start_day": "Monday",
    "wants_timestamp_timers": False,
    "time_format": "hours_minutes",
    "date_format": "%Y-%m-%d",
    "plan_type": "business",
    "expense_feature": True,
    "invoice_feature": True,
    "estimate_feature": False,
    "approval_feature": True,
    "clock": "24h",
    "currency_code_display": "iso_code_none",
    "currency_symbol_display": "symbol_before",
    "decimal_symbol": ".",
    "thousands_separator": ",",
    "color_scheme": "orange",
    "weekly_capacity": 144000,
}


def _domain(subdomain: str) -> dict:
    return {"base_uri": f"https://{subdomain}.harvestapp.com", "full_domain": f"{subdomain}.harvestapp.com"}


# -- writable fields ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Reference:
    """A writable `<thing>_id` that Harvest keeps as a nested `{id, name, ...}` copy of that record."""

    object: str  # the referenced store object
    nested: str  # the key holding the nested copy
    carries: tuple[str, ...] = ()  # the referenced record's own nested refs that follow it (a project's client)


CLIENT = Reference("clients", "client")
WRITABLE: dict[str, dict[str, str | Reference]] = {
    "clients": {"name": "string", "is_active": "boolean", "address": "string", "currency": "string"},
    "projects": {
        "client_id": CLIENT,
        "name": "string",
        "code": "string",
        "is_active": "boolean",
        "is_billable": "boolean",
        "is_fixed_fee": "boolean",
        "bill_by": "string",
        "hourly_rate": "number",
        "budget": "number",
        "budget_by": "string",
        "budget_is_monthly": "boolean",
        "notify_when_over_budget": "boolean",
        "over_budget_notification_percentage": "number",
        "show_budget_to_all": "boolean",
        "cost_budget": "number",
        "cost_budget_include_expenses": "boolean",
        "fee": "number",
        "notes": "string",
        "starts_on": "date",
        "ends_on": "date",
    },
    "time_entries": {
        "project_id": Reference("projects", "project", carries=("client",)),
        "task_id": Reference("tasks", "task"),
        "spent_date": "date",
        "started_time": "string",
        "ended_time": "string",
        "hours": "number",
        "notes": "string",
        "external_reference": "object",
    },
    "invoices": {
        "client_id": CLIENT,
        "number": "string",
        "purchase_order": "string",
        "subject": "string",
        "notes": "string",
        "currency": "string",
        "issue_date": "date",
        "due_date": "date",
        "payment_term": "string",
        "payment_options": "payment_options",
    },
}
NOT_BLANK = {  # what Harvest requires on create may not be nulled on update
    "clients": {"name"},
    "projects": {"client_id", "name", "is_billable", "bill_by", "budget_by"},
    "time_entries": {"project_id", "task_id", "spent_date"},
    "invoices": {"client_id"},
}
MIRRORS = {"time_entries": {"hours": ("hours_without_timer", "rounded_hours")}}  # no timer, no rounding
PAYMENT_FIELDS: dict[str, str | Reference] = {  # what POST /invoices/{id}/payments accepts
    "amount": "number",
    "paid_at": "datetime",
    "paid_date": "date",
    "notes": "string",
    "send_thank_you": "boolean",
}


def _validated(fields: dict[str, str | Reference], not_blank: set[str], body: dict) -> dict:
    """The body, once every key is a known field with a value of its type."""
    for name, value in body.items():
        kind = fields.get(name)
        if kind is None:
            raise _invalid(f"{name} is not a parameter this endpoint accepts (or the sandbox does not emulate)")
        expected = "id" if isinstance(kind, Reference) else kind
        if value is None:
            if name in not_blank:
                raise _invalid(f"{name} can't be blank")
        elif not VALUE_CHECKS[expected](value):
            raise _invalid(f"{name} must be of type {expected}")
    return body


def _json_object(request: Request) -> dict:
    if not (request.header("content-type") or "").startswith("application/json"):
        raise _invalid("send parameters as JSON with Content-Type: application/json (form data is not emulated)")
    try:
        body = request.json()
    except ValueError:
        raise HarvestError(400, "The request body is not valid JSON") from None
    if not isinstance(body, dict):
        raise _invalid("The request body must be a JSON object")
    return body


def _nested_copy(source: dict, existing: dict | None) -> dict:
    """The nested form of `source`, with the keys the record already nests (else id and name)."""
    return {key: source.get(key) for key in (existing or {"id": None, "name": None})}


def _public(record: dict) -> dict:
    """A record as served: the store's private keys (`_invoice_id`) stripped."""
    return {key: value for key, value in record.items() if not key.startswith("_")}


def _public_text(text: str) -> str:
    """A stored record's JSON text as served: as it is, unless it may hold a private key."""
    return json.dumps(_public(json.loads(text))) if '"_' in text else text


def _spliced(envelope: dict, key: str, texts: list[str]) -> str:
    """The envelope's JSON with the records' stored texts as `key`'s list: decoding and encoding each
    record again had been most of the CPU of a page of 2,000 time entries (the emulator set the pace
    of the full-size firm's extraction, not Harvest's rate limit)."""
    records = "[" + ",".join(_public_text(text) for text in texts) + "]"
    head, tail = json.dumps({key: []}), json.dumps({k: v for k, v in envelope.items() if k != key})
    return f"{head[:-3]}{records}, {tail[1:]}"


# -- paging -------------------------------------------------------------------------------------------
def _paging(query: dict[str, str]) -> tuple[int, int]:
    if "cursor" in query:
        raise _invalid("cursor pagination is not emulated: follow the page links")
    page = _query_integer("page", query.get("page", "1"))
    per_page = _query_integer("per_page", query.get("per_page", str(MAX_PER_PAGE)))
    if not 1 <= per_page <= MAX_PER_PAGE:
        raise _invalid(f"per_page must be between 1 and {MAX_PER_PAGE}")
    if page < 1:
        raise _invalid("page must be 1 or more")
    return page, per_page


def _updated_since(query: dict[str, str]) -> str | None:
    raw = query.get("updated_since")
    if raw is None:
        return None
    if not VALUE_CHECKS["datetime"](raw):
        raise _invalid("updated_since must be an ISO 8601 date and time")
    return _to_utc(datetime.fromisoformat(raw))


def _page_link(request: Request, page: int, per_page: int) -> str:
    """An absolute link to another page of the same listing, with the caller's filters."""
    params = [(name, value) for name, value in request.query.items() if name not in NOT_FILTERS]
    query = urlencode(params + [("page", page), ("per_page", per_page)])
    return f"http://{request.header('host')}{request.path}?{query}"


def _envelope(request: Request, key: str, records: list[dict], total: int, page: int, per_page: int) -> dict:
    total_pages = math.ceil(total / per_page)
    next_page = page + 1 if page < total_pages else None
    previous_page = page - 1 if page > 1 else None
    link = partial(_page_link, request, per_page=per_page)
    return {
        key: records,
        "per_page": per_page,
        "total_pages": total_pages,
        "total_entries": total,
        "next_page": next_page,
        "previous_page": previous_page,
        "page": page,
        "links": {
            "first": link(1),
            "next": next_page and link(next_page),
            "previous": previous_page and link(previous_page),
            "last": link(max(total_pages, 1)),
        },
    }


class HarvestEmulator(Emulator):
    """Harvest API v2 over the sandbox store (system `harvest`, tenant '')."""

    system = SYSTEM

    def __init__(self, store: SandboxStore, faults: Faults | None = None, limiter: SlidingWindowLimiter | None = None):
        super().__init__(store, faults, limiter or SlidingWindowLimiter(REQUESTS_PER_WINDOW, WINDOW_SECONDS))
        self.clock: Callable[[], datetime] = lambda: datetime.now(UTC)
        self.oauth: HarvestOAuth = HarvestOAuth(
            store, lambda: self.clock()
        )  # the clock a test sets is the token server's too
        self.oauth.register(self)
        for object, listing in LISTINGS.items():
            self.route("GET", f"/v2/{object}", partial(self._list, object, listing))
            self.route("GET", rf"/v2/{object}/(?P<id>\d+)", partial(self._retrieve, object))
        for object in WRITABLE:
            self.route("PATCH", rf"/v2/{object}/(?P<id>\d+)", partial(self._update, object))
        self.route("GET", "/v2/company", self._company)
        self.route("GET", "/v2/users/me", self._me)
        self.route("GET", r"/v2/invoices/(?P<id>\d+)/payments", self._list_payments)
        self.route("POST", r"/v2/invoices/(?P<id>\d+)/payments", self._create_payment)

    # -- Harvest's answers ---------------------------------------------------------------------------
    def handle(self, request: Request) -> Response:
        try:
            return super().handle(request)
        except HarvestError as refused:
            return self.error(refused.status, str(refused))

    def error(self, status: int, message: str, code: str = "") -> Response:
        return Response(status, {"code": status, "message": message})

    def rate_limited(self, retry_after: float) -> Response:
        return Response(
            429,
            {"code": 429, "message": "Too many requests: retry after the Retry-After seconds"},
            {"Retry-After": str(max(1, math.ceil(retry_after)))},
        )

    def authenticate(self, request: Request) -> Response | None:
        """Harvest wants a User-Agent (400 without), the token (401: the personal access token the store
        configures, or an OAuth token the token endpoint issued that has not expired) and an account it
        may use (403). The token endpoint authenticates the app itself."""
        if self.oauth.serves(request.path):
            return None
        if not request.header("user-agent"):
            return self.error(400, "A User-Agent header naming your application and a contact is required")
        expected = (self.store.meta("credentials") or {}).get(SYSTEM, {})
        authorization = request.header("authorization") or ""
        token = authorization.removeprefix("Bearer ") if authorization.startswith("Bearer ") else None
        token = token or request.query.get("access_token")
        account = request.header("harvest-account-id") or request.query.get("account_id")
        # Harvest answers a request without an account id like one with a bad token (as reported in
        # googleworkspace/apps-script-oauth2#90); an account the token cannot use is forbidden.
        personal = token is not None and token == expected.get("access_token")
        if not token or not (personal or self.oauth.accepts(token)) or not account:
            return Response(401, {"error": "invalid_token", "error_description": INVALID_TOKEN})
        if account != str(expected.get("account_id")):
            return Response(
                403,
                {"error": "forbidden", "error_description": f"The access token has no access to account {account}."},
            )
        return None

    # -- store access --------------------------------------------------------------------------------
    def _existing(self, object: str, id: str) -> dict:
        record = self.store.get(SYSTEM, TENANT, object, id)
        if record is None:
            raise HarvestError(404, f"No {object} record with id {id}")
        return record

    def _save(self, object: str, record: dict) -> dict:
        """Store a changed record, stamped as updated now (so `updated_since` sees it)."""
        record["updated_at"] = utc_now_iso()
        self.store.put(SYSTEM, TENANT, object, str(record["id"]), record, record["updated_at"])
        return record

    # -- reads ---------------------------------------------------------------------------------------
    def _list(self, object: str, listing: Listing, request: Request) -> Response:
        predicates = [
            listing.filters[name](name, raw) for name, raw in request.query.items() if name in listing.filters
        ]
        return self._page(request, object, listing, predicates)

    def _page(self, request: Request, object: str, listing: Listing, predicates: list[Predicate]) -> Response:
        """One page in Harvest's order. The store pages in creation or date order itself; a filter on
        the payload needs the whole listing read (the store does not filter JSON)."""
        page, per_page = _paging(request.query)
        since = _updated_since(request.query)
        offset = (page - 1) * per_page
        if predicates:
            matching = [
                record
                for record in self.store.list(SYSTEM, TENANT, object, updated_since=since, descending=True)
                if all(keeps(record) for keeps in predicates)
            ]
            if listing.newest_by:  # a stable sort: the newest created first within one date
                matching.sort(key=lambda record: record.get(listing.newest_by) or "", reverse=True)
            total, records = len(matching), matching[offset : offset + per_page]
            return Response(200, _envelope(request, object, [_public(r) for r in records], total, page, per_page))
        total = self.store.count(SYSTEM, TENANT, object, updated_since=since)
        texts = self.store.list_texts(
            SYSTEM,
            TENANT,
            object,
            updated_since=since,
            descending=True,
            newest_by=listing.newest_by,
            offset=offset,
            limit=per_page,
        )
        return Response(200, _spliced(_envelope(request, object, [], total, page, per_page), object, texts))

    def _retrieve(self, object: str, request: Request) -> Response:
        return Response(200, _public(self._existing(object, request.params["id"])))

    def _company(self, request: Request) -> Response:
        """The account: the firm's first legal entity holds it (clients call this to check a token)."""
        entities = self.store.meta("legal_entities") or [{"name": "Sandbox firm"}]
        name = entities[0]["name"]
        subdomain = re.sub(r"[^a-z0-9]+", "", name.lower())
        return Response(200, {**COMPANY_SETTINGS, "name": name, **_domain(subdomain)})

    def _me(self, request: Request) -> Response:
        """The token's user: the one the credentials name, else the account's first administrator."""
        named = (self.store.meta("credentials") or {}).get(SYSTEM, {}).get("user_id")
        if named is not None:
            return Response(200, _public(self._existing("users", str(named))))
        users = self.store.list(SYSTEM, TENANT, "users")
        admins = [u for u in users if "administrator" in (u.get("access_roles") or [])]
        if not (admins or users):
            raise HarvestError(404, "No users record for this token")
        return Response(200, _public((admins or users)[0]))

    def _list_payments(self, request: Request) -> Response:
        invoice_id = str(self._existing("invoices", request.params["id"])["id"])
        return self._page(
            request, "invoice_payments", PAYMENTS, [lambda payment: str(payment.get("_invoice_id")) == invoice_id]
        )

    # -- writes --------------------------------------------------------------------------------------
    def _update(self, object: str, request: Request) -> Response:
        record = self._existing(object, request.params["id"])
        fields = WRITABLE[object]
        for name, value in _validated(fields, NOT_BLANK[object], _json_object(request)).items():
            kind = fields[name]
            if isinstance(kind, Reference):
                self._link(record, kind, name, value)
            else:
                for field in (name, *MIRRORS.get(object, {}).get(name, ())):
                    record[field] = value
        return Response(200, _public(self._save(object, record)))

    def _link(self, record: dict, reference: Reference, name: str, id: int) -> None:
        target = self.store.get(SYSTEM, TENANT, reference.object, str(id))
        if target is None:
            raise _invalid(f"{name} {id} does not exist")
        record[reference.nested] = _nested_copy(target, record.get(reference.nested))
        for carried in reference.carries:
            record[carried] = _nested_copy(target.get(carried) or {}, record.get(carried))

    def _create_payment(self, request: Request) -> Response:
        """Record a payment; the invoice's due amount drops by it and the invoice is paid at zero."""
        invoice = self._existing("invoices", request.params["id"])
        body = _validated(PAYMENT_FIELDS, set(PAYMENT_FIELDS), _json_object(request))
        amount, due = body.get("amount"), invoice.get("due_amount") or 0
        if amount is None or amount <= 0:
            raise _invalid("amount must be a positive number")
        if invoice.get("state") == "draft":
            raise _invalid("Payments can only be recorded on an invoice that has been issued")
        if amount > due + CENT:
            raise _invalid(f"amount {amount} exceeds the amount due ({due})")
        paid_at, paid_date = _payment_moment(body)
        now = utc_now_iso()
        payment = {
            "id": self.store.next_id(SYSTEM, TENANT, "invoice_payments"),
            "amount": amount,
            "paid_at": paid_at,
            "paid_date": paid_date,
            "recorded_by": None,
            "recorded_by_email": None,
            "notes": body.get("notes"),
            "transaction_id": None,
            "payment_gateway": {"id": None, "name": None},
            "created_at": now,
            "updated_at": now,
            "_invoice_id": invoice["id"],
        }
        self.store.put(SYSTEM, TENANT, "invoice_payments", str(payment["id"]), payment, now)
        invoice["due_amount"] = round(due - amount, 2)
        if abs(invoice["due_amount"]) < CENT:
            invoice.update(due_amount=0.0, state="paid", paid_at=paid_at, paid_date=paid_date)
        self._save("invoices", invoice)
        return Response(201, _public(payment))


def _payment_moment(body: dict) -> tuple[str, str]:
    """(paid_at, paid_date): Harvest takes one of the two, and today when neither is given."""
    if body.get("paid_at") and body.get("paid_date"):
        raise _invalid("Pass either paid_at or paid_date, not both")
    if body.get("paid_at"):
        paid_at = _to_utc(datetime.fromisoformat(body["paid_at"]))
        return paid_at, paid_at[:10]
    if body.get("paid_date"):
        return f"{body['paid_date']}T00:00:00Z", body["paid_date"]
    now = utc_now_iso()
    return now, now[:10]
