"""HubSpot CRM API (a business unit's second CRM, beside Salesforce): companies and deals of one portal,
authenticated by a private app's static token (`Authorization: Bearer`; it does not expire, so there is
no OAuth refresh).

A full sweep lists `GET /crm/v3/objects/{object}` 100 a page with the properties tieout reads and the
associations to companies, following `paging.next.after`. An incremental night searches `POST
/crm/v3/objects/{object}/search` for `hs_lastmodifieddate GTE <watermark>`, sorted by it ascending, 200
a page. Search answers carry no associations, so each changed record's associations to companies are
read by `GET /crm/v4/objects/{object}/{id}/associations/companies` and stored in the list API's shape:
an incremental night costs ceil(c/200) + c requests for c changed records, where a full sweep costs
ceil(n/100) for n records (decision 31 weighs the two). A search reaches at most 10,000 results (HubSpot
answers 400 past them): a night with more changes, or more than `incremental_limit`, is swept in full.

Deletions: archived records leave the list and the search, so an incremental night keeps them until the
weekly full sweep; so does an association change that does not move `hs_lastmodifieddate`.

Limits (a private app): 100 requests per 10 seconds for the portal, and search 5 a second on top, kept
client-side; a 429 (HubSpot sends no Retry-After, its body names the `policyName`) is waited out for the
policy's window; the daily limit is not retried (it frees the next day).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from typing import ClassVar

import requests
from dagster import ConfigurableResource

from resources.extraction import Extraction, RawRecord
from resources.http import ApiClient, ClientRateLimiter, SourceSystemError, account_limiter
from resources.sandbox import SandboxResource
from resources.tokens import StaticToken

log = logging.getLogger("tieout.hubspot")

SYSTEM = "hubspot"
LIST_PAGE, SEARCH_PAGE, SEARCH_WINDOW, ASSOCIATIONS_PAGE = 100, 200, 10_000, 500
PROPERTIES = {
    "companies": (
        "name",
        "domain",
        "psa_client_id",
        "erp_customer_id",
        "legal_entity",
        "open_ar",
        "tax_id",
        "hs_lastmodifieddate",
        "createdate",
    ),
    "deals": (
        "dealname",
        "amount",
        "deal_currency_code",
        "dealstage",
        "closedate",
        "pipeline",
        "hs_is_closed_won",
        "hs_is_closed",
        "billing_model",
        "psa_project_id",
        "hs_lastmodifieddate",
        "createdate",
    ),
}
# the v3 list API's names of HubSpot's own association types, which v4 reports by typeId
V3_TYPE_NAMES = {
    13: "parent_to_child_company",
    14: "child_to_parent_company",
    # the primary association is named plainly; every association (the primary again) is "unlabeled"
    5: "deal_to_company",
    341: "deal_to_company_unlabeled",
    6: "company_to_deal",
    342: "company_to_deal_unlabeled",
}
# how long a 429 of each policy asks to wait, beyond the client's own limits; the daily one is not retried
POLICY_WINDOWS = {"SECONDLY": 1.0, "DAILY": math.inf}


class ChainedLimiter(ClientRateLimiter):
    """Search's own limit (5 a second) on top of the portal's (100 per 10 seconds), which it also counts."""

    def __init__(self, limit: int, window_seconds: float, then: ClientRateLimiter):
        super().__init__(limit, window_seconds)
        self.then = then

    @contextmanager
    def turn(self) -> Iterator[float]:
        with super().turn() as waited, self.then.turn() as then_waited:
            yield waited + then_waited


def epoch_ms(since: str) -> int:
    """The watermark (ISO 8601, UTC) as HubSpot's search compares dates: milliseconds since the epoch."""
    return round(datetime.fromisoformat(since.replace("Z", "+00:00")).timestamp() * 1000)


class HubSpotResource(ConfigurableResource):
    """A HubSpot portal. An empty `base_url` means the sandbox firm's HubSpot unit, where it has one."""

    system: ClassVar[str] = SYSTEM
    objects: ClassVar[tuple[str, ...]] = ("companies", "deals")

    base_url: str = ""
    access_token: str = ""
    sandboxed: bool = True  # no URL means the sandbox's HubSpot; false where the CRM is configured elsewhere
    requests_per_window: int = 100
    window_seconds: float = 10.0
    searches_per_second: int = 5
    incremental_limit: int = 2_000  # more changed records than this: a full sweep is cheaper than v4 reads
    sandbox: SandboxResource

    def portal(self) -> tuple[str, str] | None:
        """The API's address and token: the configured ones; with no URL, the sandbox firm's HubSpot unit,
        none when the firm has none (its runtime serves no HubSpot) or the CRM is configured elsewhere."""
        if self.base_url:
            return self.base_url, self.access_token
        if not self.sandboxed:
            return None
        runtime = self.sandbox.runtime()
        try:
            url = runtime.base_url(self.system)
        except KeyError:
            return None
        return url, runtime.credentials(self.system)["access_token"]

    def clients(self, base_url: str, token: str) -> tuple[ApiClient, ApiClient]:
        """A client for reads and one for search, sharing the portal's limit, the token and one count."""
        burst = account_limiter(
            self.system, base_url, limit=self.requests_per_window, window_seconds=self.window_seconds
        )
        reads = self._client(base_url, token, burst)
        search = self._client(base_url, token, ChainedLimiter(self.searches_per_second, 1.0, then=burst))
        search.stats = reads.stats
        return reads, search

    def _client(self, base_url: str, token: str, limiter: ClientRateLimiter) -> ApiClient:
        return ApiClient(
            system=self.system,
            base_url=base_url,
            headers={"Accept": "application/json"},
            limiter=limiter,
            token=StaticToken(token),
            rate_limit_wait=self.rate_limit_wait,
        )

    def rate_limit_wait(self, response: requests.Response) -> float | None:
        """The wait a HubSpot 429 asks for, by the policy its body names: the rolling window's length,
        a second for search's, never for the daily limit (math.inf); None when the body names none."""
        try:
            policy = response.json().get("policyName")
        except (ValueError, AttributeError):
            return None
        if not policy:
            return None
        return POLICY_WINDOWS.get(policy, self.window_seconds)

    def extract(self, object_name: str, since: str | None, snapshot_date: date | None = None) -> Extraction:
        portal = self.portal()
        if portal is None:  # no HubSpot unit: an empty full snapshot, and no request
            return Extraction(mode="incremental" if since else "full", entities=[] if since else [""])
        reads, search = self.clients(*portal)
        if since:
            changed = self._search(search, reads, object_name, since)
            if changed is not None:
                return changed
        return self._sweep(reads, object_name, "incremental" if since else "full")

    def _sweep(self, client: ApiClient, object_name: str, mode: str) -> Extraction:
        """Every record of the object with its associations to companies, 100 a page."""
        extraction = Extraction(mode=mode, entities=[""], stats=client.stats)
        params: dict = {
            "limit": LIST_PAGE,
            "properties": ",".join(PROPERTIES[object_name]),
            "associations": "companies",
        }
        while True:
            page = extraction.stats.pages = extraction.stats.pages + 1
            body = client.request_json(
                "GET", f"/crm/v3/objects/{object_name}", object_name=object_name, page=page, params=params
            )
            extraction.records += [self._record(item, page) for item in self._results(body, object_name, page)]
            after = ((body.get("paging") or {}).get("next") or {}).get("after")
            if not after:
                return extraction
            params = {**params, "after": after}

    def _search(self, search: ApiClient, reads: ApiClient, object_name: str, since: str) -> Extraction | None:
        """The records changed since the watermark, each with its associations read by v4; None when a
        full sweep is due instead (more changes than search reaches, or than are worth reading one by one)."""
        extraction = Extraction(mode="incremental", stats=search.stats)
        query: dict = {
            "filterGroups": [
                {"filters": [{"propertyName": "hs_lastmodifieddate", "operator": "GTE", "value": str(epoch_ms(since))}]}
            ],
            "sorts": [{"propertyName": "hs_lastmodifieddate", "direction": "ASCENDING"}],
            "properties": list(PROPERTIES[object_name]),
            "limit": SEARCH_PAGE,
        }
        while True:
            page = extraction.stats.pages = extraction.stats.pages + 1
            try:
                body = search.request_json(
                    "POST",
                    f"/crm/v3/objects/{object_name}/search",
                    object_name=f"{object_name} search",
                    page=page,
                    json_body=query,
                    idempotent=True,  # a search reads: sending it again changes nothing
                )
            except SourceSystemError as error:
                if error.status != 400 or "10000" not in error.reason.replace(",", ""):
                    raise
                log.warning("hubspot %s: search stopped at %s results; sweeping in full", object_name, SEARCH_WINDOW)
                return None
            total = body.get("total") if isinstance(body, dict) else None
            if page == 1 and isinstance(total, int) and total > min(self.incremental_limit, SEARCH_WINDOW):
                log.warning(
                    "hubspot %s: %s records changed since %s, past %s (search reaches %s, v4 reads one request "
                    "each): sweeping in full",
                    object_name,
                    total,
                    since,
                    self.incremental_limit,
                    SEARCH_WINDOW,
                )
                return None
            extraction.records += [
                self._record({**item, **self._associations(reads, object_name, item)}, page)
                for item in self._results(body, f"{object_name} search", page)
            ]
            after = ((body.get("paging") or {}).get("next") or {}).get("after")
            if not after:
                return extraction
            query = {**query, "after": after}

    def _associations(self, client: ApiClient, object_name: str, item: dict) -> dict:
        """A record's associations to companies, read by v4 and shaped as the v3 list serves them
        (`{"associations": {"companies": {"results": [{"id", "type"}]}}}`, absent when it has none)."""
        results, params = [], {"limit": ASSOCIATIONS_PAGE}
        while True:
            body = client.request_json(
                "GET",
                f"/crm/v4/objects/{object_name}/{item.get('id')}/associations/companies",
                object_name=f"{object_name} {item.get('id')} associations",
                params=params,
            )
            for edge in self._results(body, f"{object_name} associations", None):
                for kind in edge.get("associationTypes") or []:
                    name = V3_TYPE_NAMES.get(kind.get("typeId")) or str(kind.get("label") or kind.get("typeId"))
                    results.append({"id": str(edge.get("toObjectId")), "type": name})
            after = ((body.get("paging") or {}).get("next") or {}).get("after")
            if not after:
                return {"associations": {"companies": {"results": results}}} if results else {}
            params = {**params, "after": after}

    def _results(self, body, object_name: str, page: int | None) -> list[dict]:
        if not isinstance(body, dict) or not isinstance(body.get("results"), list):
            raise SourceSystemError(self.system, object_name, page, 200, "the response has no 'results' list")
        return body["results"]

    @staticmethod
    def _record(item: dict, page: int) -> RawRecord:
        """As the list API returns it; HubSpot is one portal, so no legal entity."""
        updated = item.get("updatedAt") or (item.get("properties") or {}).get("hs_lastmodifieddate")
        return RawRecord.of("", item, "id", updated, page)
