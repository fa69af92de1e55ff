"""Harvest API v2 (the PSA): cursor paging by `links.next`, `updated_since`, 100 requests/15 s."""

from __future__ import annotations

from typing import ClassVar

from dagster import ConfigurableResource

from resources.extraction import Extraction, follow_pages
from resources.http import ApiClient, ClientRateLimiter
from resources.sandbox import SandboxResource


class HarvestResource(ConfigurableResource):
    """A Harvest account. An empty `base_url` means the sandbox firm's Harvest emulator."""

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
    access_token: str = ""
    per_page: int = 2000
    requests_per_window: int = 100
    window_seconds: float = 15.0
    sandbox: SandboxResource

    def client(self) -> ApiClient:
        base_url, credentials = self.sandbox.resolve(
            self.system, self.base_url, account_id=self.account_id, access_token=self.access_token
        )
        return ApiClient(
            system=self.system,
            base_url=base_url,
            headers={
                "Authorization": f"Bearer {credentials['access_token']}",
                "Harvest-Account-Id": credentials["account_id"],
            },
            limiter=ClientRateLimiter(self.requests_per_window, self.window_seconds),
        )

    def extract(self, object_name: str, since: str | None) -> Extraction:
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
