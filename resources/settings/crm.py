"""The names of the Salesforce org's custom fields tieout reads and corrects. Each org names its own,
so they are configuration, held in one model: the connector's query, the contracts and schema drift,
the canonical SQL and the corrections all take their names from it."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, model_validator

NAME_PART = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)*")
MAX_PART = 40  # Salesforce's limit on a field name (and on a namespace prefix, 15) without `__c`


def api_name(value: str) -> str:
    """Salesforce's shape of a field's API name (`Entity_Code__c`, `ns__Entity_Code__c`, `AccountNumber`):
    it reaches SOQL and SQL, so nothing else is let through."""
    parts = value.split("__")
    custom = len(parts) > 1 and parts[-1] == "c"
    name = parts[:-1] if custom else parts
    if len(name) > (2 if custom else 1) or not all(NAME_PART.fullmatch(p) and len(p) <= MAX_PART for p in name):
        raise ValueError(
            "not a Salesforce field API name: a letter, then letters, digits and single underscores, "
            "e.g. Legal_Entity__c"
        )
    return value


ApiName = Annotated[str, AfterValidator(api_name)]


def distinct(names: dict[str, str]) -> None:
    """Two settings naming one field (Salesforce names are case-insensitive) would read one value twice."""
    seen: dict[str, str] = {}
    for setting, name in names.items():
        if name.lower() in seen:
            raise ValueError(f"{seen[name.lower()]} and {setting} name the same field {name}")
        seen[name.lower()] = setting


class CrmFields(BaseModel):
    """The custom fields by what they hold; unset, the names the sandbox org and the README use."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    legal_entity: ApiName = "Legal_Entity__c"  # Account and Opportunity: the legal entity code
    psa_client_id: ApiName = "PSA_Client_Id__c"  # Account: the Harvest client id
    erp_customer_id: ApiName = "ERP_Customer_Id__c"  # Account: `<entity>:<QuickBooks customer id>`
    open_ar: ApiName = "Open_AR__c"  # Account: the open receivable, a copy of the ERP's
    tax_id: ApiName = "Tax_Id__c"  # Account
    billing_model: ApiName = "Billing_Model__c"  # Opportunity: Fixed Fee or Time and Materials
    psa_project_id: ApiName = "PSA_Project_Id__c"  # Opportunity: the Harvest project id

    @model_validator(mode="after")
    def one_field_each(self) -> CrmFields:
        distinct(dict(self))
        return self

    def parameters(self) -> dict[str, str]:
        """As the canonical SQL binds them: `$legal_entity_field`, ..."""
        return {f"{name}_field": value for name, value in self}


DEFAULT_CRM_FIELDS = CrmFields()
