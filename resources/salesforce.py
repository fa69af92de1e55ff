"""Salesforce REST API (the CRM): SOQL with `nextRecordsUrl` paging, `SystemModstamp` increments.

The custom fields that carry cross-references differ per org, so their names are configuration.
"""

from __future__ import annotations

from datetime import date
from typing import ClassVar

from resources.extraction import Extraction, follow_pages
from resources.http import ApiClient, account_limiter
from resources.sandbox import SandboxResource
from resources.settings.crm import DEFAULT_CRM_FIELDS, CrmFields
from resources.tokens import OAuthConnector

STANDARD_FIELDS = {
    "Account": [
        "Id",
        "Name",
        "ParentId",
        "Website",
        "CurrencyIsoCode",
        "IsDeleted",
        "CreatedDate",
        "LastModifiedDate",
        "SystemModstamp",
    ],
    "Opportunity": [
        "Id",
        "AccountId",
        "Name",
        "StageName",
        "IsWon",
        "IsClosed",
        "Amount",
        "CloseDate",
        "CurrencyIsoCode",
        "IsDeleted",
        "CreatedDate",
        "LastModifiedDate",
        "SystemModstamp",
    ],
}


class SalesforceResource(OAuthConnector):
    """A Salesforce org. An empty `instance_url` means the sandbox firm's Salesforce emulator. A session
    lasts the org's timeout, which the token response does not tell: it is refreshed when the API
    answers INVALID_SESSION_ID (tokens.py); the refresh token does not rotate."""

    system: ClassVar[str] = "salesforce"
    expiry_marker: ClassVar[str] = "INVALID_SESSION_ID"
    objects: ClassVar[tuple[str, ...]] = ("Account", "Opportunity")

    instance_url: str = ""
    api_version: str = "v62.0"
    batch_size: int = 2000
    requests_per_window: int = 25
    window_seconds: float = 1.0
    legal_entity_field: str = DEFAULT_CRM_FIELDS.legal_entity
    psa_client_id_field: str = DEFAULT_CRM_FIELDS.psa_client_id
    erp_customer_id_field: str = DEFAULT_CRM_FIELDS.erp_customer_id
    open_ar_field: str = DEFAULT_CRM_FIELDS.open_ar
    tax_id_field: str = DEFAULT_CRM_FIELDS.tax_id
    billing_model_field: str = DEFAULT_CRM_FIELDS.billing_model
    psa_project_id_field: str = DEFAULT_CRM_FIELDS.psa_project_id
    sandbox: SandboxResource

    def crm_fields(self) -> CrmFields:
        """The custom fields' names, checked (a run's config may set them past the settings)."""
        return CrmFields(**{name: getattr(self, f"{name}_field") for name in CrmFields.model_fields})

    def fields(self, object_name: str) -> list[str]:
        crm = self.crm_fields()
        custom = {
            "Account": [crm.legal_entity, crm.psa_client_id, crm.erp_customer_id, crm.open_ar, crm.tax_id],
            "Opportunity": [crm.legal_entity, crm.billing_model, crm.psa_project_id],
        }
        return STANDARD_FIELDS[object_name] + custom[object_name]

    def default_token_url(self, base_url: str) -> str:
        return base_url.rstrip("/") + "/services/oauth2/token"

    def client(self) -> ApiClient:
        base_url, credentials = self.sandbox.resolve(self.system, self.instance_url, **self.credentials())
        return ApiClient(
            system=self.system,
            base_url=base_url,
            headers={"Sforce-Query-Options": f"batchSize={self.batch_size}"},
            limiter=account_limiter(
                self.system, base_url, limit=self.requests_per_window, window_seconds=self.window_seconds
            ),
            token=self.bearer(base_url, credentials),
            expiry_marker=self.expiry_marker,
        )

    def soql(self, object_name: str, since: str | None) -> str:
        where = f" WHERE SystemModstamp >= {since}" if since else ""
        return f"SELECT {', '.join(self.fields(object_name))} FROM {object_name}{where} ORDER BY Id"

    def extract(self, object_name: str, since: str | None, snapshot_date: date | None = None) -> Extraction:
        return follow_pages(
            self.client(),
            object_name=object_name,
            url=f"/services/data/{self.api_version}/query",
            params={"q": self.soql(object_name, since)},
            since=since,
            list_key="records",
            id_key="Id",
            updated_key="SystemModstamp",
            next_url=lambda body: None if body.get("done", True) else body.get("nextRecordsUrl"),
        )
