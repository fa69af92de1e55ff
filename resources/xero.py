"""Xero Accounting API 2.0 (a legal entity's ERP, beside QuickBooks): one organisation (tenant) per
legal entity, named in every request by the `Xero-tenant-id` header.

Lists are read from `/api.xro/2.0/<object>` with `page=N` (Xero's pages hold 100 records: a shorter one
ends the list; paged invoices and credit notes carry their line items, unpaged ones do not), archived
contacts with `includeArchived=true`; the organisation is one unpaged record. An incremental night sends
`If-Modified-Since` with the watermark (the previous night's latest `UpdatedDateUTC`, less the overlap)
and gets the records created or changed since.

Deletions: Xero does not delete these records. A voided or deleted invoice or credit note, a deleted
payment and an archived contact stay listed with that `Status`/`ContactStatus` and a new
`UpdatedDateUTC`: they arrive as updates, and no record is ever reported deleted.

Xero Projects (`/projects.xro/2.0`: projects, each project's tasks and time, project users) is read with
the same token, tenant header and limits, 500 records a page (its largest) until the page count its
pagination states. It has no modification filter, so those objects are read whole every night (their
records carry no modification time, so no watermark is ever kept for them): a request per page of
projects, then per page of each project's tasks and of its time.

Xero allows 60 calls a minute per tenant (and 5,000 a day): each tenant's client keeps under the minute
limit itself; a 429 it still meets is waited out by its `Retry-After` (http.py).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from datetime import date
from typing import ClassVar

from resources.cutover import cutovers_of
from resources.extraction import Extraction, RawRecord, each_company
from resources.http import ApiClient, RequestStats, SourceSystemError, account_limiter
from resources.sandbox import SandboxResource
from resources.tokens import OAuthConnector

log = logging.getLogger("tieout.xero")

API = "/api.xro/2.0"
TOKEN_URL = "https://identity.xero.com/connect/token"
PAGE_SIZE = 100  # Xero's page; a page shorter than this is the last
IDS = {
    "Organisation": "OrganisationID",
    "Contacts": "ContactID",
    "Invoices": "InvoiceID",
    "Payments": "PaymentID",
    "CreditNotes": "CreditNoteID",
}
PROJECTS_API = "/projects.xro/2.0"
PROJECTS_PAGE_SIZE = 500  # Xero Projects' largest page
PROJECT_IDS = {
    "Projects": "projectId",
    "ProjectsUsers": "userId",
    "ProjectTasks": "taskId",
    "ProjectTime": "timeEntryId",
}
PER_PROJECT = {"ProjectTasks": "Tasks", "ProjectTime": "Time"}  # listed under each project only
LIST_KEYS = {"Organisation": "Organisations"}  # the response's list, where not named as the object
UNPAGED = {"Organisation"}
WITH_ARCHIVED = {"Contacts"}  # lists that leave archived records out unless asked


class XeroResource(OAuthConnector):
    """Xero organisations by legal entity. An empty `base_url` means the sandbox emulator, whose tenants
    are the firm's legal entities with `"erp": "xero"`. Xero's access tokens last 30 minutes; its
    refresh tokens rotate on every refresh (tokens.py)."""

    system: ClassVar[str] = "xero"
    basic_auth: ClassVar[bool] = True
    objects: ClassVar[tuple[str, ...]] = (
        "Organisation",
        "Contacts",
        "Invoices",
        "Payments",
        "CreditNotes",
        *PROJECT_IDS,
    )

    base_url: str = ""
    tenants: str = ""  # JSON object {"UK": "<Xero tenant id>", ...}
    cutovers: str = ""  # TIEOUT_ERP_CUTOVERS (resources/cutover.py)
    sandboxed: bool = True  # no URL means the sandbox's Xero; false where the ERP is configured elsewhere
    requests_per_window: int = 60  # per tenant
    window_seconds: float = 60.0
    sandbox: SandboxResource

    def companies(self) -> dict[str, str]:
        """Legal entity code -> Xero tenant id: the configured tenants; with no URL, the sandbox firm's
        entities on Xero, unless the deployment's ERP is configured elsewhere (`sandboxed` false: a
        QuickBooks-only firm configures no Xero, and has no Xero entity rather than the sandbox's)."""
        if self.base_url:
            return json.loads(self.tenants) if self.tenants else {}
        if not self.sandboxed:
            return {}
        entities = self.sandbox.runtime().legal_entities()
        return {e["code"]: e["xero_tenant_id"] for e in entities if self.system in (e.get("erp"), e.get("former_erp"))}

    def default_token_url(self, base_url: str) -> str:
        return TOKEN_URL

    def clients(self, tenants: dict[str, str]) -> tuple[dict[str, ApiClient], RequestStats]:
        """A client per tenant, each with its own minute limit, sharing one token and one count."""
        stats = RequestStats()
        if not tenants:  # nothing to read: the sandbox serves Xero only to a firm that has an entity on it
            return {}, stats
        base_url, credentials = self.sandbox.resolve(self.system, self.base_url, **self.credentials())
        token = self.bearer(base_url, credentials)
        clients = {
            tenant: ApiClient(
                system=self.system,
                base_url=base_url,
                headers={"Accept": "application/json", "Xero-tenant-id": tenant},
                limiter=account_limiter(
                    self.system, base_url, tenant, limit=self.requests_per_window, window_seconds=self.window_seconds
                ),
                stats=stats,
                token=token,
                expiry_marker=self.expiry_marker,
            )
            for tenant in tenants.values()
        }
        return clients, stats

    def extract(self, object_name: str, since: str | None, snapshot_date: date | None = None) -> Extraction:
        """Each tenant on its own (extraction.each_company): one whose API fails is reported unavailable
        and the others go on. `since` (ISO 8601, UTC) is sent as If-Modified-Since."""
        tenants = self.companies()
        clients, stats = self.clients(tenants)

        def read(company: Extraction, entity: str, tenant: str) -> None:
            if object_name in PROJECT_IDS:
                self._read_projects(clients[tenant], company, entity, object_name)
            else:
                self._read(clients[tenant], company, entity, object_name, since)

        cutovers = cutovers_of(self.base_url, self.cutovers, self.sandbox) if tenants else {}
        return each_company(self.system, object_name, tenants, since, stats, read, cutovers)

    def _read(
        self, client: ApiClient, extraction: Extraction, entity: str, object_name: str, since: str | None
    ) -> None:
        """Every record of the object in one tenant (changed since `since`, when given), page by page."""
        headers = {"If-Modified-Since": since} if since else None
        params = {"includeArchived": "true"} if object_name in WITH_ARCHIVED else {}
        list_key = LIST_KEYS.get(object_name, object_name)
        number = 1
        while True:
            page = extraction.stats.pages = extraction.stats.pages + 1
            body = client.request_json(
                "GET",
                f"{API}/{object_name}",
                object_name=f"{object_name} ({entity})",
                page=page,
                params=params if object_name in UNPAGED else {**params, "page": number},
                extra_headers=headers,
            )
            if not isinstance(body, dict) or not isinstance(body.get(list_key), list):
                raise SourceSystemError(self.system, object_name, page, 200, f"the response has no '{list_key}' list")
            items = body[list_key]
            extraction.records += [
                RawRecord.of(entity, item, IDS[object_name], item.get("UpdatedDateUTC"), page) for item in items
            ]
            if object_name in UNPAGED or len(items) < PAGE_SIZE:
                break
            number += 1
        if not since:
            extraction.entities.append(entity)

    def _read_projects(self, client: ApiClient, extraction: Extraction, entity: str, object_name: str) -> None:
        """Every record of a Xero Projects object in one tenant: projects and project users in pages, tasks
        and time project by project (the API lists them per project only)."""
        if object_name in PER_PROJECT:
            projects = [p for items in self._project_pages(client, extraction, entity, "Projects") for p in items]
            for project in projects:
                path = f"Projects/{project.get('projectId')}/{PER_PROJECT[object_name]}"
                for items in self._project_pages(client, extraction, entity, path):
                    self._keep(extraction, entity, object_name, items)
        else:
            for items in self._project_pages(client, extraction, entity, object_name):
                self._keep(extraction, entity, object_name, items)
        extraction.entities.append(entity)  # read whole, whatever the night asked

    def _project_pages(self, client: ApiClient, extraction: Extraction, entity: str, path: str) -> Iterator[list]:
        number, count = 1, 1
        while number <= count:
            page = extraction.stats.pages = extraction.stats.pages + 1
            body = client.request_json(
                "GET",
                f"{PROJECTS_API}/{path}",
                object_name=f"{path} ({entity})",
                page=page,
                params={"page": number, "pageSize": PROJECTS_PAGE_SIZE},
            )
            if not isinstance(body, dict) or not isinstance(body.get("items"), list):
                raise SourceSystemError(self.system, path, page, 200, "the response has no 'items' list")
            pagination = body.get("pagination")
            sent = pagination.get("pageCount") if isinstance(pagination, dict) else None
            if sent is not None and (isinstance(sent, bool) or not isinstance(sent, int) or sent < 0):
                raise SourceSystemError(
                    self.system, path, page, 200, f"the pagination's pageCount is not a page count: {str(sent)[:40]!r}"
                )
            count = sent or 0
            yield body["items"]
            number += 1

    def _keep(self, extraction: Extraction, entity: str, object_name: str, items: list) -> None:
        page = extraction.stats.pages
        extraction.records += [RawRecord.of(entity, item, PROJECT_IDS[object_name], None, page) for item in items]
