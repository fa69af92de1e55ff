"""Xero Projects API 2.0 (api.xero.com/projects.xro/2.0), served by the Xero emulator beside the Accounting
API: a legal entity's projects, each project's tasks (what its time is charged at) and the time logged on
it, and the organisation's project users, read as
Xero serves them (camelCase; a page is `{"pagination": {page, pageSize, pageCount, itemCount}, "items"}`,
`page` from 1, `pageSize` 1-500, 50 by default). The tenant, token and rate limits are the Accounting
API's (one organisation's calls count against the same limits).

Projects take `projectIds`, `contactID` and `states`; a project's tasks `taskIds` and `chargeType`; its
time `userId`, `taskId`, `invoiceId`, `contactId`, `states`, `isChargeable` (a task charged by TIME or
FIXED), `dateAfterUtc` and `dateBeforeUtc` (on `dateUtc`). No list has a modification filter, so a reader
takes them whole every night. Errors are the Projects API's `{"message", "modelState"}`. Not emulated:
writes, and the totals Xero computes on a project and a task (`minutesLogged`, `amountToBeInvoiced`, ...)
are served as stored.

Records live in the store under system "xero", tenant = the tenant id, objects `Projects`,
`ProjectsUsers`, `ProjectTasks` and `ProjectTime` (a task and a time entry name their project by
`projectId`).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import UTC, datetime

from sandbox.emulators.base import Request, Response
from sandbox.store import SandboxStore

SYSTEM = "xero"
PROJECTS_API = "/projects.xro/2.0"
IDS = {"Projects": "projectId", "ProjectsUsers": "userId", "ProjectTasks": "taskId", "ProjectTime": "timeEntryId"}
# a project's tasks and time are looked up by the project (sandbox.emulators.lookups indexes it)
BY_PROJECT, PROJECT_PATH = ("ProjectTasks", "ProjectTime"), "$.projectId"
PAGE_SIZE, MAX_PAGE_SIZE = 50, 500
PROJECT_STATES = ("INPROGRESS", "CLOSED")
TIME_STATES = ("ACTIVE", "LOCKED", "INVOICED")
CHARGE_TYPES = ("TIME", "FIXED", "NON_CHARGEABLE")
CHARGEABLE = ("TIME", "FIXED")
NEVER_CHANGED = "1970-01-01T00:00:00.000+00:00"  # the store's stamp: the API keeps no modification time


def put_project_records(store: SandboxStore, tenant: str, object_name: str, records: list[dict]) -> None:
    """Projects, project users or time entries in Xero's shape, stored as the emulator serves them."""
    store.put_many(SYSTEM, tenant, object_name, [(r[IDS[object_name]], r, NEVER_CHANGED) for r in records])


class Refused(ValueError):
    """A request the Projects API answers with 400 and its message."""


class ProjectsApi:
    """The Projects API's reads, routed on the Xero emulator (which authenticates and limits them)."""

    def __init__(self, store: SandboxStore, tenant_of: Callable[[Request], str]):
        self.store = store
        self.tenant_of = tenant_of

    def routes(self) -> list[tuple[str, str, Callable[[Request], Response]]]:
        return [
            ("GET", f"{PROJECTS_API}/(?i:projects)", self.projects),
            ("GET", f"{PROJECTS_API}/(?i:projectsusers)", self.users),
            ("GET", f"{PROJECTS_API}/(?i:projects)/(?P<project>[^/]+)", self.project),
            ("GET", f"{PROJECTS_API}/(?i:projects)/(?P<project>[^/]+)/(?i:tasks)", self.tasks),
            ("GET", f"{PROJECTS_API}/(?i:projects)/(?P<project>[^/]+)/(?i:time)", self.time),
        ]

    @staticmethod
    def error(status: int, message: str) -> Response:
        return Response(status, {"message": message, "modelState": {}})

    def projects(self, request: Request) -> Response:
        def wanted(project: dict) -> bool:
            return (
                _among(project.get("projectId"), request.query.get("projectIds"))
                and _among(project.get("contactId"), request.query.get("contactID"))
                and _among(project.get("status"), request.query.get("states"), PROJECT_STATES)
            )

        return self._paged(request, lambda tenant: self.store.list(SYSTEM, tenant, "Projects"), wanted)

    def users(self, request: Request) -> Response:
        return self._paged(request, lambda tenant: self.store.list(SYSTEM, tenant, "ProjectsUsers"), lambda _: True)

    def project(self, request: Request) -> Response:
        found = self._project(request)
        return found if isinstance(found, Response) else Response(200, found)

    def tasks(self, request: Request) -> Response:
        project = self._project(request)
        if isinstance(project, Response):
            return project

        def wanted(task: dict) -> bool:
            return _among(task.get("taskId"), request.query.get("taskIds")) and _among(
                task.get("chargeType"), request.query.get("chargeType"), CHARGE_TYPES
            )

        return self._paged(request, lambda tenant: self._of(tenant, "ProjectTasks", project), wanted)

    def time(self, request: Request) -> Response:
        project = self._project(request)
        if isinstance(project, Response):
            return project
        query, tenant = request.query, self.tenant_of(request)
        try:
            after, before = _moment(query.get("dateAfterUtc")), _moment(query.get("dateBeforeUtc"))
            chargeable = _flag(query.get("isChargeable"))
        except Refused as refused:
            return self.error(400, str(refused))
        charged = {t["taskId"]: t.get("chargeType") for t in self._of(tenant, "ProjectTasks", project)}

        def wanted(entry: dict) -> bool:
            try:
                logged = _moment(entry.get("dateUtc"))
            except Refused:  # a stored entry whose date is not one: outside any date filter
                logged = None
            return (
                _among(entry.get("userId"), query.get("userId"))
                and _among(entry.get("taskId"), query.get("taskId"))
                and _among(entry.get("invoiceId"), query.get("invoiceId"))
                and _among(project.get("contactId"), query.get("contactId"))
                and _among(entry.get("status"), query.get("states"), TIME_STATES)
                and (chargeable is None or (charged.get(entry.get("taskId")) in CHARGEABLE) == chargeable)
                and (after is None or (logged is not None and logged >= after))
                and (before is None or (logged is not None and logged <= before))
            )

        return self._paged(request, lambda tenant: self._of(tenant, "ProjectTime", project), wanted)

    def _of(self, tenant: str, object_name: str, project: dict) -> list[dict]:
        """A project's tasks or time, looked up by the project as Xero's index does."""
        return self.store.list_where(SYSTEM, tenant, object_name, PROJECT_PATH, [project["projectId"]])

    def _project(self, request: Request) -> dict | Response:
        found = self.store.get(SYSTEM, self.tenant_of(request), "Projects", request.params["project"].lower())
        return found if found is not None else self.error(404, "The project could not be found")

    def _paged(self, request: Request, listed: Callable[[str], list[dict]], wanted: Callable[[dict], bool]) -> Response:
        try:
            page, size = _number(request, "page", 1, None, 1), _number(request, "pageSize", 1, MAX_PAGE_SIZE, PAGE_SIZE)
            items = [item for item in listed(self.tenant_of(request)) if wanted(item)]
        except Refused as refused:
            return self.error(400, str(refused))
        pagination = {
            "page": page,
            "pageSize": size,
            "pageCount": math.ceil(len(items) / size),
            "itemCount": len(items),
        }
        return Response(200, {"pagination": pagination, "items": items[(page - 1) * size : page * size]})


def _number(request: Request, name: str, low: int, high: int | None, default: int) -> int:
    text = request.query.get(name)
    if text is None:
        return default
    if not text.isdigit() or int(text) < low or (high is not None and int(text) > high):
        raise Refused(f"{name} must be a number from {low}" + (f" to {high}" if high else ""))
    return int(text)


def _among(value: object, listed: str | None, allowed: tuple[str, ...] = ()) -> bool:
    """Whether `value` is one of a comma-separated filter's values (no filter: any value); a filter on an
    enumeration names only its values."""
    if not listed:
        return True
    values = {v.strip().casefold() for v in listed.split(",") if v.strip()}
    unknown = values - {a.casefold() for a in allowed} if allowed else set()
    if unknown:
        raise Refused(f"unknown state {sorted(unknown)[0]!r}: one of {', '.join(allowed)}")
    return str(value).casefold() in values


def _flag(text: str | None) -> bool | None:
    if text is None:
        return None
    if text.lower() not in ("true", "false"):
        raise Refused(f"{text!r} is not true or false")
    return text.lower() == "true"


def _moment(text: object) -> datetime | None:
    if text is None or text == "":
        return None
    try:
        moment = datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError:
        raise Refused(f"{text!r} is not an ISO 8601 date and time") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
