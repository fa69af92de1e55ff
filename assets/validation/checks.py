"""The asset checks of every valid asset, shown in the Dagster UI with their failure cases, run
together in one step per asset (one warehouse connection, not three steps' overhead):

- `quarantine_share` (blocking): the night's quarantined share is within its threshold and the
  counts balance; when it fails, nothing downstream of the object runs on that night;
- `contract`: the valid table itself passes the pandera contract (re-checked from the warehouse: by
  default one slice of the night, a different one each night, since the whole night repeats the
  validation's own pass; config/quality.yaml `contract_recheck`, docs/decisions.md 44), and no valid
  record of the night is one its quarantine names;
- `schema_drift` (warning): the vendor's payload has no field the contract does not know and lacks
  no required one.
"""

from datetime import date

import pandas as pd
from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetChecksDefinition,
    AssetCheckSeverity,
    AssetCheckSpec,
    MetadataValue,
)
from dagster_duckdb import DuckDBResource

from assets.nightly import nightly_check, nightly_checks, with_connectors
from assets.validation.factory import configured_contract, shaping_connectors, valid_key
from assets.validation.night import QUARANTINE, SCHEMA_DRIFT, contract_failures, valid_table
from checks import rules
from checks.contract import Contract
from resources.settings.quality import QualitySettings
from sql import load
from sql.tables import raw_table


def markdown(frame: pd.DataFrame) -> str:
    """Failure cases as a markdown table; values cannot break the table (pipes, newlines)."""
    if frame.empty:
        return "_none_"
    cells = (
        frame.astype(object)
        .where(frame.notna(), "")
        .map(lambda v: str(v).replace("|", "\\|").replace("\n", " ").replace("\r", " ")[:120])
    )
    return cells.to_markdown(index=False)


def validation_checks_of(system: str, object_name: str) -> AssetChecksDefinition:
    key = valid_key(system, object_name)

    def spec(name: str, description: str, blocking: bool = False) -> AssetCheckSpec:
        return nightly_check(name, key, description, blocking)

    @nightly_checks(
        name=f"check_{system}__{object_name.lower()}",
        specs=[
            spec(
                "quarantine_share",
                f"At most the configured share (config/quality.yaml) of the night's {system} "
                f"{object_name} records is quarantined, and extracted = valid + quarantined. Blocking: the stages "
                "downstream do not run on a night that fails it.",
                blocking=True,
            ),
            spec(
                "contract",
                f"The valid {system} {object_name} records pass every rule of their pandera contract "
                f"(checks/{system}.py), re-checked from the warehouse: all of them, or past "
                "config/quality.yaml's slice_records one slice of them, a different one each night "
                "(contract_recheck); and none of the night's valid records is one its quarantine names.",
            ),
            spec(
                "schema_drift",
                f"The {system} {object_name} payloads carry no field the contract does not know "
                "(kept and reported) and lack no required field (those records are quarantined).",
            ),
        ],
    )
    @with_connectors(shaping_connectors(system))
    def validation_checks(context: AssetCheckExecutionContext, warehouse: DuckDBResource, **connectors):
        settings, snapshot_date = QualitySettings.load(), date.fromisoformat(context.partition_key)
        contract = configured_contract(system, object_name, connectors)
        with warehouse.get_connection() as connection:
            yield quarantine_share(connection, system, object_name, snapshot_date, settings)
            yield contract_holds(connection, contract, snapshot_date, settings)
            yield schema_drift(connection, system, object_name, snapshot_date)

    return validation_checks


def quarantine_share(
    connection, system: str, object_name: str, snapshot_date: date, settings: QualitySettings
) -> AssetCheckResult:
    threshold = settings.threshold(system, object_name)
    extracted, valid = connection.execute(
        load(
            "validation/night_counts.sql",
            raw_table=raw_table(system, object_name),
            valid_table=valid_table(system, object_name),
        ),
        {"snapshot_date": snapshot_date},
    ).fetchone()
    quarantine = connection.execute(
        f"SELECT entity, record_id, rule, field, value, detail FROM {QUARANTINE} "
        "WHERE snapshot_date = ? AND system = ? AND object = ? ORDER BY rule, entity, record_id",
        [snapshot_date, system, object_name],
    ).df()
    quarantined = extracted - valid
    share = quarantined / extracted if extracted else 0.0
    rules = quarantine["rule"].value_counts().to_dict()
    passed = share <= threshold
    worst = ", ".join(f"{rule} ({n})" for rule, n in list(rules.items())[:3])
    message = (
        f"{quarantined} of {extracted} {system} {object_name} records quarantined ({share:.1%}, "
        f"threshold {threshold:.1%})" + (f": {worst}" if worst else "")
    )
    if not passed:
        message += (
            f". Above the threshold: the stages downstream of {system} {object_name} do not run on "
            f"{snapshot_date}; see quality.quarantine."
        )
    return AssetCheckResult(
        check_name="quarantine_share",
        asset_key=valid_key(system, object_name),
        passed=passed,
        severity=AssetCheckSeverity.ERROR,
        description=message,
        metadata={
            "extracted": MetadataValue.int(extracted),
            "valid": MetadataValue.int(valid),
            "quarantined": MetadataValue.int(quarantined),
            "share": MetadataValue.float(round(share, 6)),
            "threshold": MetadataValue.float(threshold),
            "rules_broken": MetadataValue.json(rules),
            "failure_cases": MetadataValue.md(markdown(quarantine.head(settings.failure_sample_rows))),
        },
    )


def contract_holds(connection, contract: Contract, snapshot_date: date, settings: QualitySettings) -> AssetCheckResult:
    system, object_name = contract.system, contract.object
    outcome = contract_failures(
        connection,
        contract,
        valid_table(system, object_name),
        snapshot_date,
        settings,
        one_slice=settings.contract_recheck == "slice",
    )
    cases = outcome.cases
    schema = contract.schema
    rules_checked = sorted(
        {check.name.split(":")[0] for check in schema.checks}
        | {check.name for column in schema.columns.values() for check in column.checks}
    )
    checked = (
        f"{outcome.records} valid records"
        if outcome.slice_checked is None
        else f"{outcome.records} of {outcome.night_records} valid records (slice {outcome.slices_checked}, "
        "a different one each night)"
    )
    # the whole night's ids against its quarantine: a wrongly kept record shows whichever slice is re-checked
    kept = connection.execute(
        load("validation/kept_quarantined.sql", valid_table=valid_table(system, object_name)),
        {"snapshot_date": snapshot_date, "system": system, "object": object_name, "id_missing": rules.ID_MISSING},
    ).df()
    broken = cases["raw_row"].nunique()
    problems = [f"{broken} valid records break the contract"] if broken else []
    if len(kept):
        problems.append(
            f"{len(kept)} valid records are quarantined tonight (the valid table and the validation disagree)"
        )
    failures = pd.concat([cases[["entity", "record_id", "rule", "field", "value"]], kept], ignore_index=True)
    return AssetCheckResult(
        check_name="contract",
        asset_key=valid_key(system, object_name),
        passed=not problems,
        severity=AssetCheckSeverity.ERROR,
        description=(
            f"{checked} pass all {len(rules_checked)} rules"
            if not problems
            else f"{'; '.join(problems)}; {checked} re-checked"
        ),
        metadata={
            "records": MetadataValue.int(outcome.records),
            "night_records": MetadataValue.int(outcome.night_records),
            "slices": MetadataValue.text(outcome.slices_checked),
            "kept_quarantined": MetadataValue.int(len(kept)),
            "rules_checked": MetadataValue.json(rules_checked),
            "failure_cases": MetadataValue.md(markdown(failures.head(settings.failure_sample_rows))),
        },
    )


def schema_drift(connection, system: str, object_name: str, snapshot_date: date) -> AssetCheckResult:
    drift = connection.execute(
        f"SELECT field, change, records FROM {SCHEMA_DRIFT} WHERE snapshot_date = ? AND system = ? "
        "AND object = ? ORDER BY change, field",
        [snapshot_date, system, object_name],
    ).df()
    said = {
        "new": "new field '{field}' in {records} records (kept in the payload)",
        "missing": "required field '{field}' missing from {records} records (quarantined)",
    }
    lines = [said[row.change].format(field=row.field, records=row.records) for row in drift.itertuples()]
    return AssetCheckResult(
        check_name="schema_drift",
        asset_key=valid_key(system, object_name),
        passed=drift.empty,
        severity=AssetCheckSeverity.WARN,
        description="; ".join(lines) or "the payloads match the contract's fields",
        metadata={"drift": MetadataValue.md(markdown(drift))},
    )
