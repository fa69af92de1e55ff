"""Findings against the sandbox manifest: what is missing and what is extra, per code, and the
precision and recall that follow (the tests assert them; the benchmark prints them).

A planted finding is identified by its code and subject: its `pair` of records when the manifest
lists one (matched codes, cycles), else its legal entity, record ids and document number. Money
findings must also carry the manifest's currency and values."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from decimal import Decimal

import pandas as pd

SYSTEMS = {"salesforce": "crm", "hubspot": "crm", "harvest": "psa", "quickbooks": "erp", "xero": "erp", "ledger": "erp"}
IDENTITY = ("legal_entity", "crm_id", "psa_id", "erp_id", "document_number")
MONEY = ("currency", "expected_value", "actual_value", "amount_difference")


def _text(value) -> str | None:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    return str(value)


def _money(value) -> str | None:
    """A difference as the manifest writes it: two decimals (the warehouse's DECIMAL may come as float)."""
    return None if _text(value) is None else f"{Decimal(str(value)):.2f}"


def _values(record: dict, money: bool) -> tuple:
    values = tuple(_text(record[c]) for c in IDENTITY)
    if money:
        values += (*(_text(record[c]) for c in MONEY[:-1]), _money(record["amount_difference"]))
    return values


def pair_key(pair: Iterable[str]) -> str:
    """A manifest pair (`salesforce:<id>`, ...) as a finding's subject key (`crm:<id>|...`, sorted)."""
    return "|".join(sorted(f"{SYSTEMS[system]}:{record}" for system, record in (p.split(":", 1) for p in pair)))


def manifest_key(planted: dict) -> tuple:
    if planted.get("pair"):
        return planted["code"], pair_key(planted["pair"])
    return planted["code"], *_values(planted, planted.get("amount_difference") is not None)


def finding_key(finding: dict, paired: bool, money: bool) -> tuple:
    if paired:
        return finding["code"], finding["subject_key"]
    return finding["code"], *_values(finding, money)


def findings_vs_manifest(findings: pd.DataFrame, manifest: dict, codes: Iterable[str]) -> dict[str, dict]:
    """Per code: `missing` (planted, not found) and `extra` (found, not planted), as keys. `findings` are
    one night's open findings (recon.findings rows); both empty means the code is exact."""
    result = {}
    for code in codes:
        planted = [f for f in manifest["findings"] if f["code"] == code]
        paired = any(f.get("pair") for f in planted)
        money = any(f.get("amount_difference") is not None for f in planted)
        found = findings[findings["code"] == code].to_dict("records")
        expected = Counter(manifest_key(f) for f in planted)
        actual = Counter(finding_key(f, paired, money) for f in found)
        result[code] = {"missing": sorted(expected - actual, key=str), "extra": sorted(actual - expected, key=str)}
    return result


def precision_recall(findings: pd.DataFrame, manifest: dict, code: str) -> tuple[float, float]:
    """Of the code's findings, the share planted; of the planted, the share found (1.0 when none)."""
    result = findings_vs_manifest(findings, manifest, [code])[code]
    found, planted = int((findings["code"] == code).sum()), sum(f["code"] == code for f in manifest["findings"])
    return (
        (found - len(result["extra"])) / found if found else 1.0,
        (planted - len(result["missing"])) / planted if planted else 1.0,
    )
