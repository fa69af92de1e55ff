"""QuickBooks Online Accounting API v3 (the ERP): one company (realm) per legal entity.

Full sweeps page the `query` endpoint with STARTPOSITION/MAXRESULTS; incremental nights ask the
`cdc` endpoint, which also reports deletions but only looks back 30 days (a longer gap sweeps the realm)
and returns at most 1000 objects per entity. A busier day pages the records changed since the
watermark through the query endpoint instead (`MetaData.LastUpdatedTime`) and counts the entity
(`count(*)`): deletions that CDC's 1000 left out show as a snapshot larger than that count, which
sweeps the object in full (assets/extraction/factory.py).
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, date, datetime, time, timedelta
from typing import ClassVar

from resources.cutover import cutovers_of
from resources.extraction import Extraction, RawRecord, each_company, read_ahead
from resources.http import ApiClient, SourceSystemError, account_limiter
from resources.sandbox import SandboxResource
from resources.tokens import OAuthConnector

log = logging.getLogger("tieout.quickbooks")

CDC_LOOKBACK = timedelta(days=30)
CDC_MAX_PER_ENTITY = 1000
NAME_LISTS = {"Customer", "Employee", "Item"}  # queries hide inactive ones unless asked
TOKEN_URL = "https://oauth.platform.intuit.com/oauth2/v1/tokens/bearer"


def where(object_name: str, *conditions: str) -> str:
    """A query's where clause; name lists' inactive records are asked for too (queries hide them)."""
    every = [*conditions, *(["Active in (true, false)"] if object_name in NAME_LISTS else [])]
    return f" where {' and '.join(every)}" if every else ""


def cdc_answers(since: str, snapshot_date: date) -> bool:
    """Whether the watermark is within CDC's look-back, counted from the start of the night (UTC)."""
    night = datetime.combine(snapshot_date, time(), UTC)
    return night - datetime.fromisoformat(since.replace("Z", "+00:00")) < CDC_LOOKBACK


class QuickBooksResource(OAuthConnector):
    """QuickBooks companies by legal entity. An empty `base_url` means the sandbox emulator. Intuit's
    access tokens last an hour; its refresh tokens rotate on every refresh (tokens.py)."""

    system: ClassVar[str] = "quickbooks"
    basic_auth: ClassVar[bool] = True
    expiry_marker: ClassVar[str] = "AuthenticationFailed"
    objects: ClassVar[tuple[str, ...]] = (
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

    base_url: str = ""
    realms: str = ""  # JSON object {"US": "<realm id>", ...}
    cutovers: str = ""  # TIEOUT_ERP_CUTOVERS (resources/cutover.py)
    minor_version: int = 75
    page_size: int = 1000
    requests_per_window: int = 500
    window_seconds: float = 60.0
    sandbox: SandboxResource

    def companies(self) -> dict[str, str]:
        """Legal entity code -> realm id: in the sandbox, the firm's entities whose ERP is QuickBooks
        (an entity that names no ERP is one: firms from before Xero)."""
        if self.base_url:
            return json.loads(self.realms)
        entities = self.sandbox.runtime().legal_entities()
        return {
            e["code"]: e["realm_id"]
            for e in entities
            if self.system in (e.get("erp", self.system), e.get("former_erp"))
        }

    def default_token_url(self, base_url: str) -> str:
        return TOKEN_URL

    def client(self) -> ApiClient:
        base_url, credentials = self.sandbox.resolve(self.system, self.base_url, **self.credentials())
        return ApiClient(
            system=self.system,
            base_url=base_url,
            headers={"Accept": "application/json"},
            limiter=account_limiter(
                self.system, base_url, limit=self.requests_per_window, window_seconds=self.window_seconds
            ),
            token=self.bearer(base_url, credentials),
            expiry_marker=self.expiry_marker,
        )

    def extract(self, object_name: str, since: str | None, snapshot_date: date | None = None) -> Extraction:
        """Each company on its own (extraction.each_company): one whose API fails is reported
        unavailable and the others go on. CDC's 30 days are counted from the night's `snapshot_date`,
        so a night's choice between CDC and a sweep does not depend on when it runs; without one, it
        sweeps."""
        client = self.client()

        def read(company: Extraction, entity: str, realm: str) -> None:
            if not (
                since
                and snapshot_date
                and cdc_answers(since, snapshot_date)
                and self._changed_since(client, company, entity, realm, object_name, since)
            ):
                self._sweep(client, company, entity, realm, object_name)

        cutovers = cutovers_of(self.base_url, self.cutovers, self.sandbox)
        return each_company(self.system, object_name, self.companies(), since, client.stats, read, cutovers)

    def _sweep(self, client: ApiClient, extraction: Extraction, entity: str, realm: str, object_name: str) -> None:
        """Every record of the object in one company, page by page."""
        self._pages(client, extraction, entity, realm, object_name, where(object_name))
        extraction.entities.append(entity)

    def _pages(
        self, client: ApiClient, extraction: Extraction, entity: str, realm: str, object_name: str, clause: str
    ) -> None:
        """Every record of the object in one company that the where `clause` selects, page by page (the
        next one asked for while this one is kept: `read_ahead`)."""

        def fetch(_: int, start: int) -> tuple[int, int, list[dict]]:
            query = f"select * from {object_name}{clause} startposition {start} maxresults {self.page_size}"
            body = self._query(client, extraction, entity, realm, object_name, query)
            return start, extraction.stats.pages, body["QueryResponse"].get(object_name, [])

        def after(served: tuple[int, int, list[dict]]) -> int | None:  # a short page is the last
            start, _, items = served
            return start + self.page_size if len(items) == self.page_size else None

        for _, page, items in read_ahead(fetch, 1, after):
            extraction.records += [self._record(entity, item, page) for item in items]

    def _query(
        self, client: ApiClient, extraction: Extraction, entity: str, realm: str, object_name: str, query: str
    ) -> dict:
        page = extraction.stats.pages = extraction.stats.pages + 1
        body = client.request_json(
            "GET",
            f"/v3/company/{realm}/query",
            object_name=f"{object_name} ({entity})",
            page=page,
            params={"query": query, "minorversion": self.minor_version},
        )
        if not isinstance(body, dict) or not isinstance(body.get("QueryResponse"), dict):
            raise SourceSystemError(self.system, object_name, page, 200, "the response has no QueryResponse")
        return body

    def _changed_since(
        self, client: ApiClient, extraction: Extraction, entity: str, realm: str, object_name: str, since: str
    ) -> bool:
        """Fold in the CDC changes (past its cap, the query's); False when CDC refused the watermark and a
        sweep is needed."""
        page = extraction.stats.pages = extraction.stats.pages + 1
        try:
            body = client.request_json(
                "GET",
                f"/v3/company/{realm}/cdc",
                object_name=f"{object_name} ({entity})",
                page=page,
                params={"entities": object_name, "changedSince": since, "minorversion": self.minor_version},
            )
        except SourceSystemError as refused:
            if refused.status != 400:  # QuickBooks counts its 30 days from its own now: a backfilled night
                raise
            log.info("quickbooks %s (%s): CDC refused (%s), sweeping in full", object_name, entity, refused)
            return False
        try:
            responses = body["CDCResponse"][0]["QueryResponse"]
        except (KeyError, IndexError, TypeError) as exc:
            raise SourceSystemError(self.system, object_name, page, 200, f"unexpected CDC response ({exc!r})") from exc
        items = [item for response in responses for item in response.get(object_name, [])]
        capped = len(items) >= CDC_MAX_PER_ENTITY
        for item in items:
            if item.get("status") == "Deleted":  # a deletion CDC reported holds, capped or not
                extraction.deleted.append((entity, str(item.get("Id"))))
            elif not capped:
                extraction.records.append(self._record(entity, item, page))
        if capped:
            log.info("quickbooks %s (%s): CDC hit its cap, paging the changed records", object_name, entity)
            self._updated_since(client, extraction, entity, realm, object_name, since)
        return True

    def _updated_since(
        self, client: ApiClient, extraction: Extraction, entity: str, realm: str, object_name: str, since: str
    ) -> None:
        """The entity's count of records, against which the snapshot is checked for deletions CDC left
        out, then the records changed since the watermark through the query endpoint, oldest change first
        (one changed while the pages are read moves to the end: read twice, which the count catches, not
        skipped). Counted first: a record created while the pages are read makes the snapshot larger than
        the count, the safe side."""
        count = f"select count(*) from {object_name}{where(object_name)}"
        total = self._query(client, extraction, entity, realm, object_name, count)["QueryResponse"].get("totalCount")
        if not isinstance(total, int) or isinstance(total, bool):
            raise SourceSystemError(self.system, object_name, extraction.stats.pages, 200, "count(*) has no totalCount")
        changed = where(object_name, f"MetaData.LastUpdatedTime >= '{since}'") + " orderby MetaData.LastUpdatedTime"
        self._pages(client, extraction, entity, realm, object_name, changed)
        extraction.source_counts[entity] = total

    @staticmethod
    def _record(entity: str, item: dict, page: int) -> RawRecord:
        updated_at = (item.get("MetaData") or {}).get("LastUpdatedTime")
        return RawRecord.of(entity, item, "Id", updated_at, page)
