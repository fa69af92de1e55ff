"""Customer matching: tieout's matcher (sql/reconciliation/matching/customer_match.sql) against splink
(Fellegi-Sunter with term-frequency adjustment, on DuckDB), on a night's canonical.customer.

    python -m benchmarks.matching --warehouse <warehouse.duckdb> --manifest <manifest.json> [--date 2026-11-20]

The manifest's CUSTOMER_DUPLICATE and CUSTOMER_UNLINKED_MATCH findings are the true pairs (the
acceptance kit's or the sandbox's manifest). Both matchers see the same candidates: pairs no
cross-reference ties (tieout's rule). Prints precision, recall, F1 and seconds per matcher.
splink is optional (not a runtime dependency): without it only tieout's row is printed.
"""

from __future__ import annotations

import argparse
import json
import time
from datetime import date
from functools import partial

import duckdb

from assets.reconciliation.matching import MATCH_SQL
from resources.settings.reconciliation import ReconciliationSettings
from sql import PARAMETER, load
from sql.customer_name import install

CODES = ("CUSTOMER_DUPLICATE", "CUSTOMER_UNLINKED_MATCH")
SYSTEMS = {"salesforce": "crm", "harvest": "psa", "quickbooks": "erp"}


def true_pairs(manifest: dict) -> set[frozenset]:
    """The planted pairs as {(system, source_id), ...}: the sandbox's `pair`, or the kit's ids."""
    pairs = set()
    for f in manifest.get("findings") or manifest["expected_findings"]:
        if f["code"] not in CODES:
            continue
        if "pair" in f:
            pairs.add(frozenset((SYSTEMS[p.split(":")[0]], p.split(":", 1)[1]) for p in f["pair"]))
            continue
        ids = [(s, str(f[k])) for s, k in (("crm", "crm_id"), ("psa", "psa_id"), ("erp", "erp_id")) if f[k]]
        system = ids[0][0]
        pairs.add(frozenset(ids if len(ids) == 2 else [ids[0], (system, str(f["other_ids"][0]))]))
    return pairs


def tieout_pairs(connection, night: date) -> set[frozenset]:
    query = load(MATCH_SQL)
    parameters = ReconciliationSettings.load().bound(set(PARAMETER.findall(query)), night, MATCH_SQL)
    rows = connection.execute(query, parameters).fetchall()
    columns = [d[0] for d in connection.description]
    found = [dict(zip(columns, row)) for row in rows]
    return {
        frozenset([(r["keep_system"], r["keep_source_id"]), (r["other_system"], r["other_source_id"])]) for r in found
    }


def splink_pairs(connection, night: date, threshold: float) -> set[frozenset]:
    """splink's Fellegi-Sunter model on the same records: the prior from the deterministic keys, m by
    EM, u by random sampling, term frequencies on the normalised name; pairs at or above the match
    probability `threshold` that no cross-reference ties."""
    import splink.comparison_library as cl
    from splink import Linker, SettingsCreator, block_on
    from splink.backends.duckdb import DuckDBAPI

    records = connection.execute(
        """
        SELECT system || ':' || source_id AS unique_id, system, source_id, global_id, normalized_name,
               nullif(regexp_replace(upper(tax_id), '[^A-Z0-9]', '', 'g'), '') AS tax_key, web_domain, currency,
               legal_entity, list(system) OVER (PARTITION BY global_id) AS linked_systems
        FROM canonical.customer WHERE snapshot_date = ?""",
        [night],
    ).df()
    settings = SettingsCreator(
        link_type="dedupe_only",
        blocking_rules_to_generate_predictions=[
            block_on("substr(normalized_name, 1, 4)"),
            block_on("tax_key"),
            block_on("web_domain"),
        ],
        comparisons=[
            cl.JaroWinklerAtThresholds("normalized_name", [0.95, 0.88]).configure(term_frequency_adjustments=True),
            cl.ExactMatch("tax_key"),
            cl.ExactMatch("web_domain"),
            cl.ExactMatch("currency"),
            cl.ExactMatch("legal_entity"),
        ],
    )
    linker = Linker(
        DuckDBAPI().register(
            records[["unique_id", "normalized_name", "tax_key", "web_domain", "currency", "legal_entity"]]
        ),
        settings,
    )
    linker.training.estimate_probability_two_random_records_match(
        [block_on("tax_key"), block_on("web_domain"), block_on("normalized_name")], recall=0.8
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("substr(normalized_name, 1, 4)"))
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("tax_key"))
    predicted = linker.inference.predict(threshold_match_probability=threshold).as_pandas_dataframe()
    by_id = records.set_index("unique_id")
    pairs = set()
    for left, right in zip(predicted["unique_id_l"], predicted["unique_id_r"]):
        a, b = by_id.loc[left], by_id.loc[right]
        linked = a.global_id == b.global_id or (
            a.system != b.system and (b.system in list(a.linked_systems) or a.system in list(b.linked_systems))
        )
        if not linked:
            pairs.add(frozenset([(a.system, a.source_id), (b.system, b.source_id)]))
    return pairs


def scores(found: set, truth: set) -> tuple[float, float, float]:
    hits = len(found & truth)
    precision, recall = hits / len(found) if found else 1.0, hits / len(truth) if truth else 1.0
    return precision, recall, 2 * precision * recall / (precision + recall) if hits else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warehouse", required=True)
    parser.add_argument("--manifest", required=True)
    parser.add_argument("--date", default="2026-11-20")
    args = parser.parse_args()
    night, truth = date.fromisoformat(args.date), true_pairs(json.load(open(args.manifest)))
    connection = duckdb.connect(args.warehouse, read_only=True)
    install(connection)
    matchers = [("tieout", tieout_pairs)]
    try:
        import splink  # noqa: F401

        matchers += [(f"splink p>={threshold}", partial(splink_pairs, threshold=threshold)) for threshold in (0.5, 0.9)]
    except ImportError:
        print("splink not installed: tieout only")
    print(f"{'matcher':15} {'pairs':>5} {'true':>5} {'precision':>9} {'recall':>6} {'F1':>5} {'seconds':>7}")
    for name, matcher in matchers:
        started = time.monotonic()
        try:
            found = matcher(connection, night)
        except ValueError as error:  # splink's EM can drive an m probability to 0 on a small firm
            print(f"{name:15} failed: {str(error).splitlines()[0]}")
            continue
        seconds = time.monotonic() - started
        precision, recall, f1 = scores(found, truth)
        print(f"{name:15} {len(found):5} {len(truth):5} {precision:9.3f} {recall:6.3f} {f1:5.3f} {seconds:7.2f}")


if __name__ == "__main__":
    main()
