"""HubSpot's CRM API (api.hubapi.com) as a business unit's second CRM, as tieout and HubSpot's own
`hubspot-api-client` see it: companies and deals through the v3 objects API (list with `after`
cursors, read, batch read, PATCH, search) and their associations through v4.

Written from HubSpot's public API reference: every property value is a string; a list page holds at
most 100 records (10 when no `limit` is given), a search page at most 200 and a search at most
10,000 results (past that, 400); search takes up to 5 filter groups (ORed) of up to 10 filters
(ANDed), 25 filters in all, with HubSpot's operators, and sorts by one property. Limits of a private
app on a Starter account: 100 requests per 10 seconds and 250,000 a day per account, search 5
requests a second, answered with 429 and HubSpot's error body (`errorType: RATE_LIMIT`,
`policyName`); every non-search answer carries the `X-HubSpot-RateLimit-*` headers. Errors have
HubSpot's shape (`status`, `message`, `correlationId`, `category`). A private app's static token
authenticates (`Authorization: Bearer`).

Not emulated: creating, archiving, merging and upserting records, association writes over HTTP
(stored with `associate`), properties and schemas APIs, `query` full-text search, the
`propertiesWithHistory` parameter, OAuth (a private app's token does not expire).

Records live in the store under system "hubspot", tenant = the account (portal) id, object
`companies` or `deals` (hubspot_records.py).
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from urllib.parse import parse_qs

from sandbox.emulators.base import Emulator, Faults, Request, Response, SlidingWindowLimiter
from sandbox.emulators.hubspot_records import DEFAULT_PROPERTIES, PORTAL_PROPERTIES, SYSTEM, V3_TYPE_NAMES, iso
from sandbox.store import SandboxStore

V3, V4 = "/crm/v3/objects", "/crm/v4/objects"
OBJECT = "(?P<object>companies|deals)"
LIST_DEFAULT, LIST_MAX, SEARCH_MAX, SEARCH_WINDOW, BATCH_MAX, ASSOCIATIONS_MAX = 10, 100, 200, 10_000, 100, 500
GROUPS_MAX, FILTERS_PER_GROUP_MAX, FILTERS_MAX = 5, 10, 25
OPERATORS = frozenset(
    ("EQ", "NEQ", "LT", "LTE", "GT", "GTE", "BETWEEN", "IN", "NOT_IN", "HAS_PROPERTY", "NOT_HAS_PROPERTY")
    + ("CONTAINS_TOKEN", "NOT_CONTAINS_TOKEN")
)
DATE_PROPERTIES = frozenset(("createdate", "hs_lastmodifieddate", "closedate"))
NUMBER_PROPERTIES = frozenset(("amount", "hs_object_id", "open_ar"))


class Invalid(Exception):
    """A request HubSpot answers with 400 VALIDATION_ERROR."""


def _epoch_ms(value: str) -> float:
    """A date property's value, or a filter's, as epoch milliseconds (HubSpot takes both forms)."""
    text = str(value)
    if text.lstrip("-").isdigit():
        return float(text)
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp() * 1000


def _comparable(name: str, value: str) -> object:
    if name in DATE_PROPERTIES:
        return _epoch_ms(value)
    if name in NUMBER_PROPERTIES:
        try:
            return float(value)
        except ValueError as exc:
            raise Invalid(f"{value!r} is not a number for {name}") from exc
    return str(value).lower()  # HubSpot compares strings case-insensitively


def _matches(properties: dict, condition: dict) -> bool:
    name, operator = condition.get("propertyName"), condition.get("operator", "EQ")
    if not name or operator not in OPERATORS:
        raise Invalid(f"Invalid filter: propertyName {name!r}, operator {operator!r}")
    value = properties.get(name)
    if operator in ("HAS_PROPERTY", "NOT_HAS_PROPERTY"):
        return (value not in (None, "")) == (operator == "HAS_PROPERTY")
    if value in (None, ""):
        return operator in ("NEQ", "NOT_IN", "NOT_CONTAINS_TOKEN")
    if operator in ("CONTAINS_TOKEN", "NOT_CONTAINS_TOKEN"):
        token = str(condition.get("value", "")).lower().strip("*")
        return (token in str(value).lower().split()) == (operator == "CONTAINS_TOKEN")
    mine = _comparable(name, value)
    if operator in ("IN", "NOT_IN"):
        wanted = [_comparable(name, v) for v in condition.get("values") or []]
        return (mine in wanted) == (operator == "IN")
    if operator == "BETWEEN":
        return _comparable(name, condition["value"]) <= mine <= _comparable(name, condition["highValue"])  # type: ignore[operator]
    other = _comparable(name, condition.get("value", ""))
    return {
        "EQ": mine == other,
        "NEQ": mine != other,
        "LT": mine < other,  # type: ignore[operator]
        "LTE": mine <= other,  # type: ignore[operator]
        "GT": mine > other,  # type: ignore[operator]
        "GTE": mine >= other,  # type: ignore[operator]
    }[operator]


class HubSpotEmulator(Emulator):
    system = SYSTEM

    def __init__(
        self,
        store: SandboxStore,
        portal: str,
        token: str,
        faults: Faults | None = None,
        burst: SlidingWindowLimiter | None = None,
        daily: SlidingWindowLimiter | None = None,
        search: SlidingWindowLimiter | None = None,
    ):
        super().__init__(store, faults)  # HubSpot's three limits are checked after the token
        self.portal, self.token = portal, token
        self.burst = burst or SlidingWindowLimiter(100, 10.0)
        self.daily = daily or SlidingWindowLimiter(250_000, 86_400.0)
        self.search_limit = search or SlidingWindowLimiter(5, 1.0)
        self.clock: Callable[[], datetime] = lambda: datetime.now(UTC)
        self._writes = threading.Lock()
        self.route("GET", f"{V3}/{OBJECT}", self.listing)
        self.route("GET", f"{V3}/{OBJECT}/(?P<id>[^/]+)", self.read)
        self.route("PATCH", f"{V3}/{OBJECT}/(?P<id>[^/]+)", self.update)
        self.route("POST", f"{V3}/{OBJECT}/batch/read", self.batch_read)
        self.route("POST", f"{V3}/{OBJECT}/search", self.search)
        self.route("GET", f"{V4}/{OBJECT}/(?P<id>[^/]+)/associations/(?P<to>companies|deals)", self.associations)

    # -- vendor conventions ------------------------------------------------------------------
    def tenant_of(self, request: Request) -> str:
        return self.portal

    def authenticate(self, request: Request) -> Response | None:
        if request.header("authorization") != f"Bearer {self.token}":
            return self.error(
                401,
                "Authentication credentials not found. This API supports OAuth 2.0 authentication and you can "
                "find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview",
                "INVALID_AUTHENTICATION",
            )
        searching = request.path.endswith("/search")
        limits = [("TEN_SECONDLY_ROLLING", self.burst), ("DAILY", self.daily)]
        for policy, limiter in [("SECONDLY", self.search_limit)] * searching + limits:
            wait = limiter.admit(self.portal)
            if wait > 0:
                return self.rate_limited(wait, policy)
        return None

    def handle(self, request: Request) -> Response:
        """HubSpot reports the account's usage on every answer but search's."""
        response = super().handle(request)
        if not request.path.endswith("/search"):
            response.headers.update(
                {
                    "X-HubSpot-RateLimit-Interval-Milliseconds": str(round(self.burst.window * 1000)),
                    "X-HubSpot-RateLimit-Max": str(self.burst.limit),
                    "X-HubSpot-RateLimit-Remaining": str(max(0, self.burst.limit - self.burst.used(self.portal))),
                    "X-HubSpot-RateLimit-Daily": str(self.daily.limit),
                    "X-HubSpot-RateLimit-Daily-Remaining": str(max(0, self.daily.limit - self.daily.used(self.portal))),
                }
            )
        return response

    def error(self, status: int, message: str, code: str = "") -> Response:
        category = code or {404: "OBJECT_NOT_FOUND", 405: "METHOD_NOT_ALLOWED"}.get(status, "VALIDATION_ERROR")
        if status >= 500:
            category = "INTERNAL_ERROR"
        return Response(
            status, {"status": "error", "message": message, "correlationId": str(uuid.uuid4()), "category": category}
        )

    def rate_limited(self, retry_after: float, policy: str = "TEN_SECONDLY_ROLLING") -> Response:
        """HubSpot's 429 names the policy that was hit; it sends no Retry-After (the usage headers say
        when the window frees), so neither does this."""
        limit = {"SECONDLY": "secondly", "DAILY": "daily"}.get(policy, "ten secondly rolling")
        return Response(
            429,
            {
                "status": "error",
                "message": f"You have reached your {limit} limit.",
                "errorType": "RATE_LIMIT",
                "correlationId": str(uuid.uuid4()),
                "policyName": policy,
            },
        )

    # -- serialising -----------------------------------------------------------------------------
    def _served(self, object_type: str, stored: dict, properties: list[str] | None, associations: list[str]) -> dict:
        """A record as the v3 API serves it: the asked-for properties (HubSpot's defaults when none),
        a missing one as null, and the asked-for associations with v3's type names."""
        names = properties or list(DEFAULT_PROPERTIES[object_type])
        out = {"id": stored["id"], "properties": {n: stored["properties"].get(n) for n in names}}
        out |= {k: stored[k] for k in ("createdAt", "updatedAt", "archived")}
        linked = {}
        for to_type in associations:
            edges = stored.get("associations", {}).get(to_type, [])
            if edges:
                linked[to_type] = {
                    "results": [
                        {"id": e["toObjectId"], "type": V3_TYPE_NAMES[t["typeId"]]}
                        for e in edges
                        for t in e["associationTypes"]
                    ]
                }
        if linked:
            out["associations"] = linked
        return out

    @staticmethod
    def _names(request: Request, name: str) -> list[str]:
        """A list parameter, repeated (`properties=a&properties=b`, as the client sends it) or
        comma-separated (as HubSpot's reference writes it): HubSpot takes both."""
        return [n for value in parse_qs(request.raw_query).get(name, []) for n in value.split(",") if n]

    @staticmethod
    def _limit(raw: object, default: int, maximum: int) -> int:
        try:
            limit = int(str(raw)) if raw not in (None, "") else default
        except ValueError as exc:
            raise Invalid(f"limit must be a number, not {raw!r}") from exc
        if not 1 <= limit <= maximum:
            raise Invalid(f"limit must be between 1 and {maximum}")
        return limit

    def _cursor(self, raw: object) -> int:
        """`after` is opaque to clients; here it is the position of the next record."""
        try:
            return int(str(raw)) if raw not in (None, "") else 0
        except ValueError as exc:
            raise Invalid(f"Invalid after value {raw!r}") from exc

    def _all(self, object_type: str) -> list[dict]:
        return self.store.list(SYSTEM, self.portal, object_type)

    # -- reads -----------------------------------------------------------------------------------
    def listing(self, request: Request) -> Response:
        """GET /crm/v3/objects/{object}: a page in creation order, and the cursor of the next."""
        try:
            limit = self._limit(request.query.get("limit"), LIST_DEFAULT, LIST_MAX)
            start = self._cursor(request.query.get("after"))
        except Invalid as exc:
            return self.error(400, str(exc))
        object_type = request.params["object"]
        archived = request.query.get("archived", "false") == "true"
        rows = self.store.list(SYSTEM, self.portal, object_type, offset=start, limit=limit + 1)
        page = rows[:limit]
        results = [
            self._served(object_type, r, self._names(request, "properties"), self._names(request, "associations"))
            for r in page
            if r.get("archived", False) == archived
        ]
        body: dict = {"results": results}
        if len(rows) > limit:
            after = str(start + limit)
            body["paging"] = {"next": {"after": after, "link": f"{request.path}?after={after}"}}
        return Response(200, body)

    def _find(self, object_type: str, id: str, id_property: str | None) -> dict | None:
        if not id_property or id_property == "hs_object_id":
            return self.store.get(SYSTEM, self.portal, object_type, id)
        return next((r for r in self._all(object_type) if r["properties"].get(id_property) == id), None)

    def read(self, request: Request) -> Response:
        object_type = request.params["object"]
        stored = self._find(object_type, request.params["id"], request.query.get("idProperty"))
        if stored is None:
            return self.error(404, "Object not found.  objectId are usually numeric.")
        return Response(
            200,
            self._served(object_type, stored, self._names(request, "properties"), self._names(request, "associations")),
        )

    def batch_read(self, request: Request) -> Response:
        """POST batch/read: the records of up to 100 ids in one call; ids not found are reported in
        `errors` and the status says the batch completed with errors (207)."""
        body = request.json() or {}
        inputs = body.get("inputs") or []
        if len(inputs) > BATCH_MAX:
            return self.error(400, f"Batch input limit is {BATCH_MAX}, got {len(inputs)}")
        object_type, started = request.params["object"], iso(self.clock())
        found, missing = [], []
        for item in inputs:
            stored = self._find(object_type, str(item.get("id")), body.get("idProperty"))
            if stored is None:
                missing.append(str(item.get("id")))
            else:
                found.append(self._served(object_type, stored, body.get("properties"), []))
        answer: dict = {"status": "COMPLETE", "results": found, "startedAt": started, "completedAt": iso(self.clock())}
        if missing:
            answer |= {
                "numErrors": 1,
                "errors": [
                    {
                        "status": "error",
                        "category": "OBJECT_NOT_FOUND",
                        "message": "Could not get some records.",
                        "context": {"ids": missing},
                    }
                ],
            }
        return Response(207 if missing else 200, answer)

    def search(self, request: Request) -> Response:
        """POST search: filter groups ORed, filters within a group ANDed, one sort, 200 a page, and no
        further than 10,000 results into a query."""
        body = request.json() or {}
        object_type = request.params["object"]
        try:
            limit = self._limit(body.get("limit"), LIST_DEFAULT, SEARCH_MAX)
            start = self._cursor(body.get("after"))
            groups = body.get("filterGroups") or []
            if body.get("query"):
                raise Invalid("full-text `query` is not emulated")
            if len(groups) > GROUPS_MAX or any(len(g.get("filters") or []) > FILTERS_PER_GROUP_MAX for g in groups):
                raise Invalid(f"at most {GROUPS_MAX} filter groups of {FILTERS_PER_GROUP_MAX} filters each")
            if sum(len(g.get("filters") or []) for g in groups) > FILTERS_MAX:
                raise Invalid(f"at most {FILTERS_MAX} filters in all")
            if start + limit > SEARCH_WINDOW:
                raise Invalid(f"The search API returns at most {SEARCH_WINDOW} results for a query")
            matched = [
                r
                for r in self._all(object_type)
                if not groups or any(all(_matches(r["properties"], f) for f in g.get("filters") or []) for g in groups)
            ]
            sorts = body.get("sorts") or []
            if len(sorts) > 1:
                raise Invalid("one sort only")
            for sort in sorts:
                name = sort["propertyName"] if isinstance(sort, dict) else str(sort).lstrip("-")
                descending = (sort.get("direction") == "DESCENDING") if isinstance(sort, dict) else str(sort)[:1] == "-"
                present = [r for r in matched if r["properties"].get(name) not in (None, "")]
                absent = [r for r in matched if r["properties"].get(name) in (None, "")]
                present.sort(key=lambda r: _comparable(name, r["properties"][name]), reverse=descending)  # type: ignore[arg-type,return-value]
                matched = present + absent
        except Invalid as exc:
            return self.error(400, str(exc))
        page = matched[start : start + limit]
        answer: dict = {
            "total": len(matched),
            "results": [self._served(object_type, r, body.get("properties"), []) for r in page],
        }
        if start + limit < len(matched):
            answer["paging"] = {"next": {"after": str(start + limit)}}
        return Response(200, answer)

    def associations(self, request: Request) -> Response:
        """GET v4 associations of one record to an object type, with each association's types."""
        stored = self.store.get(SYSTEM, self.portal, request.params["object"], request.params["id"])
        if stored is None:
            return self.error(404, "Object not found.")
        try:
            limit = self._limit(request.query.get("limit"), ASSOCIATIONS_MAX, ASSOCIATIONS_MAX)
            start = self._cursor(request.query.get("after"))
        except Invalid as exc:
            return self.error(400, str(exc))
        edges = stored.get("associations", {}).get(request.params["to"], [])
        answer: dict = {
            "results": [
                {"toObjectId": int(e["toObjectId"]), "associationTypes": e["associationTypes"]}
                for e in edges[start : start + limit]
            ]
        }
        if start + limit < len(edges):
            answer["paging"] = {"next": {"after": str(start + limit)}}
        return Response(200, answer)

    # -- writes ----------------------------------------------------------------------------------
    def update(self, request: Request) -> Response:
        """PATCH a record's properties: unknown properties are refused whole (HubSpot validates every
        property before writing any), the system ones are read-only, the modified date moves."""
        object_type = request.params["object"]
        changes = (request.json() or {}).get("properties")
        if not isinstance(changes, dict) or not changes:
            return self.error(400, "Invalid input JSON: `properties` must be a non-empty object")
        with self._writes:
            stored = self._find(object_type, request.params["id"], request.query.get("idProperty"))
            if stored is None:
                return self.error(404, "Object not found.  objectId are usually numeric.")
            known = (
                set(stored["properties"]) | set(DEFAULT_PROPERTIES[object_type]) | set(PORTAL_PROPERTIES[object_type])
            )
            read_only = {"hs_object_id", "createdate", "hs_lastmodifieddate"}
            bad = [n for n in changes if n not in known or n in read_only]
            if bad:
                return self.error(
                    400,
                    "Property values were not valid: "
                    + ", ".join(
                        f'{{"isValid":false,"message":"Property \\"{n}\\" '
                        + ("is read-only" if n in read_only else "does not exist")
                        + f'","error":"{"READ_ONLY_VALUE" if n in read_only else "PROPERTY_DOESNT_EXIST"}","name":"{n}"}}'
                        for n in bad
                    ),
                )
            now = iso(self.clock())
            stored["properties"] |= {n: None if v is None else str(v) for n, v in changes.items()}
            stored["properties"]["hs_lastmodifieddate"] = now
            stored["updatedAt"] = now
            self.store.put(SYSTEM, self.portal, object_type, stored["id"], stored, now)
        return Response(200, self._served(object_type, stored, list(changes), []))
