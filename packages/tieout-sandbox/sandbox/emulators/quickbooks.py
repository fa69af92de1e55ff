"""QuickBooks Online Accounting API v3, as tieout's ERP connector and Intuit's own Python clients
(`python-quickbooks` over `intuit-oauth`) see it: one company (realm) per legal entity, the query
language, change data capture, reads, SyncToken-guarded writes with `requestid` idempotency, void,
batch, QBO's fault shapes, its 500-requests-per-minute-per-realm throttle, and Intuit's token server
(intuit_oauth.py) whose hour-long access tokens the API accepts beside the configured one.

Records live in the store under system "quickbooks", tenant = realm id, in QBO's JSON shape.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sandbox.emulators.base import Emulator, Faults, Request, Response, SlidingWindowLimiter
from sandbox.emulators.intuit_oauth import IntuitOAuth
from sandbox.emulators.quickbooks_query import Query, QuerySyntaxError, parse_query, parse_timestamp, utc_iso
from sandbox.store import SandboxStore

SYSTEM = "quickbooks"
ENTITIES = (
    "CompanyInfo",
    "Preferences",
    "Customer",
    "Employee",
    "Item",
    "Invoice",
    "Payment",
    "CreditMemo",
    "TimeActivity",
)
BY_PATH = {name.lower(): name for name in ENTITIES}
WRITABLE = set(ENTITIES) - {"CompanyInfo", "Preferences"}
# On create, each tuple needs at least one of its keys (QBO error 2020 otherwise).
REQUIRED_ON_CREATE = {
    "Customer": (("DisplayName", "GivenName", "FamilyName", "CompanyName"),),
    "Employee": (("DisplayName", "GivenName", "FamilyName"),),
    "Item": (("Name",),),
    "Invoice": (("CustomerRef",), ("Line",)),
    "CreditMemo": (("CustomerRef",), ("Line",)),
    "Payment": (("CustomerRef",), ("TotalAmt",)),
    "TimeActivity": (("NameOf",), ("EmployeeRef", "VendorRef"), ("Hours", "StartTime")),
}
UNIQUE_NAMES = ("Customer", "Employee")  # QBO's DisplayName is unique across these name lists
SERVER_KEYS = ("Id", "SyncToken", "MetaData", "domain", "sparse", "status")
COMPUTED_KEYS = ("Balance", "BalanceWithJobs", "HomeBalance", "FullyQualifiedName", "Job", "Level")
NAME_LISTS = ("Customer", "Employee", "Item")  # deactivated, never deleted
VOIDABLE = ("Invoice", "Payment")  # voided, not deleted: the document stays with its amounts zero
VOIDED_AMOUNTS = ("TotalAmt", "Balance", "HomeBalance", "UnappliedAmt")
REQUEST_IDS = "_requestid"  # store object holding the first response to each requestid
DELETED = "_deleted_"  # store objects `_deleted_<Entity>` hold tombstones of deleted transactions, for CDC
BATCH_LIMIT = 30
CDC_LOOKBACK = timedelta(days=30)
CDC_CAP = 1000
REALM_PATH = r"/v3/company/(?P<realm>[^/]+)"


class Rejected(Exception):
    """A write QBO refuses, carrying its fault response."""

    def __init__(self, response: Response):
        super().__init__(response.body)
        self.response = response


def _object(response: Response) -> dict:
    """The JSON object of a response this emulator made: its faults and saved entities all are one."""
    assert isinstance(response.body, dict)
    return response.body


class QuickBooksEmulator(Emulator):
    system = SYSTEM

    def __init__(self, store: SandboxStore, faults: Faults | None = None, limiter: SlidingWindowLimiter | None = None):
        super().__init__(store, faults, limiter or SlidingWindowLimiter(500, 60.0))
        self.clock: Callable[[], datetime] = lambda: datetime.now(UTC)
        self._writes = threading.Lock()  # SyncToken checks, id assignment and requestid replay are atomic
        self.oauth: IntuitOAuth = IntuitOAuth(
            store, lambda: self.clock()
        )  # the clock a test sets is the token server's too
        self.oauth.register(self)
        self.route("GET", f"{REALM_PATH}/query", self.query)
        self.route("POST", f"{REALM_PATH}/query", self.query)
        self.route("GET", f"{REALM_PATH}/cdc", self.cdc)
        self.route("POST", f"{REALM_PATH}/batch", self.batch)
        self.route("GET", f"{REALM_PATH}/preferences", self.read)
        self.route("GET", f"{REALM_PATH}/(?P<entity>[a-z]+)/(?P<id>[^/]+)", self.read)
        self.route("POST", f"{REALM_PATH}/(?P<entity>[a-z]+)", self.write)

    # -- vendor conventions ------------------------------------------------------------------
    def tenant_of(self, request: Request) -> str:
        prefix = "/v3/company/"
        return request.path[len(prefix) :].split("/", 1)[0] if request.path.startswith(prefix) else ""

    def authenticate(self, request: Request) -> Response | None:
        """The configured long-lived token or one the token server issued and still honours; the token
        server's own paths authenticate the app themselves."""
        if self.oauth.serves(request.path):
            return None
        if not self.oauth.bearer_is_valid(request):
            return self._unauthenticated()
        realm = self.tenant_of(request)
        if realm and realm not in {e["realm_id"] for e in self.store.meta("legal_entities") or []}:
            return self.fault(
                403,
                "message=ApplicationAuthorizationFailed; errorCode=003100; statusCode=403",
                f"Realm {realm} is not connected to this application",
                "3100",
                "AuthorizationFault",
            )
        return None

    def _unauthenticated(self) -> Response:
        """QBO's gateway answers a bad token in its own lower-case shape with an epoch-millis time."""
        error = {
            "message": "message=AuthenticationFailed; errorCode=003200; statusCode=401",
            "detail": "Token revoked or invalid",
            "code": "3200",
        }
        return Response(
            401,
            {"fault": {"error": [error], "type": "AUTHENTICATION"}, "time": int(time.time() * 1000)},
            {"WWW-Authenticate": 'Bearer realm="Intuit", error="invalid_token"'},
        )

    def rate_limited(self, retry_after: float) -> Response:
        response = self.fault(
            429,
            "message=ThrottleExceeded; errorCode=003001; statusCode=429",
            "The request limit was reached.",
            "3001",
            "ServiceFault",
        )
        response.headers["Retry-After"] = str(max(1, round(retry_after)))
        return response

    def error(self, status: int, message: str, code: str = "") -> Response:
        """Routing and server errors from the base, in QBO's fault shape (numeric codes, 10000 for system)."""
        if status >= 500:
            return self.fault(
                status,
                "An application error has occurred while processing your request",
                message,
                "10000",
                "SystemFault",
            )
        return self.fault(status, "Unsupported Operation", message, str(status))

    def fault(self, status: int, message: str, detail: str, code: str, kind: str = "ValidationFault") -> Response:
        return Response(
            status,
            {
                "Fault": {"Error": [{"Message": message, "Detail": detail, "code": code}], "type": kind},
                "time": self._time(),
            },
        )

    def _time(self) -> str:
        return self.clock().isoformat(timespec="milliseconds")

    def _stamp(self) -> str:
        return utc_iso(self.clock())

    # -- reads ----------------------------------------------------------------------------------
    def query(self, request: Request) -> Response:
        text = request.query.get("query") or request.body.decode("utf-8", "replace")
        try:
            parsed = parse_query(text)
        except QuerySyntaxError as exc:
            message = "Error parsing query" if exc.code == "4000" else "Invalid query"
            return self.fault(400, message, str(exc), exc.code)
        return Response(200, {"QueryResponse": self._run(request.params["realm"], parsed), "time": self._time()})

    def _run(self, realm: str, query: Query) -> dict:
        since, store_pages = query.store_filter()
        offset = query.start_position - 1
        if store_pages and query.count_only:
            return {"totalCount": self.store.count(SYSTEM, realm, query.entity, updated_since=since)}
        if store_pages:
            page = self.store.list(
                SYSTEM, realm, query.entity, updated_since=since, offset=offset, limit=query.max_results
            )
        else:
            lookup = query.lookup()
            records = (
                self.store.list_where(SYSTEM, realm, query.entity, *lookup, updated_since=since)
                if lookup
                else self.store.list(SYSTEM, realm, query.entity, updated_since=since)
            )
            matching = query.sort([r for r in records if query.matches(r)])
            if query.count_only:
                return {"totalCount": len(matching)}
            page = matching[offset : offset + query.max_results]
        if not page:
            return {}
        return {query.entity: page, "startPosition": query.start_position, "maxResults": len(page)}

    def cdc(self, request: Request) -> Response:
        names = [n.strip() for n in request.query.get("entities", "").split(",") if n.strip()]
        unknown = [n for n in names if n.lower() not in BY_PATH]
        if not names or unknown:
            return self.fault(
                400,
                "Invalid Request Parameter",
                f"entities must list supported entities, got {request.query.get('entities')!r}",
                "2010",
            )
        try:
            since = parse_timestamp(request.query["changedSince"])
        except (KeyError, ValueError):
            return self.fault(400, "Invalid Request Parameter", "changedSince must be an ISO-8601 date-time", "2010")
        if since < self.clock() - CDC_LOOKBACK:
            return self.fault(
                400,
                "Unsupported Operation",
                f"Operation cdc with changedSince date "
                f"{request.query['changedSince']} which is older than fixed days is not supported.",
                "500",
            )
        realm, responses = request.params["realm"], []
        for entity in (BY_PATH[n.lower()] for n in names):
            candidates = [
                record
                for name in (entity, DELETED + entity)
                for record in self.store.list(SYSTEM, realm, name, updated_since=utc_iso(since))
            ]
            changed = sorted(
                (r for r in candidates if parse_timestamp(r["MetaData"]["LastUpdatedTime"]) >= since),
                key=lambda r: parse_timestamp(r["MetaData"]["LastUpdatedTime"]),
            )[:CDC_CAP]
            responses.append(
                {entity: changed, "startPosition": 1, "maxResults": len(changed), "totalCount": len(changed)}
                if changed
                else {}
            )
        return Response(200, {"CDCResponse": [{"QueryResponse": responses}], "time": self._time()})

    def read(self, request: Request) -> Response:
        realm = request.params["realm"]
        entity = BY_PATH.get(request.params.get("entity", "preferences"))
        if entity is None:
            return self.fault(400, "Unsupported Operation", f"Operation {request.path} is not supported.", "500")
        if entity in ("CompanyInfo", "Preferences"):  # one per company, addressed by realm id or nothing
            found = next(iter(self.store.list(SYSTEM, realm, entity, limit=1)), None)
        else:
            found = self.store.get(SYSTEM, realm, entity, request.params["id"])
        if found is None:
            return self._not_found(entity, request.params.get("id", ""))
        return Response(200, {entity: found, "time": self._time()})

    def _not_found(self, entity: str, id: str) -> Response:
        return self.fault(
            400,
            "Object Not Found",
            f"Object Not Found : Something you're trying to use has been "
            f"made inactive. Check the fields with accounts, customers, items, vendors or employees. "
            f"({entity} {id})",
            "610",
        )

    # -- writes ---------------------------------------------------------------------------------
    def write(self, request: Request) -> Response:
        entity, operation = BY_PATH.get(request.params["entity"]), request.query.get("operation")
        if request.query.get("include") == "void" and operation == "update":  # how a payment is voided
            operation = "void"
        if (
            entity not in WRITABLE
            or operation not in (None, "update", "delete", "void")
            or (operation == "void" and entity not in VOIDABLE)
        ):
            return self.fault(
                400,
                "Unsupported Operation",
                f"Operation {operation or 'create/update'} on {request.params['entity']} is not supported.",
                "500",
            )
        return self._once(
            request,
            lambda realm, body: self._save(
                realm, entity, body, operation or ("update" if isinstance(body, dict) and body.get("Id") else "create")
            ),
        )

    def batch(self, request: Request) -> Response:
        return self._once(request, self._batch)

    def _once(self, request: Request, apply: Callable[[str, object], Response]) -> Response:
        """Apply a write unless its requestid was seen in this realm; then replay the first response."""
        realm, request_id = request.params["realm"], request.query.get("requestid")
        try:
            body = request.json()
        except ValueError:
            return self.fault(400, "Request has invalid or unsupported property", "Body is not valid JSON", "2010")
        with self._writes:
            if request_id:
                seen = self.store.get(SYSTEM, realm, REQUEST_IDS, request_id)
                if seen is not None:
                    return Response(seen["status"], seen["body"])
            response = apply(realm, body)
            if request_id:
                self.store.put(
                    SYSTEM,
                    realm,
                    REQUEST_IDS,
                    request_id,
                    {"status": response.status, "body": response.body},
                    self._stamp(),
                )
        return response

    def _batch(self, realm: str, body: object) -> Response:
        items = body.get("BatchItemRequest") if isinstance(body, dict) else None
        if not isinstance(items, list) or not items:
            return self.fault(
                400, "Request has invalid or unsupported property", "BatchItemRequest must be a non-empty list", "2010"
            )
        if len(items) > BATCH_LIMIT:
            return self.fault(
                400,
                "Request has invalid or unsupported property",
                f"Number of items in the batch request ({len(items)}) exceeds the maximum of {BATCH_LIMIT}",
                "2010",
            )
        return Response(
            200, {"BatchItemResponse": [self._batch_item(realm, item) for item in items], "time": self._time()}
        )

    def _batch_item(self, realm: str, item: object) -> dict:
        if not isinstance(item, dict):
            fault = self.fault(
                400, "Request has invalid or unsupported property", "A BatchItemRequest must be an object", "2010"
            )
            return {"bId": "", "Fault": _object(fault)["Fault"]}
        bid = str(item.get("bId", ""))
        if "Query" in item:
            try:
                return {"bId": bid, "QueryResponse": self._run(realm, parse_query(item["Query"]))}
            except QuerySyntaxError as exc:
                fault = self.fault(400, "Error parsing query", str(exc), exc.code)
                return {"bId": bid, "Fault": _object(fault)["Fault"]}
        entity = next((key for key in item if key in WRITABLE), None)
        operation = item.get("operation")
        if not bid or entity is None or operation not in ("create", "update", "delete"):
            response = self.fault(
                400,
                "Unsupported Operation",
                "Each item needs a bId, an entity and a create, update or delete operation",
                "500",
            )
        else:
            response = self._save(realm, entity, item[entity], operation)
        if response.status != 200:
            return {"bId": bid, "Fault": _object(response)["Fault"]}
        return {"bId": bid, entity: _object(response)[entity]}

    def _save(self, realm: str, entity: str, body: object, operation: str) -> Response:
        """Create, update (full or sparse) or delete one entity: QBO's write semantics."""
        try:
            if not isinstance(body, dict):
                raise Rejected(
                    self.fault(
                        400, "Request has invalid or unsupported property", f"{entity} must be an object", "2010"
                    )
                )
            if operation == "create":
                return self._store(realm, entity, self._created(realm, entity, body), created=True)
            current = self._current(realm, entity, body)
            if operation == "delete":
                return self._delete(realm, entity, current)
            if operation == "void":
                return self._store(realm, entity, self._voided(current), created=False)
            return self._store(realm, entity, self._updated(current, body), created=False)
        except Rejected as rejected:
            return rejected.response

    def _created(self, realm: str, entity: str, body: dict) -> dict:
        fields = {k: v for k, v in body.items() if k not in SERVER_KEYS}
        missing = [keys[0] for keys in REQUIRED_ON_CREATE[entity] if not any(k in fields for k in keys)]
        if missing:
            raise Rejected(self._required(missing[0]))
        # ids are never reused, not even those of deleted transactions
        id = self.store.next_id(SYSTEM, realm, entity, start=self.store.next_id(SYSTEM, realm, DELETED + entity))
        now = self._stamp()
        record = {**fields, "Id": str(id), "SyncToken": "0", "MetaData": {"CreateTime": now, "LastUpdatedTime": now}}
        if entity in NAME_LISTS:
            record.setdefault("Active", True)
        return record

    def _current(self, realm: str, entity: str, body: dict) -> dict:
        """The stored entity an update or delete names, if the caller holds its current SyncToken."""
        if not body.get("Id"):
            raise Rejected(self._required("Id"))
        current = self.store.get(SYSTEM, realm, entity, str(body["Id"]))
        if current is None:
            raise Rejected(self._not_found(entity, str(body.get("Id"))))
        if "SyncToken" not in body:
            raise Rejected(self._required("SyncToken"))
        if str(body["SyncToken"]) != current["SyncToken"]:
            raise Rejected(
                self.fault(
                    400,
                    "Stale Object Error",
                    "Stale Object Error : You and root were working on "
                    "this at the same time. root finished before you did, so your work was not "
                    "saved.",
                    "5010",
                )
            )
        return current

    def _updated(self, current: dict, body: dict) -> dict:
        """A sparse update keeps what the body omits; a full one drops it, except what QBO computes."""
        fields = {k: v for k, v in body.items() if k not in SERVER_KEYS}
        kept = current if body.get("sparse") is True else {k: current[k] for k in COMPUTED_KEYS if k in current}
        return {
            **kept,
            **fields,
            "Id": current["Id"],
            "SyncToken": str(int(current["SyncToken"]) + 1),
            "MetaData": {**current["MetaData"], "LastUpdatedTime": self._stamp()},
        }

    def _voided(self, current: dict) -> dict:
        """QBO keeps a voided transaction, every amount zero, and says so in its private note."""
        record = self._updated(current, {**current, "sparse": True})
        record["Line"] = [{**line, "Amount": 0} for line in current.get("Line") or []]
        record.update({key: 0 for key in VOIDED_AMOUNTS if key in current}, PrivateNote="Voided")
        if isinstance(current.get("TxnTaxDetail"), dict):
            record["TxnTaxDetail"] = {**current["TxnTaxDetail"], "TotalTax": 0}
        return record

    def _store(self, realm: str, entity: str, record: dict, created: bool) -> Response:
        record.update(domain="QBO", sparse=False)
        self._derive(realm, entity, record, created)
        self._check_unique_name(realm, entity, record)
        self.store.put(
            SYSTEM, realm, entity, record["Id"], record, utc_iso(parse_timestamp(record["MetaData"]["LastUpdatedTime"]))
        )
        return Response(200, {entity: record, "time": self._time()})

    def _delete(self, realm: str, entity: str, current: dict) -> Response:
        """Transactions are deleted for good (CDC reports them); name lists only go inactive in QBO."""
        if entity in NAME_LISTS:
            raise Rejected(
                self.fault(
                    400,
                    "Unsupported Operation",
                    f"Operation Delete is not supported for {entity}: make it inactive instead.",
                    "500",
                )
            )
        now = self._stamp()
        tombstone = {"domain": "QBO", "status": "Deleted", "Id": current["Id"], "MetaData": {"LastUpdatedTime": now}}
        self.store.delete(SYSTEM, realm, entity, current["Id"])
        self.store.put(SYSTEM, realm, DELETED + entity, current["Id"], tombstone, now)
        return Response(
            200, {entity: {"domain": "QBO", "status": "Deleted", "Id": current["Id"]}, "time": self._time()}
        )

    def _required(self, key: str) -> Response:
        return self.fault(
            400,
            "Required param missing, need to supply the required value for the API",
            f"Required parameter {key} is missing in the request",
            "2020",
        )

    def _check_unique_name(self, realm: str, entity: str, record: dict) -> None:
        name = str(record.get("DisplayName", "")).casefold()
        if entity not in UNIQUE_NAMES or not name:
            return
        for other in UNIQUE_NAMES:
            for existing in self.store.list(SYSTEM, realm, other):
                if str(existing.get("DisplayName", "")).casefold() == name and (other, existing["Id"]) != (
                    entity,
                    record["Id"],
                ):
                    raise Rejected(
                        self.fault(
                            400,
                            "Duplicate Name Exists Error",
                            "The name supplied already exists. "
                            ": Another customer, vendor or employee is already using this name. "
                            f"Please use a different name. Id={existing['Id']}",
                            "6240",
                        )
                    )

    def _derive(self, realm: str, entity: str, record: dict, created: bool) -> None:
        """Fields QBO computes rather than accepts: customer hierarchy, line ids, document totals."""
        if entity == "Customer":
            parent = record.get("ParentRef") and self.store.get(SYSTEM, realm, "Customer", record["ParentRef"]["value"])
            record["Job"] = bool(parent)
            record["Level"] = parent.get("Level", 0) + 1 if parent else 0
            name = record.get("DisplayName") or " ".join(
                str(record[k]) for k in ("GivenName", "FamilyName", "CompanyName") if record.get(k)
            )
            record.setdefault("DisplayName", name)
            parent_name = parent and (parent.get("FullyQualifiedName") or parent.get("DisplayName"))
            record["FullyQualifiedName"] = f"{parent_name}:{name}" if parent else name
        if entity in ("Invoice", "CreditMemo") and isinstance(record.get("Line"), list):
            sales = [line for line in record["Line"] if line.get("DetailType") == "SalesItemLineDetail"]
            for number, line in enumerate(sales, start=1):
                line.setdefault("Id", str(number))
            record["TotalAmt"] = round(sum(float(line.get("Amount", 0)) for line in sales), 2)
            if entity == "Invoice" and created:
                record["Balance"] = record["TotalAmt"]
