"""Flattening one night of a source object into the typed frame its contract checks, in one SQL
query: JSON literals, strictly typed values, and references resolved against the same system's raw
snapshot of the night (set-based joins, not per-row lookups)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

import polars as pl

from checks.contract import ABSENT, JSON_TYPE_NAMES, SQL_TYPES, UNPARSEABLE, Contract, Field
from resources.extraction import MS_DATE
from sql import IDENTIFIER, load
from sql.tables import raw_table

# the canonical build and reconciliation read the warehouse into pandas, whose timestamps are
# nanoseconds: dates outside their range are left untyped here (and fail parsing), so that no valid
# record carries one
PANDAS_DATES = "DATE '1678-01-01' AND DATE '2261-12-31'"
# the same range in milliseconds since the epoch, for dates sent that way (`/Date(ms+0000)/`)
PANDAS_MS = (-9214560000000, 9214646399999)  # 1678-01-01, 2261-12-31 23:59:59.999 UTC
TYPE_ENUM = "ENUM(" + ", ".join(f"'{t}'" for t in JSON_TYPE_NAMES) + ")"
SLICE = "hash(entity, record_id) % $slices"
SLICE_FILTER = f" AND {SLICE} = $slice"
RECHECKED = "rechecked_rows"  # a temporary table of the raw rows to check (assets/validation/night.py)
RECHECKED_FILTER = f" AND rowid IN (SELECT raw_row FROM {RECHECKED})"


def _fragment(f: Field) -> str:
    return f'"{f.name}__v"'


def _typed(f: Field) -> str:
    """The fragment as a value of its kind; NULL when absent, null, of another JSON type, or unparseable."""
    text = f"json_extract_string({_fragment(f)}, '$')"
    types = ", ".join(f"'{t}'" for t in f.json_types)
    value = text
    if f.in_string:  # a number as a string: a plain decimal only (not 'nan', 'inf' or '1e3' TRY_CAST takes)
        number = f"TRY_CAST({text} AS {SQL_TYPES[f.kind]})"
        value = (
            f"CASE WHEN json_type({_fragment(f)}) <> 'VARCHAR' OR regexp_full_match({text}, '\\s*-?\\d+(\\.\\d+)?\\s*') "
            f"THEN {number} END"
        )
    elif f.form == "ms":
        milliseconds = f"TRY_CAST(regexp_extract({text}, '{MS_DATE}', 1) AS BIGINT)"
        moment = f"epoch_ms({milliseconds})"  # a TIMESTAMP in UTC
        in_range = f"{milliseconds} BETWEEN {PANDAS_MS[0]} AND {PANDAS_MS[1]}"
        value = f"CASE WHEN {in_range} THEN {moment}{'::DATE' if f.kind == 'date' else ''} END"
    elif f.kind == "date":
        value = (
            f"CASE WHEN regexp_full_match({text}, '\\d{{4}}-\\d{{2}}-\\d{{2}}') "
            f"AND TRY_CAST({text} AS DATE) BETWEEN {PANDAS_DATES} THEN TRY_CAST({text} AS DATE) END"
        )
    elif f.kind == "timestamp":
        moment = f"TRY_CAST({text} AS TIMESTAMPTZ)"
        value = f"CASE WHEN {moment}::DATE BETWEEN {PANDAS_DATES} THEN {moment} AT TIME ZONE 'UTC' END"
    elif f.kind in SQL_TYPES:
        value = f"TRY_CAST({text} AS {SQL_TYPES[f.kind]})"
    return f"CASE WHEN json_type({_fragment(f)}) IN ({types}) THEN {value} END"


def _json_type(f: Field) -> str:
    """As an enum: a small dictionary, not a string a row."""
    json_type = f"coalesce(json_type({_fragment(f)}), '{ABSENT}')"
    if f.in_string:  # an empty string is no value; any other that is no number is unparseable
        empty = f"trim(json_extract_string({_fragment(f)}, '$')) = ''"
        json_type = (
            f"""CASE WHEN {json_type} = 'VARCHAR' AND "{f.name}" IS NULL THEN CASE WHEN {empty} THEN 'NULL' """
            f"ELSE '{UNPARSEABLE}' END ELSE {json_type} END"
        )
    elif f.kind in ("date", "timestamp"):
        json_type = (
            f"""CASE WHEN {json_type} = 'VARCHAR' AND "{f.name}" IS NULL THEN '{UNPARSEABLE}' ELSE {json_type} END"""
        )
    return f"CAST({json_type} AS {TYPE_ENUM})"


def _sent(f: Field) -> str:
    """The literal as sent where the typed value cannot stand for it (mistyped, unparseable, money
    whose decimals are checked); NULL otherwise, which keeps the frame light."""
    literal = f"{_fragment(f)}::VARCHAR"
    return literal if f.kind == "money" else f'CASE WHEN "{f.name}" IS NULL THEN {literal} END'


def frame_sql(contract: Contract, source_table: str, one_slice: bool = False, only_rechecked: bool = False) -> str:
    """The typed frame of `source_table` (the raw or valid table of the contract's object) for
    `$snapshot_date`, with `$horizon` and `$earliest` carried as columns for the date rules, and each
    record's `slice` of `$slices` (by a hash of its id within its entity: duplicate ids share one);
    `one_slice`: only the records of slice `$slice`, whose payloads alone are parsed; `only_rechecked`:
    only the rows the temporary table `rechecked_rows` names (assets/validation/night.py makes it).

    Each payload is parsed once (every path in one json_extract) and each value typed once
    (`typed`); references are joins against the same system's raw snapshot of the night."""
    for table in (source_table, *(raw_table(contract.system, r.object) for r in contract.references)):
        if not IDENTIFIER.match(table):
            raise ValueError(f"not a plain table name: {table!r}")
    paths = ", ".join(f"'{f.json_path}'" for f in contract.fields)
    derived = "".join(f', {expression} AS "{column}"' for column, expression in contract.derived.items())
    fragments = ", ".join(f"fragments[{n}] AS {_fragment(f)}" for n, f in enumerate(contract.fields, start=1))
    ctes = [
        f"parsed AS (SELECT rowid AS raw_row, entity, record_id, {SLICE} AS slice, "
        f"json_extract(payload, [{paths}]) AS fragments{derived} FROM {source_table} "
        f"WHERE snapshot_date = $snapshot_date{SLICE_FILTER if one_slice else ''}"
        f"{RECHECKED_FILTER if only_rechecked else ''})",
        f"fragmented AS (SELECT * EXCLUDE (fragments), {fragments} FROM parsed)",
        "typed AS (SELECT *, " + ", ".join(f'{_typed(f)} AS "{f.name}"' for f in contract.fields) + " FROM fragmented)",
    ]
    joins, looked_up = [], []
    for n, reference in enumerate(contract.references):
        fetched = "".join(
            f", any_value(TRY_CAST(json_extract_string(payload, '$.{path}') AS {sql_type})) AS \"{column}\""
            for column, (path, sql_type) in reference.fetch.items()
        )
        ctes.append(
            f"target_{n} AS (SELECT entity, record_id{fetched} "
            f"FROM {raw_table(contract.system, reference.object)} "
            f"WHERE snapshot_date = $snapshot_date AND record_id IS NOT NULL GROUP BY entity, record_id)"
        )
        value = f'typed."{reference.field}"'
        joins.append(f"LEFT JOIN target_{n} ON target_{n}.entity = typed.entity AND target_{n}.record_id = {value}")
        looked_up.append(
            f'CASE WHEN {value} IS NOT NULL THEN target_{n}.record_id IS NOT NULL END AS "{reference.field}__resolves"'
        )
        looked_up += [f'target_{n}."{column}"' for column in reference.fetch]
    if contract.parent:
        parent = contract.derived.get(contract.parent) or f"json_extract_string(payload, '$.{contract.parent}')"
        ctes.append(
            load("validation/parent_cycles.sql", raw_table=raw_table(contract.system, contract.object)).replace(
                "$parent_of_payload", parent
            )
        )
        joins.append("LEFT JOIN cycles ON cycles.entity = typed.entity AND cycles.record_id = typed.record_id")
        looked_up.append("cycles.record_id IS NOT NULL AS in_cycle")
    columns = [
        "typed.slice",
        "typed.raw_row",
        "typed.entity",
        "typed.record_id",
        "CASE WHEN typed.record_id IS NOT NULL THEN typed.entity || ':' || typed.record_id END AS record_key",
        "$horizon::TIMESTAMP AS horizon",
        "$earliest::TIMESTAMP AS earliest",
        *(f'{_sent(f)} AS "{f.name}__json"' for f in contract.fields),
        *(f'{_json_type(f)} AS "{f.name}__type"' for f in contract.fields),
        *(f'typed."{f.name}"' for f in contract.fields),
        *(f'typed."{column}"' for column in contract.derived),
        *looked_up,
    ]
    return (
        f"WITH RECURSIVE {', '.join(ctes)}\nSELECT {', '.join(columns)}\nFROM typed {' '.join(joins)}\n"
        "ORDER BY typed.slice, typed.raw_row"
    )


TYPED_NIGHT = "typed_night"


@contextmanager
def typed_night(
    connection,
    contract: Contract,
    source_table: str,
    snapshot_date: date,
    horizon: date,
    earliest: date,
    slices: int,
    only_slice: int | None = None,
    only_rechecked: bool = False,
) -> Iterator[None]:
    """The night's typed frame (`only_slice`: that slice's; `only_rechecked`: the rows `rechecked_rows` names)
    as a temporary table of this connection, ordered by slice, while the block runs: the payloads are
    read and parsed once, and each slice is then read from typed columns (slicing the raw table instead
    read every payload again for each slice)."""
    parameters = {"snapshot_date": snapshot_date, "horizon": horizon, "earliest": earliest, "slices": slices}
    if only_slice is not None:
        parameters["slice"] = only_slice
    connection.execute(
        f"CREATE OR REPLACE TEMP TABLE {TYPED_NIGHT} AS {frame_sql(contract, source_table, only_slice is not None, only_rechecked)}",
        parameters,
    )
    try:
        yield
    finally:
        connection.execute(f"DROP TABLE IF EXISTS temp.{TYPED_NIGHT}")


def typed_frame(connection, slice_: int) -> pl.DataFrame:
    """One slice of the typed night (`typed_night`), as a polars frame over DuckDB's Arrow vectors."""
    return connection.sql(
        f"SELECT * EXCLUDE (slice) FROM temp.{TYPED_NIGHT} WHERE slice = $slice ORDER BY raw_row",
        params={"slice": slice_},
    ).pl()
