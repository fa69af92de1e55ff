"""Match review's decisions in the next night (docs/decisions.md 25): on a private copy of the reconciled
small firm, pairs the matching stage suggested are confirmed or rejected in workbench.match_decisions and
the night's canonical model and reconciliation are built again. A confirmed pair's records share one
global id (link `match_review`, in the cross-reference too) and their finding is gone; a rejected pair
stays two customers and is not suggested; every other finding is as it was, and the checks pass."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import duckdb
import pytest
from dagster import materialize

from assets.canonical import build_canonical_assets, canonical_checks
from assets.reconciliation import reconciliation_assets, reconciliation_checks
from pipelines.resources import build_resources
from tests.reconciliation.conftest import ReconciledFirm, reconciled_small_firm  # noqa: F401 (the fixture)
from tests.reconciliation.exact import query, writable_copy

CODES = {"duplicate": "CUSTOMER_DUPLICATE", "unlinked": "CUSTOMER_UNLINKED_MATCH"}
PAIRS = """
SELECT kind, array_to_string(list_sort([keep_system || ':' || keep_source_id, other_system || ':' || other_source_id]),
                             '|') AS pair_key
FROM recon.customer_match WHERE snapshot_date = ? ORDER BY kind, pair_key
"""


def suggested_pairs(warehouse: Path, night: date) -> list[tuple[str, str]]:
    """The night's suggested pairs: (kind, 'system:source_id|system:source_id')."""
    return query(warehouse, PAIRS, [night])


def records(pair_key: str) -> list[tuple[str, ...]]:
    return [tuple(side.split(":", 1)) for side in pair_key.split("|")]


def rebuild_night(firm: ReconciledFirm, warehouse: Path, monkeypatch: pytest.MonkeyPatch):
    """The night's canonical model and reconciliation built again on `warehouse` (as the next night
    builds them from its own snapshots): the stored valid tables, no vendor asked."""
    monkeypatch.setenv("TIEOUT_WAREHOUSE", str(warehouse))
    monkeypatch.setenv("TIEOUT_HOME", str(warehouse.parent / "home"))
    monkeypatch.setenv("TIEOUT_SANDBOX_DIR", str(firm.sandbox))
    monkeypatch.setenv("TIEOUT_SANDBOX_SIZE", "small")
    result = materialize(
        [*build_canonical_assets({}), *canonical_checks, *reconciliation_assets, *reconciliation_checks],
        partition_key=firm.snapshot_date.isoformat(),
        resources=build_resources(),
        raise_on_error=False,
    )
    assert result.success
    return result


def customers(warehouse: Path, night: date, pair_key: str) -> dict[tuple[str, ...], tuple[str, str]]:
    """Each record of the pair: (its global id, its link) in canonical.customer."""
    found = {}
    for system, source_id in records(pair_key):
        [(global_id, link)] = query(
            warehouse,
            "SELECT global_id, link FROM canonical.customer WHERE snapshot_date = ? AND system = ? AND source_id = ?",
            [night, system, source_id],
        )
        found[(system, source_id)] = (global_id, link)
    return found


def open_findings(warehouse: Path, night: date) -> set[tuple[str, str]]:
    return set(
        query(
            warehouse,
            "SELECT code, subject_key FROM recon.findings WHERE snapshot_date = ? AND status = 'open'",
            [night],
        )
    )


def decide(warehouse: Path, decisions: list[tuple[str, str]]) -> None:
    """(decision, pair_key) rows as the portal writes them: the lower record first."""
    with duckdb.connect(str(warehouse)) as db:
        for decision, pair_key in decisions:
            (a_system, a_id), (b_system, b_id) = sorted(records(pair_key))
            db.execute(
                'INSERT INTO workbench.match_decisions ("at", actor, decision, a_system, a_source_id, b_system, '
                "b_source_id) VALUES (?, 'test', ?, ?, ?, ?, ?)",
                [datetime(2000, 1, 1), decision, a_system, a_id, b_system, b_id],
            )


def test_confirmed_pairs_join_and_rejected_pairs_are_not_suggested_again(
    reconciled_small_firm: ReconciledFirm,  # noqa: F811
    tmp_path,
    monkeypatch,
):
    firm = reconciled_small_firm
    night = firm.snapshot_date
    warehouse = writable_copy(firm, tmp_path)
    pairs = suggested_pairs(warehouse, night)
    by_kind = {kind: [key for k, key in pairs if k == kind] for kind in CODES}
    # one pair of each kind confirmed, and one duplicate rejected (the small firm plants several of each)
    assert len(by_kind["duplicate"]) >= 2 and by_kind["unlinked"]
    confirmed = [by_kind["unlinked"][0], by_kind["duplicate"][0]]
    rejected = by_kind["duplicate"][1]
    before = open_findings(warehouse, night)
    assert {(CODES[kind], key) for kind, key in pairs} <= before
    # a later decision stands: the rejected pair was confirmed first
    decide(warehouse, [("confirmed", rejected), *[("confirmed", key) for key in confirmed], ("rejected", rejected)])

    rebuild_night(firm, warehouse, monkeypatch)

    for key in confirmed:
        joined = customers(warehouse, night, key)
        assert len({global_id for global_id, _ in joined.values()}) == 1, joined
        assert "match_review" in {link for _, link in joined.values()}
        [global_id] = {global_id for global_id, _ in joined.values()}
        xref = query(
            warehouse,
            "SELECT system, source_id, link FROM canonical.xref WHERE snapshot_date = ? AND entity_type = 'customer' "
            "AND global_id = ?",
            [night, global_id],
        )
        assert set(records(key)) <= {(s, r) for s, r, _ in xref} and "match_review" in {link for *_, link in xref}
    apart = customers(warehouse, night, rejected)
    assert len({global_id for global_id, _ in apart.values()}) == 2
    assert "match_review" not in {link for _, link in apart.values()}

    after_pairs = {key for _, key in suggested_pairs(warehouse, night)}
    assert not set(confirmed) & after_pairs  # one customer: nothing left to match
    assert rejected in after_pairs  # still scored as a pair, but never suggested as a finding
    gone = {(CODES[kind], key) for kind, key in pairs if key in [*confirmed, rejected]}
    assert open_findings(warehouse, night) == before - gone


def test_every_suggested_pair_confirmed_builds_a_night_with_one_finding_per_subject(
    reconciled_small_firm: ReconciledFirm,  # noqa: F811
    tmp_path,
    monkeypatch,
):
    """Confirming every pair (duplicates inside the CRM among them, whose customers have projects and
    opportunities) leaves customers with two records of one system: each finding code still reports a
    subject once (the findings stage refuses a code that repeats one) and no pair is suggested again."""
    firm = reconciled_small_firm
    night = firm.snapshot_date
    warehouse = writable_copy(firm, tmp_path)
    pairs = suggested_pairs(warehouse, night)
    assert {k for k, _ in pairs} == set(CODES)
    assert any(key.startswith("crm:") and key.split("|")[1].startswith("crm:") for _, key in pairs)
    decide(warehouse, [("confirmed", key) for _, key in pairs])

    rebuild_night(firm, warehouse, monkeypatch)

    for _, key in pairs:
        assert len({global_id for global_id, _ in customers(warehouse, night, key).values()}) == 1
    assert not suggested_pairs(warehouse, night)
    assert not {(c, k) for c, k in open_findings(warehouse, night) if c in CODES.values()}
    assert not query(
        warehouse,
        "SELECT code, subject_key FROM recon.findings WHERE snapshot_date = ? GROUP BY ALL HAVING count(*) > 1",
        [night],
    )
