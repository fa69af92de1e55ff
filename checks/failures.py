"""Running a contract over a typed frame and turning pandera's failure cases into quarantine rows:
one per record and rule broken, naming the vendor's field and the value as sent."""

from __future__ import annotations

import json

import pandas as pd
import pandera.polars as pa
import polars as pl

from checks import rules
from checks.contract import Contract

COLUMNS = ["raw_row", "entity", "record_id", "rule", "field", "value", "detail"]
SUFFIXES = ("__type", "__resolves")


def failures(contract: Contract, frame: pl.DataFrame) -> pd.DataFrame:
    """Every rule each row of `frame` breaks: `raw_row, entity, record_id, rule, field, value, detail`."""
    try:
        contract.schema.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as errors:
        return _rows(contract, frame, errors.failure_cases.to_pandas())
    return pd.DataFrame(columns=COLUMNS)


def _rows(contract: Contract, frame: pl.DataFrame, cases: pd.DataFrame) -> pd.DataFrame:
    unplaced = cases[cases["index"].isna()]
    if not unplaced.empty:  # a column missing or mistyped in the frame itself: a bug in the contract, not data
        raise ValueError(
            f"the {contract.system} {contract.object} contract does not fit its typed frame: "
            + "; ".join(f"{c.check} on {c.column}: {c.failure_case}" for c in unplaced.itertuples())
        )
    rule_and_column = cases["check"].astype(str).str.split(":", n=1, expand=True).reindex(columns=[0, 1])
    cases = cases.assign(rule=rule_and_column[0], column=rule_and_column[1].fillna(cases["column"]))
    cases = cases.drop_duplicates(["index", "rule", "column"])
    base = (
        cases["column"].astype(str).str.replace("|".join(SUFFIXES), "", regex=True).replace("record_key", "record_id")
    )
    positions = cases["index"].astype("int64").tolist()
    records = frame.select("raw_row", "entity", "record_id")[positions]
    return pd.DataFrame(
        {
            "raw_row": records["raw_row"].to_numpy(),
            "entity": records["entity"].to_list(),
            "record_id": records["record_id"].to_list(),
            "rule": cases["rule"].to_numpy(),
            "field": [contract.path_of(column) for column in base],
            "value": [_value_sent(frame, row, column) for row, column in zip(positions, base)],
            "detail": cases["rule"].map(rules.DETAILS).fillna("").to_numpy(),
        },
        columns=COLUMNS,
    )


def _value_sent(frame: pl.DataFrame, row: int, column: str) -> str | None:
    """The offending value as the vendor sent it (strings without their JSON quotes), shortened."""
    value = frame[f"{column}__json"][row] if f"{column}__json" in frame.columns else None
    if value is None and column in frame.columns:
        value = frame[column][row]
    if value is None:
        return None
    text = json.loads(value) if isinstance(value, str) and value.startswith('"') else str(value)
    return text if len(text) <= 200 else text[:200] + f"... ({len(text)} characters)"
