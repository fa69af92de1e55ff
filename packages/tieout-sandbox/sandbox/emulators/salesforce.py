"""Salesforce REST API emulator: SOQL query with cursors, describes, sObject reads and writes, limits.

Serves the sandbox firm's `Account` and `Opportunity` records the way Salesforce's REST API does
(`/services/data/vXX.X/...`), so that the vendor's own client (simple-salesforce) works unchanged:
bearer-token auth; `query/` and `queryAll/` (SOQL, see soql.py) with query locators and
`Sforce-Query-Options` batch sizes; Describe Global (`sobjects/`), sObject Basic Information
(`sobjects/{object}/`) and sObject Describe (`sobjects/{object}/describe/`) built from the field
catalogue below; create (`POST sobjects/{object}/`), get, update and delete by Id; get and upsert by
external id (`sobjects/{object}/{field}/{value}`) and sObject Collections update and upsert; error
arrays with Salesforce's error codes and field-level write validation; the org's daily API request
limit as `limits/`, as `Sforce-Limit-Info: api-usage=N/LIMIT` on every response, and once spent as 403
REQUEST_LIMIT_EXCEEDED. Every write lands in the store with a new SystemModstamp, so the next
incremental query sees it; a delete sets IsDeleted, so queryAll still shows the record.
"""

from __future__ import annotations

import itertools
import re
import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from urllib.parse import unquote

from sandbox.emulators import soql
from sandbox.emulators.base import Emulator, Faults, Request, Response, SlidingWindowLimiter
from sandbox.emulators.salesforce_oauth import SalesforceOAuth
from sandbox.firm.ids import salesforce_id
from sandbox.store import SandboxStore

SYSTEM = "salesforce"
API = r"/services/data/(?P<version>v\d+\.\d)"
DAILY_API_REQUESTS = 100_000  # Salesforce counts API requests over a rolling 24 hours
MIN_BATCH, MAX_BATCH = 200, 2000  # Sforce-Query-Options batchSize bounds; the default is the max
MAX_COLLECTION = 200  # records per sObject Collections request
CURSOR_IDLE_SECONDS = 15 * 60  # a query locator expires after 15 minutes without use
DEFAULT_EXTERNAL_IDS = {"Account": ["PSA_Client_Id__c", "ERP_Customer_Id__c"], "Opportunity": ["PSA_Project_Id__c"]}
# The org's custom fields by what they hold, under the sandbox firm's names; an org may name them
# otherwise (rename_custom_fields), as a real one does.
CUSTOM_FIELDS = {
    "legal_entity": "Legal_Entity__c",
    "psa_client_id": "PSA_Client_Id__c",
    "erp_customer_id": "ERP_Customer_Id__c",
    "open_ar": "Open_AR__c",
    "tax_id": "Tax_Id__c",
    "billing_model": "Billing_Model__c",
    "psa_project_id": "PSA_Project_Id__c",
}
CUSTOM_FIELDS_META = "salesforce_custom_fields"
CLOSED_STAGES = {"Closed Won": True, "Closed Lost": False}  # stage -> IsWon; other stages are open
ID_SHAPE = re.compile(r"[A-Za-z0-9]{15}(?:[A-Za-z0-9]{3})?")
ID_PATH = "$.Id"  # what `WHERE Id = / IN` looks up, in any case (sandbox.emulators.lookups indexes it)


@dataclass(frozen=True)
class FieldSpec:
    type: str  # Salesforce's describe type: id, string, reference, boolean, currency, date, datetime...
    writable: bool = True
    required: bool = False  # on every saved record, so a create must supply it
    length: int | None = None
    reference_to: str | None = None


@dataclass(frozen=True)
class SObject:
    name: str
    label_plural: str
    key_prefix: str
    fields: dict[str, FieldSpec]

    @property
    def field_types(self) -> dict[str, str]:
        return {name: spec.type for name, spec in self.fields.items()}

    @property
    def parents(self) -> dict[str, tuple[str, str]]:
        """Each parent relationship by name (Account, Parent): its reference field and the parent object."""
        return {
            _relationship_name(name): (name, spec.reference_to)
            for name, spec in self.fields.items()
            if spec.reference_to
        }

    def canonical(self, name: str) -> str | None:
        return soql.named(name, self.fields)


def _text(length: int = 255, **options) -> FieldSpec:
    return FieldSpec("string", length=length, **options)


STAMPS = {
    "CreatedDate": FieldSpec("datetime", False),
    "LastModifiedDate": FieldSpec("datetime", False),
    "SystemModstamp": FieldSpec("datetime", False),
}
COMMON = {"CurrencyIsoCode": FieldSpec("picklist", length=3), "Legal_Entity__c": FieldSpec("picklist", length=255)}
SOBJECTS = {
    "Account": SObject(
        "Account",
        "Accounts",
        "001",
        {
            "Id": FieldSpec("id", False),
            "IsDeleted": FieldSpec("boolean", False),
            "Name": _text(required=True),
            "ParentId": FieldSpec("reference", reference_to="Account"),
            "Type": FieldSpec("picklist"),
            "Industry": FieldSpec("picklist"),
            "Website": FieldSpec("url", length=255),
            "Phone": _text(40),
            "BillingStreet": FieldSpec("textarea", length=255),
            "BillingCity": _text(40),
            "BillingState": _text(80),
            "BillingPostalCode": _text(20),
            "BillingCountry": _text(80),
            **COMMON,
            "PSA_Client_Id__c": _text(),
            "ERP_Customer_Id__c": _text(),
            "Open_AR__c": FieldSpec("currency"),
            "Tax_Id__c": _text(50),
            **STAMPS,
        },
    ),
    "Opportunity": SObject(
        "Opportunity",
        "Opportunities",
        "006",
        {
            "Id": FieldSpec("id", False),
            "IsDeleted": FieldSpec("boolean", False),
            "AccountId": FieldSpec("reference", reference_to="Account"),
            "Name": _text(120, required=True),
            "StageName": FieldSpec("picklist", required=True),
            "IsWon": FieldSpec("boolean", False),
            "IsClosed": FieldSpec("boolean", False),
            "Amount": FieldSpec("currency"),
            "CloseDate": FieldSpec("date", required=True),
            "Type": FieldSpec("picklist"),
            **COMMON,
            "Billing_Model__c": FieldSpec("picklist"),
            "PSA_Project_Id__c": _text(),
            "Description": FieldSpec("textarea", length=32000),
            **STAMPS,
        },
    ),
}


def custom_field_names(store: SandboxStore) -> dict[str, str]:
    """This org's name of each custom field, by what it holds."""
    return {**CUSTOM_FIELDS, **store.meta(CUSTOM_FIELDS_META, {})}


def rename_custom_fields(store: SandboxStore, names: Mapping[str, str]) -> None:
    """Name some custom fields otherwise (`{"legal_entity": "Entity_Code__c"}`), as if the org always
    had: the saved Accounts' and Opportunities' keys are renamed and the catalogue follows."""
    unknown = sorted(set(names) - set(CUSTOM_FIELDS))
    if unknown:
        raise ValueError(f"no custom field holds {', '.join(unknown)}: one of {', '.join(CUSTOM_FIELDS)}")
    current = custom_field_names(store)
    for name in SOBJECTS:
        store.rename_keys(SYSTEM, "", name, {current[role]: names[role] for role in names})
    store.set_meta(CUSTOM_FIELDS_META, {**current, **names})


def _renames(store: SandboxStore) -> dict[str, str]:
    """The sandbox firm's name of each custom field -> this org's."""
    return {CUSTOM_FIELDS[role]: name for role, name in custom_field_names(store).items()}


@dataclass(frozen=True)
class Problem:
    """One Salesforce error: an item of an error response, or of a collection result's `errors`."""

    code: str
    message: str
    fields: tuple[str, ...] = ()

    def in_response(self) -> dict:
        fields = {"fields": list(self.fields)} if self.fields else {}
        return {"message": self.message, "errorCode": self.code, **fields}

    def in_result(self) -> dict:
        return {"statusCode": self.code, "message": self.message, "fields": list(self.fields)}


ROLLED_BACK = Problem(
    "ALL_OR_NONE_OPERATION_ROLLED_BACK",
    "Record rolled back because not all records were valid and the request was using AllOrNone header",
)


class ApiError(Exception):
    """A request Salesforce refuses as a whole, answered with its error array."""

    def __init__(self, status: int, *problems: Problem):
        super().__init__(problems[0].message)
        self.status, self.problems = status, problems


@dataclass
class Change:
    """A validated write waiting to be saved: a new record gets its Id when saved."""

    sobject: SObject
    record: dict
    created: bool


Outcome = Change | list[Problem]


def live_record(store: SandboxStore, entity: str, record_id: str) -> dict | None:
    """A saved record that is not in the recycle bin (IsDeleted), or None."""
    record = store.get(SYSTEM, "", entity, record_id)
    return None if record is None or record.get("IsDeleted") else record


@dataclass(frozen=True)
class Org:
    """The org as a SOQL query sees it (soql.Schema): the catalogue's objects and the saved records."""

    catalogue: Mapping[str, SObject]
    store: SandboxStore

    def field_types(self, entity: str) -> dict[str, str]:
        return self.catalogue[entity].field_types

    def parents(self, entity: str) -> dict[str, tuple[str, str]]:
        return self.catalogue[entity].parents

    def record(self, entity: str, record_id: str) -> dict | None:
        return live_record(self.store, entity, record_id)


class QueryCursors:
    """Query results still being paged, by locator, as Salesforce keeps them between requests."""

    def __init__(self, idle_seconds: float = CURSOR_IDLE_SECONDS):
        self.idle_seconds = idle_seconds
        self._open: dict[str, tuple[list[dict], int, float]] = {}
        self._numbers = itertools.count(1)
        self._lock = threading.Lock()

    def open(self, rows: list[dict], batch: int) -> str:
        with self._lock:
            locator = salesforce_id("01g", next(self._numbers))
            self._expire()[locator] = (rows, batch, time.monotonic())
            return locator

    def get(self, locator: str) -> tuple[list[dict], int] | None:
        """The cursor's rows and batch size, or None once unknown or expired."""
        with self._lock:
            cursor = self._expire().get(locator)
            if cursor is None:
                return None
            rows, batch, _ = cursor
            self._open[locator] = (rows, batch, time.monotonic())
            return rows, batch

    def _expire(self) -> dict[str, tuple[list[dict], int, float]]:
        now = time.monotonic()
        self._open = {k: v for k, v in self._open.items() if now - v[2] < self.idle_seconds}
        return self._open


class SalesforceEmulator(Emulator):
    system = SYSTEM

    def __init__(self, store: SandboxStore, faults: Faults | None = None, limiter: SlidingWindowLimiter | None = None):
        super().__init__(store, faults, limiter or SlidingWindowLimiter(DAILY_API_REQUESTS, 24 * 3600))
        self.cursors = QueryCursors()
        self.clock: Callable[[], datetime] = lambda: datetime.now(UTC)
        self.oauth: SalesforceOAuth = SalesforceOAuth(
            store, lambda: self.clock()
        )  # the clock a test sets is the token server's too
        self.oauth.register(self)
        self._writes = threading.Lock()  # validate-then-save must not interleave with another write
        # Salesforce documents these with a trailing slash and its clients send either form. The first
        # route matching both path and method answers, so `describe` comes before a record's Id.
        sobject = rf"{API}/sobjects/(?P<object>\w+)"
        record = rf"{sobject}/(?P<id>\w+)"
        by_external_id = rf"{sobject}/(?P<field>\w+)/(?P<value>[^/]+)"
        self.route("GET", rf"{API}/query/?", lambda request: self._query(request, include_deleted=False))
        self.route("GET", rf"{API}/queryAll/?", lambda request: self._query(request, include_deleted=True))
        self.route("GET", rf"{API}/query(?:All)?/(?P<locator>[^/]+)", self._more)
        self.route("GET", rf"{API}/limits/?", self._limits)
        self.route("GET", rf"{API}/sobjects/?", self._describe_global)
        self.route("GET", rf"{sobject}/?", self._basic_information)
        self.route("POST", rf"{sobject}/?", self._create)
        self.route("GET", rf"{sobject}/describe/?", self._describe)
        self.route("GET", record, self._get)
        self.route("PATCH", record, self._update)
        self.route("DELETE", record, self._delete)
        self.route("GET", by_external_id, self._get_by_external_id)
        self.route("PATCH", by_external_id, self._upsert)
        self.route("PATCH", rf"{API}/composite/sobjects", self._update_collection)
        self.route("PATCH", rf"{API}/composite/sobjects/(?P<object>\w+)/(?P<field>\w+)", self._upsert_collection)

    # -- the vendor's envelope -----------------------------------------------------------
    def handle(self, request: Request) -> Response:
        """Every answer tells the org's API usage, as Salesforce's Sforce-Limit-Info header does."""
        response = self._answer(request)
        used, limit = self._api_usage()
        response.headers["Sforce-Limit-Info"] = f"api-usage={used}/{limit}"
        return response

    def _answer(self, request: Request) -> Response:
        storm = not self.oauth.serves(request.path) and self.faults.take("rate_limit_next")
        if storm:  # an injected storm on the data API keeps the base's 429 + Retry-After
            return super().rate_limited(self.faults.retry_after)
        try:
            return super().handle(request)
        except ApiError as refused:
            return Response(refused.status, [p.in_response() for p in refused.problems])

    def _api_usage(self) -> tuple[int, int]:
        """Requests counted in the rolling 24 hours, and the org's limit."""
        limiter = self.limiter
        assert limiter is not None  # __init__ always sets one; a test may swap it for a smaller one
        return limiter.used(SYSTEM), limiter.limit

    def _limits(self, request: Request) -> Response:
        used, limit = self._api_usage()
        return Response(200, {"DailyApiRequests": {"Max": limit, "Remaining": max(0, limit - used)}})

    def authenticate(self, request: Request) -> Response | None:
        """The configured long-lived session or one the token endpoint issued and that has not expired;
        the token endpoint authenticates the app itself."""
        if self.oauth.serves(request.path) or self.oauth.bearer_is_valid(request):
            return None
        return self.error(401, "Session expired or invalid", "INVALID_SESSION_ID")

    def error(self, status: int, message: str, code: str = "") -> Response:
        return Response(status, [{"message": message, "errorCode": code or "UNKNOWN_EXCEPTION"}])

    def rate_limited(self, retry_after: float) -> Response:
        """The org's rolling 24-hour API request limit: Salesforce answers 403, with no Retry-After."""
        return self.error(403, "TotalRequests Limit exceeded.", "REQUEST_LIMIT_EXCEEDED")

    # -- queries ---------------------------------------------------------------------------
    def _query(self, request: Request, include_deleted: bool) -> Response:
        text = request.query.get("q")
        if not text:
            raise ApiError(400, Problem("MALFORMED_QUERY", "A query string has to be specified"))
        org = Org(self._catalogue(), self.store)
        try:
            query = soql.parse(text)
            sobject = org.catalogue.get(soql.named(query.object.text, org.catalogue) or "")
            if sobject is None:
                raise soql.SoqlError(
                    "INVALID_TYPE",
                    f"ERROR at Row:1:Column:{query.object.column}\nsObject type "
                    f"'{query.object.text}' is not supported.",
                )
            fields = [soql.resolve(f, sobject.name, org) for f in query.fields]
            ids = soql.id_lookup(query)
            stored = (
                self.store.list(SYSTEM, "", sobject.name)
                if ids is None
                else self.store.list_where(SYSTEM, "", sobject.name, ID_PATH, ids, ignore_case=True)
            )
            matched = soql.run(
                query, [r for r in stored if include_deleted or not r.get("IsDeleted")], sobject.name, org
            )
        except soql.SoqlError as refused:
            raise ApiError(400, Problem(refused.code, refused.message)) from refused
        if query.count_only:
            return Response(200, {"totalSize": len(matched), "done": True, "records": []})
        version = request.params["version"]
        rows = [_row(org, sobject, r, fields, version) for r in matched]
        batch = _batch_size(request.header("sforce-query-options"))
        locator = self.cursors.open(rows, batch) if len(rows) > batch else ""
        return Response(200, _page(version, locator, rows, 0, batch))

    def _more(self, request: Request) -> Response:
        locator, _, offset = request.params["locator"].partition("-")
        cursor = self.cursors.get(locator)
        start = int(offset or 0) if (offset or "0").isdigit() else -1
        if cursor is None or not 0 <= start <= len(cursor[0]):
            raise ApiError(400, Problem("INVALID_QUERY_LOCATOR", "invalid query locator"))
        rows, batch = cursor
        return Response(200, _page(request.params["version"], locator, rows, start, batch))

    # -- describes ---------------------------------------------------------------------------
    def _describe_global(self, request: Request) -> Response:
        version = request.params["version"]
        sobjects = [_summary(s, version) for s in self._catalogue().values()]
        return Response(200, {"encoding": "UTF-8", "maxBatchSize": MAX_COLLECTION, "sobjects": sobjects})

    def _basic_information(self, request: Request) -> Response:
        sobject = self._sobject_in_path(request)
        return Response(200, {"objectDescribe": _summary(sobject, request.params["version"]), "recentItems": []})

    def _describe(self, request: Request) -> Response:
        sobject = self._sobject_in_path(request)
        external_ids = self._external_ids(sobject)
        fields = [_field_describe(name, spec, name in external_ids) for name, spec in sobject.fields.items()]
        return Response(200, {**_summary(sobject, request.params["version"]), "fields": fields})

    # -- single records --------------------------------------------------------------------
    def _get(self, request: Request) -> Response:
        sobject = self._sobject_in_path(request)
        record = self._existing(sobject, request.params["id"])
        return Response(200, _whole(sobject, record, request.params["version"]))

    def _create(self, request: Request) -> Response:
        sobject = self._sobject_in_path(request)
        changes = self._known_fields(sobject, _json_object(request))
        with self._writes:
            change = _valid(self._apply(sobject, None, changes))
            self._save([change])
        return Response(201, _result(change, upsert=False))

    def _update(self, request: Request) -> Response:
        sobject = self._sobject_in_path(request)
        changes = self._known_fields(sobject, _json_object(request))
        with self._writes:
            self._save([_valid(self._apply(sobject, self._existing(sobject, request.params["id"]), changes))])
        return Response(204)

    def _delete(self, request: Request) -> Response:
        sobject = self._sobject_in_path(request)
        with self._writes:
            record = self._existing(sobject, request.params["id"])
            self._save([Change(sobject, _stamped({**record, "IsDeleted": True}), created=False)])
        return Response(204)

    # -- single records by external id -----------------------------------------------------
    def _get_by_external_id(self, request: Request) -> Response:
        sobject, key, value = self._external_id_in_path(request)
        matches = _with_external_id(self._live(sobject), key, value)
        if not matches:
            raise ApiError(404, Problem("NOT_FOUND", "The requested resource does not exist"))
        if len(matches) > 1:
            return _multiple_choices(sobject, matches, request.params["version"])
        return Response(200, _whole(sobject, matches[0], request.params["version"]))

    def _upsert(self, request: Request) -> Response:
        """Create or update the record with the external id in the path: 201 created, 200 updated."""
        sobject, key, value = self._external_id_in_path(request)
        changes = {**self._known_fields(sobject, _json_object(request)), key: value}
        with self._writes:
            matches = _with_external_id(self._live(sobject), key, value)
            if len(matches) > 1:
                return _multiple_choices(sobject, matches, request.params["version"])
            change = _valid(self._upsert_outcome(sobject, key, changes, matches))
            self._save([change])
        return Response(201 if change.created else 200, _result(change, upsert=True))

    def _external_id_in_path(self, request: Request) -> tuple[SObject, str, str]:
        """The object, external id field and value a record's path names; another field is not a resource."""
        sobject = self._sobject_in_path(request)
        key = self._external_id_field(sobject, request.params["field"])
        if key is None:
            raise ApiError(404, Problem("NOT_FOUND", "The requested resource does not exist"))
        return sobject, key, unquote(request.params["value"])

    # -- sObject Collections ---------------------------------------------------------------
    def _upsert_collection(self, request: Request) -> Response:
        sobject = self._sobject_in_path(request)
        key = self._external_id_field(sobject, request.params["field"])
        if key is None:
            raise ApiError(
                400,
                Problem(
                    "INVALID_FIELD",
                    f"Field name provided, {request.params['field']} is not "
                    f"an External ID or indexed field for {sobject.name}",
                ),
            )
        all_or_none, items = self._collection(request, sobject)
        keys = Counter(v for _, changes in items if isinstance(v := changes.get(key), str) and v)
        with self._writes:
            live = self._live(sobject)
            outcomes: list[Outcome] = []
            for _, changes in items:
                value = changes.get(key)
                if isinstance(value, str) and keys[value] > 1:
                    outcomes.append([Problem("DUPLICATE_VALUE", f"Duplicate external id specified: {value}", (key,))])
                else:
                    outcomes.append(self._upsert_outcome(sobject, key, changes, _with_external_id(live, key, value)))
            return Response(200, self._commit(outcomes, all_or_none, upsert=True))

    def _upsert_outcome(self, sobject: SObject, key: str, changes: dict, matches: list[dict]) -> Outcome:
        """One record's upsert by its external id `changes[key]`, given the live records that have it."""
        if changes.get(key) in (None, ""):
            return [Problem("MISSING_ARGUMENT", f"{key} not specified")]
        if len(matches) > 1:
            found = ", ".join(r["Id"] for r in matches)
            return [
                Problem(
                    "DUPLICATE_EXTERNAL_ID",
                    f"{key}: more than one record found for external id field: [{found}]",
                    (key,),
                )
            ]
        return self._apply(sobject, matches[0] if matches else None, changes)

    def _external_id_field(self, sobject: SObject, written: str) -> str | None:
        """The external id field's own name for one written in any case; None for any other field."""
        key = sobject.canonical(written)
        return key if key in self._external_ids(sobject) else None

    def _live(self, sobject: SObject) -> list[dict]:
        """The object's records that are not deleted."""
        return [r for r in self.store.list(SYSTEM, "", sobject.name) if not r.get("IsDeleted")]

    def _update_collection(self, request: Request) -> Response:
        all_or_none, items = self._collection(request, None)
        with self._writes:
            outcomes: list[Outcome] = []
            for sobject, changes in items:
                record_id = changes.pop("Id", None)
                existing = live_record(self.store, sobject.name, record_id) if record_id else None
                if not record_id:
                    outcomes.append([Problem("MISSING_ARGUMENT", "Id not specified in an update call")])
                elif existing is None:
                    outcomes.append([Problem("INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id")])
                else:
                    outcomes.append(self._apply(sobject, existing, changes))
            return Response(200, self._commit(outcomes, all_or_none, upsert=False))

    def _collection(self, request: Request, only: SObject | None) -> tuple[bool, list[tuple[SObject, dict]]]:
        """allOrNone and each record's sObject and known fields; a malformed request is refused whole."""
        body = _json_object(request)
        records = body.get("records")
        if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
            raise ApiError(400, Problem("JSON_PARSER_ERROR", "records must be a list of sObjects"))
        if len(records) > MAX_COLLECTION:
            raise ApiError(
                400,
                Problem(
                    "EXCEEDED_ID_LIMIT",
                    f"record limit reached. cannot submit more than {MAX_COLLECTION} records into this call",
                ),
            )
        items = []
        for record in records:
            sobject = self._sobject(str((record.get("attributes") or {}).get("type", "")))
            if sobject is None or (only is not None and sobject.name != only.name):
                raise ApiError(
                    400,
                    Problem(
                        "INVALID_TYPE",
                        "Must send a concrete entity type of "
                        f"{only.name if only else 'a supported sObject'} in attributes.",
                    ),
                )
            items.append((sobject, self._known_fields(sobject, record)))
        return body.get("allOrNone") is True, items

    def _commit(self, outcomes: list[Outcome], all_or_none: bool, upsert: bool) -> list[dict]:
        """Save the valid writes (none of them if allOrNone and any failed); one result per record."""
        if all_or_none and any(isinstance(o, list) for o in outcomes):
            outcomes = [o if isinstance(o, list) else [ROLLED_BACK] for o in outcomes]
        self._save([o for o in outcomes if isinstance(o, Change)])
        return [
            {"success": False, "errors": [p.in_result() for p in o]} if isinstance(o, list) else _result(o, upsert)
            for o in outcomes
        ]

    # -- validation and saving -------------------------------------------------------------
    def _apply(self, sobject: SObject, existing: dict | None, changes: dict) -> Outcome:
        """The record after these changes, or every reason Salesforce would refuse them."""
        problems = [p for name, value in changes.items() for p in self._check(sobject, name, value)]
        merged = {**(existing or {}), **changes}
        missing = [n for n, spec in sobject.fields.items() if spec.required and merged.get(n) in (None, "")]
        if missing:
            problems.append(
                Problem(
                    "REQUIRED_FIELD_MISSING", f"Required fields are missing: [{', '.join(missing)}]", tuple(missing)
                )
            )
        if problems:
            return problems
        record: dict  # a record as stored: any JSON value per field, like Change.record
        if existing:
            record = _stamped({**existing, **changes})
        else:
            fresh = {
                **dict.fromkeys(sobject.fields),
                "IsDeleted": False,
                "CurrencyIsoCode": (self._currencies() or ["USD"])[0],
            }
            record = _stamped({**fresh, **changes}, "CreatedDate")
        if sobject.name == "Opportunity" and ("StageName" in changes or existing is None):
            stage = record["StageName"]
            record.update(IsClosed=stage in CLOSED_STAGES, IsWon=CLOSED_STAGES.get(stage, False))
        return Change(sobject, record, existing is None)

    def _check(self, sobject: SObject, name: str, value: object) -> list[Problem]:
        spec = sobject.fields[name]
        if not spec.writable:
            return [
                Problem(
                    "INVALID_FIELD_FOR_INSERT_UPDATE",
                    f"Unable to create/update fields: {name}. Please "
                    "check the security settings of this field and verify that it is read/write for your "
                    "profile or permission set.",
                    (name,),
                )
            ]
        if value is None:
            return []
        if not _has_type(spec.type, value):
            return [Problem("INVALID_TYPE_ON_FIELD_IN_RECORD", f"{name}: value not of required type: {value}", (name,))]
        if spec.length is not None or spec.reference_to:
            # only text fields (string, picklist, url, textarea, reference) have a length or a target,
            # and _has_type has just made sure a text field's value is a str
            assert isinstance(value, str)
            if spec.length is not None and len(value) > spec.length:
                return [
                    Problem(
                        "STRING_TOO_LONG", f"{name}: data value too large: {value} (max length={spec.length})", (name,)
                    )
                ]
            if spec.reference_to:
                if not ID_SHAPE.fullmatch(value):
                    return [Problem("MALFORMED_ID", f"{name}: id value of incorrect type: {value}", (name,))]
                if live_record(self.store, spec.reference_to, value) is None:
                    return [Problem("INVALID_CROSS_REFERENCE_KEY", f"{name}: invalid cross reference id", (name,))]
        currencies = self._currencies()
        if name == "CurrencyIsoCode" and currencies and value not in currencies:
            return [Problem("FIELD_INTEGRITY_EXCEPTION", f"{name}: invalid currency code: {value}", (name,))]
        return []

    def _save(self, changes: list[Change]) -> None:
        taken: set[str] = set()
        for change in changes:
            if change.created:
                change.record["Id"] = self._new_id(change.sobject, taken)
        for name in dict.fromkeys(c.sobject.name for c in changes):
            self.store.put_many(
                SYSTEM,
                "",
                name,
                [
                    (c.record["Id"], c.record, _iso_utc(c.record["SystemModstamp"]))
                    for c in changes
                    if c.sobject.name == name
                ],
            )

    def _new_id(self, sobject: SObject, taken: set[str]) -> str:
        n = self.store.count(SYSTEM, "", sobject.name)
        while True:  # the first free number after the record count
            n += 1
            candidate = salesforce_id(sobject.key_prefix, n)
            if candidate not in taken and self.store.get(SYSTEM, "", sobject.name, candidate) is None:
                taken.add(candidate)
                return candidate

    # -- lookups -----------------------------------------------------------------------------
    def _catalogue(self) -> dict[str, SObject]:
        """The objects with their fields under this org's names, plus any external-id field it adds."""
        renames = _renames(self.store)
        catalogue = {
            name: replace(sobject, fields={renames.get(k, k): spec for k, spec in sobject.fields.items()})
            for name, sobject in SOBJECTS.items()
        }
        for name, keys in self._external_id_fields().items():
            sobject = catalogue.get(name)
            if sobject is None:
                continue
            extra = {k: _text() for k in keys if sobject.canonical(k) is None}
            catalogue[name] = replace(sobject, fields={**sobject.fields, **extra})
        return catalogue

    def _sobject(self, name: str) -> SObject | None:
        catalogue = self._catalogue()
        return catalogue.get(soql.named(name, catalogue) or "")

    def _sobject_in_path(self, request: Request) -> SObject:
        sobject = self._sobject(request.params["object"])
        if sobject is None:
            raise ApiError(404, Problem("NOT_FOUND", "The requested resource does not exist"))
        return sobject

    def _external_id_fields(self) -> dict[str, list[str]]:
        renames = _renames(self.store)
        default = {name: [renames.get(k, k) for k in keys] for name, keys in DEFAULT_EXTERNAL_IDS.items()}
        return self.store.meta("salesforce_external_id_fields", default)

    def _external_ids(self, sobject: SObject) -> list[str]:
        return self._external_id_fields().get(sobject.name, [])

    def _currencies(self) -> list[str]:
        """The org's active currencies: its legal entities' home currencies, unless set explicitly."""
        entities = self.store.meta("legal_entities") or []
        return self.store.meta("salesforce_currencies") or list(dict.fromkeys(e["currency"] for e in entities))

    def _existing(self, sobject: SObject, record_id: str) -> dict:
        record = self.store.get(SYSTEM, "", sobject.name, record_id)
        if record is None:
            raise ApiError(404, Problem("NOT_FOUND", "The requested resource does not exist"))
        if record.get("IsDeleted"):
            raise ApiError(404, Problem("ENTITY_IS_DELETED", "entity is deleted"))
        return record

    def _known_fields(self, sobject: SObject, body: dict) -> dict:
        """The body's fields under their own names; an unknown field refuses the whole request."""
        known = {}
        for name, value in body.items():
            if name == "attributes":
                continue
            canonical = sobject.canonical(name)
            if canonical is None:
                raise ApiError(
                    400, Problem("INVALID_FIELD", f"No such column '{name}' on sobject of type {sobject.name}")
                )
            known[canonical] = value
        return known


# -- helpers ------------------------------------------------------------------------------
def _attributes(sobject: SObject, record: dict, version: str) -> dict:
    return {"type": sobject.name, "url": f"/services/data/{version}/sobjects/{sobject.name}/{record['Id']}"}


def _whole(sobject: SObject, record: dict, version: str) -> dict:
    """A record with all its fields, as a get answers it."""
    return {"attributes": _attributes(sobject, record, version), **{f: record.get(f) for f in sobject.fields}}


def _row(org: Org, sobject: SObject, record: dict, fields: list[soql.FieldPath], version: str) -> dict:
    """A query's row: the selected fields in order, a parent's nested under its relationship (or null)."""
    row: dict = {"attributes": _attributes(sobject, record, version)}
    for field in fields:
        if not field.hops:
            row[field.name] = record.get(field.name)
            continue
        hop = field.hops[0]
        if hop.relationship in row:
            continue  # built with the first of its fields
        parent = org.record(hop.parent, record[hop.field]) if record.get(hop.field) else None
        through = [f.rest() for f in fields if f.hops[:1] == (hop,)]
        row[hop.relationship] = (
            None if parent is None else _row(org, org.catalogue[hop.parent], parent, through, version)
        )
    return row


def _summary(sobject: SObject, version: str) -> dict:
    """What Describe Global lists of an object, and its describe's object-level properties."""
    url = f"/services/data/{version}/sobjects/{sobject.name}"
    return {
        "name": sobject.name,
        "label": sobject.name,
        "labelPlural": sobject.label_plural,
        "keyPrefix": sobject.key_prefix,
        "custom": sobject.name.endswith("__c"),
        "createable": True,
        "updateable": True,
        "deletable": True,
        "queryable": True,
        "urls": {"sobject": url, "describe": f"{url}/describe", "rowTemplate": f"{url}/{{ID}}"},
    }


def _field_describe(name: str, spec: FieldSpec, external_id: bool) -> dict:
    """A field as sObject Describe lists it; labels are derived from the API names."""
    return {
        "name": name,
        "label": re.sub(r"(?<=[a-z])(?=[A-Z])", " ", name.removesuffix("__c").replace("_", " ")),
        "type": spec.type,
        "length": spec.length or (18 if spec.type in ("id", "reference") else 0),
        "createable": spec.writable,
        "updateable": spec.writable,
        "nillable": spec.writable and not spec.required and spec.type != "boolean",
        "externalId": external_id,
        "custom": name.endswith("__c"),
        "referenceTo": [spec.reference_to] if spec.reference_to else [],
        "relationshipName": _relationship_name(name) if spec.reference_to else None,
    }


def _relationship_name(reference_field: str) -> str:
    """Salesforce's name for the relationship a reference field holds: AccountId -> Account, Foo__c -> Foo__r."""
    if reference_field.endswith("__c"):
        return reference_field.removesuffix("__c") + "__r"
    return reference_field.removesuffix("Id")


def _with_external_id(live: list[dict], key: str, value: object) -> list[dict]:
    return [] if value is None else [r for r in live if r.get(key) == value]


def _result(change: Change, upsert: bool) -> dict:
    """A saved write's result, as create, upsert and sObject Collections answer it."""
    return {"id": change.record["Id"], "success": True, "errors": [], **({"created": change.created} if upsert else {})}


def _valid(outcome: Outcome) -> Change:
    """A single-record write's change; its problems refuse the request, as Salesforce's 400 error array."""
    if isinstance(outcome, list):
        raise ApiError(400, *outcome)
    return outcome


def _multiple_choices(sobject: SObject, matches: list[dict], version: str) -> Response:
    """An external id several records share: Salesforce answers 300 with the records' URLs."""
    return Response(300, [_attributes(sobject, r, version)["url"] for r in matches])


def _stamped(record: dict, *also: str) -> dict:
    """The record as saved now: LastModifiedDate, SystemModstamp and the `also` fields set to now."""
    now = _salesforce_now()
    return {**record, **dict.fromkeys(("LastModifiedDate", "SystemModstamp", *also), now)}


def _page(version: str, locator: str, rows: list[dict], start: int, batch: int) -> dict:
    end = min(start + batch, len(rows))
    body: dict = {"totalSize": len(rows), "done": end >= len(rows)}
    if not body["done"]:
        body["nextRecordsUrl"] = f"/services/data/{version}/query/{locator}-{end}"
    body["records"] = rows[start:end]
    return body


def _batch_size(options: str | None) -> int:
    match = re.search(r"batchSize=(\d+)", options or "")
    return min(MAX_BATCH, max(MIN_BATCH, int(match.group(1)))) if match else MAX_BATCH


def _json_object(request: Request) -> dict:
    try:
        body = request.json()
    except ValueError as refused:
        problem = Problem("JSON_PARSER_ERROR", f"The request body is not valid JSON: {refused}")
        raise ApiError(400, problem) from refused
    if not isinstance(body, dict):
        raise ApiError(400, Problem("JSON_PARSER_ERROR", "The request body must be a JSON object"))
    return body


def _has_type(field_type: str, value: object) -> bool:
    if field_type == "boolean":
        return isinstance(value, bool)
    if field_type in ("currency", "double"):
        return isinstance(value, int | float) and not isinstance(value, bool)
    if field_type == "date":
        try:
            return isinstance(value, str) and date.fromisoformat(value).isoformat() == value
        except ValueError:
            return False
    return isinstance(value, str)


def _salesforce_now() -> str:
    now = datetime.now(UTC)
    return now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}+0000"


def _iso_utc(stamp: str) -> str:
    """The store's `updated_at` form of a Salesforce timestamp."""
    return datetime.fromisoformat(stamp).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
