"""The concerns set by environment variables: the warehouse, the sources, the schedules and the
alerts. The README's settings table lists every variable."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlparse
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dagster import DefaultScheduleStatus, EnvVar
from pydantic import Field, SecretStr, ValidationInfo, field_validator, model_validator

from resources.cutover import configured
from resources.sandbox import EMBEDDED_SOURCES
from resources.settings.base import EnvironmentSettings
from resources.settings.crm import ApiName, CrmFields, distinct
from resources.warehouse import MEMORY


def web_address(value: str) -> str:
    if value and urlparse(value).scheme not in ("http", "https"):
        raise ValueError("must be an http(s) URL")
    return value


class WarehouseSettings(EnvironmentSettings):
    home: Path = Path(".tieout")
    warehouse: Path | None = None
    warehouse_memory_limit: str = Field(default="3GB", pattern=MEMORY.pattern)
    raw_nights_kept: int | None = 7  # None: every night stays in the warehouse

    @field_validator("raw_nights_kept", mode="before")
    @classmethod
    def nights_or_all(cls, value: Any) -> int | None:
        """At least one night: tonight's incremental load folds its changes onto the newest one."""
        if value == "all":
            return None
        number = str(value).strip()
        if not number.isdigit() or int(number) < 1:
            raise ValueError("must be a whole number of nights, at least 1, or all")
        return int(number)

    @property
    def root(self) -> Path:
        """Where the embedded default keeps its warehouse, sandbox and Dagster storage."""
        return self.home.resolve()

    @property
    def database(self) -> Path:
        return self.warehouse or self.root / "warehouse.duckdb"


# Each source's URL setting, and the credentials it cannot work without besides its token.
SOURCE_CREDENTIALS = {
    "salesforce_instance_url": (),
    "harvest_base_url": ("harvest_account_id",),
    "quickbooks_base_url": (),
    "xero_base_url": (),
    "hubspot_base_url": (),
}
OAUTH_APP = ("client_id", "client_secret", "refresh_token")  # in place of an access token: refreshed
STATIC_TOKEN_ONLY = frozenset({"hubspot"})  # a private app's token: no OAuth app to refresh it


class SourcesSettings(EnvironmentSettings):
    """The vendors' URLs and credentials; a source without a URL is served by the sandbox. The
    settings `<system>_<field>` configure that system's resource; unset, the resource's default
    applies (the custom fields' names, the API version). A source takes an access token, or an OAuth
    app (client id, secret and refresh token) whose refreshed tokens `token_store` keeps."""

    salesforce_instance_url: str = ""
    salesforce_access_token: SecretStr = SecretStr("")
    salesforce_client_id: SecretStr = SecretStr("")
    salesforce_client_secret: SecretStr = SecretStr("")
    salesforce_refresh_token: SecretStr = SecretStr("")
    salesforce_token_url: str = ""
    salesforce_api_version: str | None = None
    salesforce_legal_entity_field: ApiName | None = None
    salesforce_psa_client_id_field: ApiName | None = None
    salesforce_erp_customer_id_field: ApiName | None = None
    salesforce_open_ar_field: ApiName | None = None
    salesforce_tax_id_field: ApiName | None = None
    salesforce_billing_model_field: ApiName | None = None
    salesforce_psa_project_id_field: ApiName | None = None
    harvest_base_url: str = ""
    harvest_account_id: SecretStr = SecretStr("")
    harvest_access_token: SecretStr = SecretStr("")
    harvest_client_id: SecretStr = SecretStr("")
    harvest_client_secret: SecretStr = SecretStr("")
    harvest_refresh_token: SecretStr = SecretStr("")
    harvest_token_url: str = ""
    quickbooks_base_url: str = ""
    quickbooks_access_token: SecretStr = SecretStr("")
    quickbooks_client_id: SecretStr = SecretStr("")
    quickbooks_client_secret: SecretStr = SecretStr("")
    quickbooks_refresh_token: SecretStr = SecretStr("")
    quickbooks_token_url: str = ""
    quickbooks_realms: str = ""
    xero_base_url: str = ""
    xero_access_token: SecretStr = SecretStr("")
    xero_client_id: SecretStr = SecretStr("")
    xero_client_secret: SecretStr = SecretStr("")
    xero_refresh_token: SecretStr = SecretStr("")
    xero_token_url: str = ""
    xero_tenants: str = ""
    erp_cutovers: str = ""
    hubspot_base_url: str = ""
    hubspot_access_token: SecretStr = SecretStr("")
    ledger_url: SecretStr | None = None  # a SQLAlchemy URL, whose password is a secret
    ledger_drop_dir: str = ""
    token_store: Path | None = None
    embedded_sources: str = Field(default=EMBEDDED_SOURCES, pattern=r"^[\w.]+:\w+$")
    sandbox_dir: Path | None = None
    sandbox_size: str = "demo"

    _urls = field_validator(
        "salesforce_instance_url",
        "harvest_base_url",
        "quickbooks_base_url",
        "xero_base_url",
        "hubspot_base_url",
        "salesforce_token_url",
        "harvest_token_url",
        "quickbooks_token_url",
        "xero_token_url",
    )(web_address)

    @field_validator("quickbooks_realms", "xero_tenants")
    @classmethod
    def company_per_entity(cls, value: str, info: ValidationInfo) -> str:
        """The ERP's company of each legal entity: a QuickBooks realm id, a Xero tenant id."""
        try:
            companies = json.loads(value) if value else {}
        except json.JSONDecodeError:
            companies = None
        if not isinstance(companies, dict):
            example = '{"US": "9130..."}' if info.field_name == "quickbooks_realms" else '{"UK": "6f1b2a3c-..."}'
            company = "realm id" if info.field_name == "quickbooks_realms" else "Xero tenant id"
            raise ValueError(f"must be JSON: legal entity code to {company}, {example}")
        return value

    @field_validator("erp_cutovers")
    @classmethod
    def cutover_per_entity(cls, value: str) -> str:
        """Legal entities moving from one ERP to another (resources/cutover.py)."""
        configured(value)
        return value

    @field_validator("ledger_url")
    @classmethod
    def database_url(cls, value: SecretStr | None) -> SecretStr | None:
        """A SQLAlchemy URL (`sqlite:////path`, `mysql+pymysql://...`, `postgresql+psycopg2://...`)."""
        if value is not None and "://" not in value.get_secret_value():
            raise ValueError("must be a SQLAlchemy database URL, e.g. postgresql+psycopg2://user@host/ledger")
        return value

    def of_resource(self, system: str) -> dict[str, Any]:
        """The settings of `system`'s resource that are set, by the resource's field names. A secret
        goes as `EnvVar`, so the run config the UI shows names the variable, not the secret."""
        prefix = f"{system}_"
        return {
            name.removeprefix(prefix): EnvVar(self.variable(name)) if isinstance(value, SecretStr) else value
            for name in sorted(self.model_fields_set)
            if name.startswith(prefix) and (value := getattr(self, name))
        }

    @model_validator(mode="after")
    def one_crm_field_each(self) -> SourcesSettings:
        named = {
            self.variable(f"salesforce_{name}_field"): getattr(self, f"salesforce_{name}_field") or default
            for name, default in CrmFields()
        }
        distinct(named)
        return self

    @model_validator(mode="after")
    def credentials_with_url(self) -> SourcesSettings:
        """A source URL set without its credentials is refused before a night starts, rather than
        found by every request failing."""
        for url, needed in SOURCE_CREDENTIALS.items():
            missing = [self.variable(name) for name in needed if not getattr(self, name).get_secret_value()]
            system = url.partition("_")[0]
            app = [] if system in STATIC_TOKEN_ONLY else [f"{system}_{name}" for name in OAUTH_APP]
            if not getattr(self, f"{system}_access_token").get_secret_value() and not (
                app and all(getattr(self, name).get_secret_value() for name in app)
            ):
                token = self.variable(f"{system}_access_token")
                missing.append(f"{token} (or {', '.join(self.variable(name) for name in app)})" if app else token)
            if getattr(self, url) and missing:
                raise ValueError(
                    f"{self.variable(url)} is set without {' and '.join(missing)}: "
                    "set them too, or unset it to use the sandbox"
                )
        return self

    @model_validator(mode="after")
    def cutover_companies(self) -> SourcesSettings:
        """A configured ERP must name the company of each entity moving to or from it: without one, the
        entity would have no books on one side of the date."""
        companies = {"quickbooks": "quickbooks_realms", "xero": "xero_tenants"}
        cutovers = configured(self.erp_cutovers)
        in_both = set(json.loads(self.quickbooks_realms or "{}")) & set(json.loads(self.xero_tenants or "{}"))
        if in_both - set(cutovers):
            raise ValueError(
                f"{', '.join(sorted(in_both - set(cutovers)))} has a company in QuickBooks and in Xero: a legal entity "
                f"keeps its books in one ERP, or moves between them by a cutover ({self.variable('erp_cutovers')})"
            )
        for entity, cutover in cutovers.items():
            for system in (cutover.former, cutover.current):
                setting = companies.get(system)  # the ledger names its entities in its own companies table
                if (
                    setting
                    and getattr(self, f"{system}_base_url")
                    and entity not in json.loads(getattr(self, setting) or "{}")
                ):
                    raise ValueError(
                        f"{self.variable('erp_cutovers')} moves {entity} to or from {system}, "
                        f"but {self.variable(setting)} names no company of {entity}"
                    )
        return self


class ScheduleSettings(EnvironmentSettings):
    """The nightly partitions and when the schedules run; they run only where `TIEOUT_SCHEDULES=on`."""

    first_snapshot_date: date = date(2025, 1, 1)
    timezone: str = "UTC"
    nightly_hour: int = Field(default=2, ge=0, le=23)
    nightly_minute: int = Field(default=0, ge=0, le=59)
    writeback_hour: int = Field(default=4, ge=0, le=23)
    writeback_minute: int = Field(default=0, ge=0, le=59)
    schedules: Literal["on", "off"] = "off"

    @property
    def status(self) -> DefaultScheduleStatus:
        return DefaultScheduleStatus.RUNNING if self.schedules == "on" else DefaultScheduleStatus.STOPPED

    def last_night(self, now: datetime) -> date:
        """The night a run at `now` reconciles: the day that last ended in the firm's zone."""
        return now.astimezone(ZoneInfo(self.timezone)).date() - timedelta(days=1)

    @field_validator("timezone")
    @classmethod
    def known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError("not a time zone name, e.g. UTC or Europe/Amsterdam") from None
        return value


class AlertSettings(EnvironmentSettings):
    """The Slack-compatible webhook for alerts; its URL holds a secret."""

    alert_webhook_url: SecretStr | None = None

    @field_validator("alert_webhook_url")
    @classmethod
    def http_url(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None:
            web_address(value.get_secret_value())
        return value
