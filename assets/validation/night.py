"""One object's night through its contract: flattened and checked, split into the valid layer and
the quarantine, schema drift recorded, all three replaced for the night. An incremental night checks
only what changed and carries the other records' verdict (`revalidate`, docs/decisions.md 45)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import cache
from pathlib import Path

import duckdb
import pandas as pd
import pandera
import polars

from assets.warehouse_io import replace_night_from_query
from checks import rules
from checks.contract import Contract
from checks.failures import COLUMNS, failures
from checks.frame import RECHECKED, frame_sql, typed_frame, typed_night
from resources.settings.quality import QualitySettings
from resources.transactions import atomic
from sql import load
from sql.tables import raw_table

QUARANTINE = "quality.quarantine"
WARNINGS = "quality.warnings"
SCHEMA_DRIFT = "quality.schema_drift"
VALIDATED_NIGHTS = "quality.validated_nights"


def valid_table(system: str, object_name: str) -> str:
    return f"valid.{system}__{object_name.lower()}"


@dataclass
class NightResult:
    extracted: int
    valid: int
    quarantined: int  # records (a record breaking several rules counts once)
    quarantine: pd.DataFrame  # one row per record and rule broken
    warnings: pd.DataFrame  # one row per kept record and warning rule (checks.rules.WARNING_RULES)
    drift: pd.DataFrame
    rechecked: int = 0  # records typed and checked tonight (the others carried their verdict)
    carried_from: date | None = None  # the night verdicts were carried from

    @property
    def balanced(self) -> bool:
        return self.extracted == self.valid + self.quarantined

    def rules_broken(self) -> dict[str, int]:
        return self.quarantine["rule"].value_counts().sort_index().to_dict()


@dataclass
class ContractOutcome:
    records: int  # checked
    cases: pd.DataFrame  # one row per record and rule broken: raw_row, entity, record_id, rule, field, value, detail
    warnings: pd.DataFrame  # the same for the rules that keep their records (checks.rules.WARNING_RULES)
    night_records: int = 0  # the night's, of which `records` were checked
    slices: int = 1  # the night's slices
    slice_checked: int | None = None  # the one slice checked, when not all were

    @property
    def slices_checked(self) -> str:
        """ "all", or which one: "3 of 22"."""
        return "all" if self.slice_checked is None else f"{self.slice_checked + 1} of {self.slices}"


def contract_failures(
    connection,
    contract: Contract,
    source_table: str,
    snapshot_date: date,
    settings: QualitySettings,
    one_slice: bool = False,
    only_rechecked: bool = False,
) -> ContractOutcome:
    """Every rule the night's records of `source_table` break: the night is typed once in DuckDB
    (`typed_night`, which spills past its memory limit) and checked one slice at a time, so that only
    one slice's polars frame is ever in Python's memory. `one_slice`: only one slice of the night,
    a different one each night (all of them in as many nights as there are slices); `only_rechecked`: only
    the rows the temporary table `rechecked_rows` names (made by `rechecked_rows()`)."""
    horizon = snapshot_date + timedelta(days=settings.future_grace_days)
    (total,) = connection.execute(
        f"SELECT count(*) FROM {source_table} WHERE snapshot_date = ?", [snapshot_date]
    ).fetchone()
    (checked,) = connection.execute(f"SELECT count(*) FROM {RECHECKED}").fetchone() if only_rechecked else (total,)
    if not checked:  # an object the firm does not use (another ERP's, say), or nothing changed: nothing to type
        return ContractOutcome(0, pd.DataFrame(columns=COLUMNS), pd.DataFrame(columns=COLUMNS), total)
    slices = -(-checked // settings.slice_records)
    only = snapshot_date.toordinal() % slices if one_slice and slices > 1 else None
    records, cases = 0, []
    with typed_night(
        connection, contract, source_table, snapshot_date, horizon, settings.earliest_date, slices, only, only_rechecked
    ):
        for slice_ in range(slices) if only is None else [only]:
            frame = typed_frame(connection, slice_)
            cases.append(failures(contract, frame))
            records += len(frame)
    cases = pd.concat(cases, ignore_index=True)
    warned = cases["rule"].isin(rules.WARNING_RULES)
    return ContractOutcome(
        records, cases[~warned].reset_index(drop=True), cases[warned].reset_index(drop=True), total, slices, only
    )


def validate_night(connection, contract: Contract, snapshot_date: date, settings: QualitySettings) -> NightResult:
    system, object_name = contract.system, contract.object
    source = raw_table(system, object_name)
    key = {"snapshot_date": snapshot_date, "system": system, "object": object_name}
    fingerprint = contract_fingerprint(contract, source, settings)
    # a night validated again carries nothing from its earlier validation until this one is whole
    connection.execute(
        f"DELETE FROM {VALIDATED_NIGHTS} WHERE snapshot_date = $snapshot_date AND system = $system "
        "AND object = $object",
        key,
    )
    load_id, carried_from = carried_from_night(connection, contract, snapshot_date, fingerprint, settings)
    with rechecked_rows(connection, source, {**key, "load_id": load_id, "carried_from": carried_from}):
        outcome = contract_failures(
            connection, contract, source, snapshot_date, settings, only_rechecked=bool(carried_from)
        )
    quarantine = outcome.cases.assign(snapshot_date=snapshot_date, system=system, object=object_name)
    drift = connection.execute(
        load("validation/schema_drift.sql", source_table=source),
        {
            "snapshot_date": snapshot_date,
            "system": system,
            "object": object_name,
            "known": sorted(contract.known),
            "required": contract.required_keys,
        },
    ).df()

    connection.register("quarantined_rows", pd.DataFrame({"raw_row": quarantine["raw_row"].unique().astype("int64")}))
    try:
        valid = replace_night_from_query(
            connection,
            valid_table(system, object_name),
            snapshot_date,
            load("validation/valid_rows.sql", raw_table=source),
            {"snapshot_date": snapshot_date},
        )
    finally:
        connection.unregister("quarantined_rows")
    replace_object_night(
        connection,
        QUARANTINE,
        snapshot_date,
        system,
        object_name,
        quarantine[["snapshot_date", "system", "entity", "object", "record_id", "rule", "field", "value", "detail"]],
    )
    warnings = outcome.warnings.assign(snapshot_date=snapshot_date, system=system, object=object_name)
    replace_object_night(
        connection,
        WARNINGS,
        snapshot_date,
        system,
        object_name,
        warnings[["snapshot_date", "system", "entity", "object", "record_id", "rule", "field", "value", "detail"]],
    )
    replace_object_night(connection, SCHEMA_DRIFT, snapshot_date, system, object_name, drift)
    connection.execute(
        f"INSERT INTO {VALIDATED_NIGHTS} VALUES ($snapshot_date, $system, $object, $load_id, $fingerprint, $records, "
        "$rechecked, $carried_from, $validated_at)",
        {
            **key,
            "load_id": load_id,
            "fingerprint": fingerprint,
            "records": outcome.night_records,
            "rechecked": outcome.records,
            "carried_from": carried_from,
            "validated_at": datetime.now(UTC),
        },
    )
    return NightResult(
        outcome.night_records,
        valid,
        quarantine["raw_row"].nunique(),
        quarantine,
        warnings,
        drift,
        outcome.records,
        carried_from,
    )


@cache
def _rules_source() -> str:
    """The contracts' code (checks/) and the libraries that run it: a change to either may change a verdict."""
    digest = hashlib.sha256(f"{pandera.__version__} {polars.__version__} {duckdb.__version__}".encode())
    for path in sorted(Path(rules.__file__).parent.glob("*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()


def contract_fingerprint(contract: Contract, source_table: str, settings: QualitySettings) -> str:
    """What a record's verdict depends on besides the record: the contract's frame and rules, and the
    date settings. Equal fingerprints on two nights let the later carry the earlier's verdicts."""
    parts = (_rules_source(), frame_sql(contract, source_table), settings.earliest_date, settings.future_grace_days)
    return hashlib.sha256("\n".join(map(str, parts)).encode()).hexdigest()


def carried_from_night(
    connection, contract: Contract, snapshot_date: date, fingerprint: str, settings: QualitySettings
) -> tuple[str | None, date | None]:
    """Tonight's load of the object, and the night its records' verdicts may be carried from (None:
    check every record). Not when `revalidate` is "night"; not for a contract whose verdicts depend on
    other records' values (a parent chain, fields fetched from a referenced record); not when a
    referenced record has gone since that night, or that cannot be told (that night's snapshot of it archived,
    or loaded again after the night was validated)."""
    system, object_name = contract.system, contract.object
    load_id, carried_from, validated_at = connection.execute(
        load("validation/carried_from.sql"),
        {"snapshot_date": snapshot_date, "system": system, "object": object_name, "fingerprint": fingerprint},
    ).fetchone()
    if carried_from is None or settings.revalidate == "night":
        return load_id, None
    if contract.parent or any(r.fetch for r in contract.references):
        return load_id, None
    for target in dict.fromkeys(r.object for r in contract.references):
        (gone,) = connection.execute(
            load("validation/targets_gone.sql", raw_table=raw_table(system, target)),
            {
                "snapshot_date": snapshot_date,
                "carried_from": carried_from,
                "validated_at": validated_at,
                "system": system,
                "object": target,
            },
        ).fetchone()
        if gone != 0:
            return load_id, None
    return load_id, carried_from


@contextmanager
def rechecked_rows(connection, source_table: str, parameters: dict) -> Iterator[None]:
    """The temporary table of the rows an incremental night checks (`parameters["carried_from"]` set),
    while the block runs."""
    if parameters["carried_from"] is None:
        yield
        return
    connection.execute(
        f"CREATE OR REPLACE TEMP TABLE {RECHECKED} AS " + load("validation/rechecked_rows.sql", raw_table=source_table),
        parameters,
    )
    try:
        yield
    finally:
        connection.execute(f"DROP TABLE IF EXISTS temp.{RECHECKED}")


def replace_object_night(
    connection, table: str, snapshot_date: date, system: str, object_name: str, frame: pd.DataFrame
) -> None:
    """Replace one object's rows of the night in a quality table that every object shares (the
    warehouse_io helpers replace a whole night, which here would drop the other objects' rows)."""
    connection.register("object_night", frame)
    try:
        with atomic(connection):
            connection.execute(
                f"DELETE FROM {table} WHERE snapshot_date = ? AND system = ? AND object = ?",
                [snapshot_date, system, object_name],
            )
            connection.execute(f"INSERT INTO {table} BY NAME SELECT * FROM object_night")
    finally:
        connection.unregister("object_night")
