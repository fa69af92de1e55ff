"""Customer matching for one night: the scored pairs of customer records that no cross-reference ties
(`recon.customer_match`), which CUSTOMER_UNLINKED_MATCH and CUSTOMER_DUPLICATE report."""

from __future__ import annotations

from datetime import date

from assets.warehouse_io import replace_night_from_query
from resources.settings.reconciliation import ReconciliationSettings
from sql import PARAMETER, load

MATCH_TABLE = "recon.customer_match"
MATCH_SQL = "reconciliation/matching/customer_match.sql"


def build_customer_match(connection, snapshot_date: date, settings: ReconciliationSettings) -> int:
    """Replace the night's scored pairs; returns how many reach the suggest threshold."""
    query = load(MATCH_SQL)
    parameters = settings.bound(set(PARAMETER.findall(query)), snapshot_date, MATCH_SQL)
    return replace_night_from_query(connection, MATCH_TABLE, snapshot_date, query, parameters)


def match_summary(connection, snapshot_date: date) -> dict[str, int]:
    """Pairs per kind and method, and how many cross-system links are accepted."""
    rows = connection.execute(
        f"SELECT kind || ':' || method, count(*) FROM {MATCH_TABLE} WHERE snapshot_date = ? GROUP BY 1 ORDER BY 1",
        [snapshot_date],
    ).fetchall()
    (accepted,) = connection.execute(
        f"SELECT count(*) FILTER (WHERE accepted) FROM {MATCH_TABLE} WHERE snapshot_date = ?", [snapshot_date]
    ).fetchone()
    return {**dict(rows), "accepted": accepted}
