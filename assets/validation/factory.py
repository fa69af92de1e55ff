"""One validation asset per raw snapshot asset: `valid/<system>/<object>`, made the same way for all."""

import time
from datetime import date

from dagster import AssetExecutionContext, AssetKey, MaterializeResult, MetadataValue
from dagster_duckdb import DuckDBResource

from assets.nightly import nightly_asset, with_connectors
from assets.validation.night import NightResult, valid_table, validate_night
from checks import contract_for
from checks.contract import Contract
from resources.settings.crm import DEFAULT_CRM_FIELDS
from resources.settings.quality import QualitySettings


def raw_key(system: str, object_name: str) -> AssetKey:
    return AssetKey(["raw", system, object_name.lower()])


def valid_key(system: str, object_name: str) -> AssetKey:
    return AssetKey(["valid", system, object_name.lower()])


def upstream_keys(contract: Contract) -> list[AssetKey]:
    """The object's own snapshot, and the snapshots its references resolve in."""
    objects = dict.fromkeys([contract.object, *(r.object for r in contract.references)])
    return [raw_key(contract.system, name) for name in objects]


def shaping_connectors(system: str) -> list[str]:
    """The connector whose settings shape the system's contracts: the org's custom field names."""
    return ["salesforce"] if system == "salesforce" else []


def configured_contract(system: str, object_name: str, connectors: dict) -> Contract:
    """The contract as the connectors are configured: the same names the extraction selected."""
    crm = connectors["salesforce"].crm_fields() if "salesforce" in connectors else DEFAULT_CRM_FIELDS
    return contract_for(system, object_name, crm)


def validation_asset(system: str, object_name: str):
    contract = contract_for(system, object_name)

    @nightly_asset(
        key=valid_key(system, object_name),
        deps=upstream_keys(contract),
        group_name=f"valid_{system}",
        kinds=["duckdb", "pandera"],
        description=f"The night's {system} {object_name} records that pass every rule of their contract "
        f"(table `{valid_table(system, object_name)}`); the others go to `quality.quarantine`.",
    )
    @with_connectors(shaping_connectors(system))
    def validate(context: AssetExecutionContext, warehouse: DuckDBResource, **connectors) -> MaterializeResult:
        snapshot_date = date.fromisoformat(context.partition_key)
        configured = configured_contract(system, object_name, connectors)
        started = time.monotonic()
        with warehouse.get_connection() as connection:
            result = validate_night(connection, configured, snapshot_date, QualitySettings.load())
        seconds = time.monotonic() - started
        context.log.info(
            f"{system} {object_name} {snapshot_date}: {result.extracted} extracted, {result.valid} valid, "
            f"{result.quarantined} quarantined, {result.warnings['raw_row'].nunique()} kept with a warning "
            f"in {seconds:.2f}s; {result.rechecked} checked"
            + (f", the others' verdicts carried from {result.carried_from}" if result.carried_from else "")
        )
        if not result.balanced:
            raise RuntimeError(
                f"{system} {object_name} {snapshot_date}: counts do not balance: {result.extracted} "
                f"extracted != {result.valid} valid + {result.quarantined} quarantined"
            )
        return MaterializeResult(metadata=night_metadata(result, seconds, valid_table(system, object_name)))

    return validate


def night_metadata(result: NightResult, seconds: float, table: str) -> dict:
    preview = result.quarantine[["entity", "record_id", "rule", "field", "value"]].head(10)
    return {
        "extracted": MetadataValue.int(result.extracted),
        "valid": MetadataValue.int(result.valid),
        "quarantined": MetadataValue.int(result.quarantined),
        "warnings": MetadataValue.json(result.warnings["rule"].value_counts().sort_index().to_dict()),
        "balance_ok": MetadataValue.bool(result.balanced),
        "rechecked": MetadataValue.int(result.rechecked),
        "verdicts_carried_from": MetadataValue.text(str(result.carried_from or "")),
        "rules_broken": MetadataValue.json(result.rules_broken()),
        "schema_drift": MetadataValue.json(result.drift[["field", "change", "records"]].to_dict("records")),
        "quarantine_preview": MetadataValue.md(preview.to_markdown(index=False) if len(preview) else "_none_"),
        "seconds": MetadataValue.float(round(seconds, 3)),
        "table": MetadataValue.text(table),
    }
