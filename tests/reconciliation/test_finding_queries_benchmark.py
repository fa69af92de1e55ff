"""The finding queries' benchmark on the small firm's reconciled night (benchmarks/finding_queries.py): each
code's query finds what the night found, and each bare join the same subjects as its code."""

import duckdb

from benchmarks.finding_queries import FLOORS, measure, report


def test_each_query_and_its_bare_join_find_what_the_night_found(reconciled_small_firm):
    night = reconciled_small_firm.snapshot_date
    results = measure(reconciled_small_firm.warehouse, night)
    with duckdb.connect(str(reconciled_small_firm.warehouse), read_only=True) as db:
        found = dict(
            db.execute(
                "SELECT code, count(*) FROM recon.findings WHERE snapshot_date = ? AND status = 'open' GROUP BY 1",
                [night],
            ).fetchall()
        )
    assert {r["code"]: r["rows"] for r in results if r["rows"]} == found  # a first night: every detection is open
    floors = {r["code"]: (r["floor_rows"], r["rows"]) for r in results if "floor_rows" in r}
    assert set(floors) == set(FLOORS) and all(floor == rows for floor, rows in floors.values()), floors
    planted = {f["code"] for f in reconciled_small_firm.manifest["findings"]}
    assert {code for code, (_, rows) in floors.items() if rows} == set(FLOORS) & planted  # not vacuous
    lines = report(results, top=2)
    assert len(lines) == 3 and [line.split()[0] for line in lines[1:]] == [r["code"] for r in results[:2]]
