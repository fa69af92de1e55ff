"""Harvest API v2 (the PSA): cursor paging by `links.next`, `updated_since`, 100 requests/15 s."""

from __future__ import annotations

from datetime import date
from typing import ClassVar

from resources.extraction import Extraction, follow_pages
from resources.http import ApiClient, account_limiter
from resources.sandbox import SandboxResource
from resources.tokens import OAuthConnector

TOKEN_URL = "https://id.getharvest.com/api/v2/oauth2/token"


class HarvestResource(OAuthConnector):
    """A Harvest account. An empty `base_url` means the sandbox firm's Harvest emulator. A personal
    access token does not expire; an OAuth app's tokens last 14 days and are refreshed (tokens.py)."""

    system: ClassVar[str] = "harvest"
    objects: ClassVar[tuple[str, ...]] = (
        "clients",
        "projects",
        "users",
        "tasks",
        "task_assignments",
        "user_assignments",
        "time_entries",
        "expenses",
        "invoices",
    )

    base_url: str = ""
    account_id: str = ""
    per_page: int = 2000
    requests_per_window: int = 100
    window_seconds: float = 15.0
    sandbox: SandboxResource

    def default_token_url(self, base_url: str) -> str:
        return TOKEN_URL

    def client(self) -> ApiClient:
        base_url, credentials = self.sandbox.resolve(
            self.system, self.base_url, account_id=self.account_id, **self.credentials()
        )
        return ApiClient(
            system=self.system,
            base_url=base_url,
            headers={"Harvest-Account-Id": credentials["account_id"]},
            limiter=account_limiter(
                self.system,
                base_url,
                credentials["account_id"],
                limit=self.requests_per_window,
                window_seconds=self.window_seconds,
            ),
            token=self.bearer(base_url, credentials),
            expiry_marker=self.expiry_marker,
        )

    def extract(self, object_name: str, since: str | None, snapshot_date: date | None = None) -> Extraction:
        return follow_pages(
            self.client(),
            object_name=object_name,
            url=f"/v2/{object_name}",
            since=since,
            params={"per_page": self.per_page, **({"updated_since": since} if since else {})},
            list_key=object_name,
            id_key="id",
            updated_key="updated_at",
            next_url=lambda body: (body.get("links") or {}).get("next"),
        )
