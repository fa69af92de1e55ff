"""Upgrades: a warehouse the release before migrations wrote (tests/fixtures/warehouse/0.1.0) is
migrated with nothing lost and runs the next night; a warehouse whose history does not fit this code
is refused; correction links survive the findings being rebuilt; derived tables follow their query."""

import subprocess
import sys
from collections import Counter
from datetime import date

import duckdb
import pytest
from dagster import materialize

from assets.canonical import build_canonical_assets, canonical_key
from assets.reconciliation import reconciliation_assets
from assets.reconciliation.assets import FINDINGS_KEY
from pipelines.cli import main
from pipelines.resources import build_resources
from reports.night import load_night
from resources.migrations import known_migrations
from tests.conftest import AS_OF, NEXT_NIGHT, REPO

RELEASE_0_1_0 = REPO / "tests" / "fixtures" / "warehouse" / "0.1.0"
LABELS = [m.label for m in known_migrations()]


def restore(release, warehouse) -> None:
    with duckdb.connect(str(warehouse)) as db:
        db.execute(f"IMPORT DATABASE '{release}'")


def contents(warehouse, night: date | None = None) -> dict[str, tuple[list[str], list[tuple]]]:
    """Every table's column names and rows (in one fixed order), by `schema.table`; with `night`, the
    night's rows of the tables kept by night."""
    with duckdb.connect(str(warehouse), read_only=True) as db:
        tables = db.execute(
            "SELECT DISTINCT schema_name || '.' || table_name FROM duckdb_columns() "
            "WHERE table_oid IN (SELECT table_oid FROM duckdb_tables()) "
            "AND (? IS NULL OR column_name = 'snapshot_date') ORDER BY 1",
            [night],
        ).fetchall()
        found = {}
        for (table,) in tables:
            where = "WHERE snapshot_date = $night" if night else ""
            cursor = db.execute(f"SELECT * FROM {table} {where} ORDER BY ALL", {"night": night} if night else {})
            found[table] = ([d[0] for d in cursor.description], cursor.fetchall())
        return found


def as_before(table: tuple[list[str], list[tuple]], names: list[str]) -> tuple[list[str], list[tuple]]:
    """A table's rows in the columns it had before (in one fixed order); the ones it gained since are
    NULL throughout."""
    found, rows = table
    gained = [found.index(n) for n in found if n not in names]
    assert all(row[i] is None for row in rows for i in gained), [found[i] for i in gained]
    return names, sorted((tuple(row[found.index(n)] for n in names) for row in rows), key=repr)


def columns(warehouse, tables) -> dict[str, list[tuple]]:
    with duckdb.connect(str(warehouse), read_only=True) as db:
        return {
            t: db.execute(
                "SELECT column_name, data_type, is_nullable FROM duckdb_columns() "
                "WHERE schema_name || '.' || table_name = ? ORDER BY column_index",
                [t],
            ).fetchall()
            for t in tables
        }


@pytest.fixture
def upgraded(tmp_path, monkeypatch, capsys):
    """The 0.1.0 warehouse as it was, and as `tieout migrate` left it."""
    warehouse = tmp_path / "warehouse.duckdb"
    monkeypatch.setenv("TIEOUT_WAREHOUSE", str(warehouse))
    restore(RELEASE_0_1_0, warehouse)
    before = contents(warehouse)
    assert main(["migrate"]) == 0
    assert capsys.readouterr().out == "".join(f"applied {label}\n" for label in LABELS) + (
        f"warehouse {warehouse}: at {LABELS[-1]}\n"
    )
    return warehouse, before


def test_the_release_before_migrations_upgrades_with_nothing_lost(upgraded, tmp_path, monkeypatch, capsys):
    warehouse, before = upgraded
    after = contents(warehouse)
    new = {"meta.migrations", "corrections.finding_links", "raw.companies", "raw.superseded_snapshots"}
    new |= {"workbench.finding_actions", "workbench.night_explanations"}
    new |= {"workbench.match_decisions"}
    new |= {"workbench.period_signoffs"}  # 0008
    new |= {"raw.ledger_files"}  # 0010
    new |= {"quality.validated_nights"}  # 0011
    assert set(after) == set(before) | new
    kept = set(before) - {"recon.findings", "raw.load_log"}
    assert {t: after[t] for t in kept} == {t: before[t] for t in kept}
    # raw.load_log keeps every row and column and gains, empty, the refetch (0004) and archive (0005) columns
    names, rows = before["raw.load_log"]
    assert after["raw.load_log"][0] == [*names, "refetched_by", "archive_path", "archived_at"]
    assert Counter(after["raw.load_log"][1]) == Counter((*r, None, None, None) for r in rows)
    # recon.findings keeps every row and column but the links, which moved to corrections.finding_links
    names, rows = before["recon.findings"]
    link = names.index("correction_id")
    assert after["recon.findings"][0] == names[:link] + names[link + 1 :]
    assert Counter(after["recon.findings"][1]) == Counter(r[:link] + r[link + 1 :] for r in rows)
    links = [(r[names.index("snapshot_date")], r[names.index("finding_id")], r[link]) for r in rows if r[link]]
    assert links and Counter(after["corrections.finding_links"][1]) == Counter(links)
    assert after["raw.companies"][1] == after["raw.superseded_snapshots"][1] == []
    assert after["workbench.finding_actions"][1] == after["workbench.night_explanations"][1] == []
    assert after["workbench.match_decisions"][1] == []
    assert after["workbench.period_signoffs"][1] == []
    assert after["raw.ledger_files"][1] == []
    assert [(v, n) for v, n, _, _ in after["meta.migrations"][1]] == [(m.version, m.name) for m in known_migrations()]

    # the upgraded warehouse has exactly the fixed tables a new one gets
    assert main(["migrate"]) == 0
    assert capsys.readouterr().out == f"warehouse {warehouse}: at {LABELS[-1]}\n"
    fresh = tmp_path / "fresh.duckdb"
    monkeypatch.setenv("TIEOUT_WAREHOUSE", str(fresh))
    assert main(["migrate"]) == 0
    made = list(contents(fresh))
    assert columns(warehouse, made) == columns(fresh, made)


def test_a_changed_migration_or_a_newer_warehouse_is_refused(upgraded, monkeypatch, capsys):
    warehouse, _ = upgraded
    with duckdb.connect(str(warehouse)) as db:
        db.execute("UPDATE meta.migrations SET checksum = 'edited' WHERE version = 2")
        (applied_on,) = db.execute("SELECT applied_at::DATE FROM meta.migrations WHERE version = 2").fetchone()
    as_left = contents(warehouse)
    changed = (
        f"tieout: migration {LABELS[1]} changed since it was applied on {applied_on:%Y-%m-%d} "
        f"(now {LABELS[1]}.sql): applied migrations never change; put the change in a new one\n"
    )
    assert main(["migrate"]) == 2
    assert capsys.readouterr().err == changed
    assert main(["corrections", "list"]) == 2  # every way in refuses, not just the command
    assert capsys.readouterr().err == changed
    assert contents(warehouse) == as_left

    with duckdb.connect(str(warehouse)) as db:
        db.execute("UPDATE meta.migrations SET checksum = ? WHERE version = 2", [known_migrations()[1].checksum])
        db.execute("INSERT INTO meta.migrations VALUES (?, 'from_a_later_release', 'x', now())", [len(LABELS) + 1])
    assert main(["migrate"]) == 2
    assert capsys.readouterr().err == (
        f"tieout: the warehouse has migration {len(LABELS) + 1:04d}_from_a_later_release, which this tieout does "
        f"not know (its latest is {LABELS[-1]}): it was written by a newer release; run that release or one after it\n"
    )


def test_a_derived_table_gains_the_column_its_query_adds(upgraded):
    """As if 0.1.0 had written canonical.legal_entity before its home_currency column existed."""
    warehouse, _ = upgraded
    earlier = date.fromordinal(AS_OF.toordinal() - 1)
    with duckdb.connect(str(warehouse)) as db:
        expected = db.execute(
            "SELECT legal_entity, home_currency FROM canonical.legal_entity WHERE snapshot_date = ? ORDER BY 1", [AS_OF]
        ).fetchall()
        db.execute(
            "INSERT INTO canonical.legal_entity SELECT * REPLACE (? AS snapshot_date) FROM canonical.legal_entity",
            [earlier],
        )
        db.execute("ALTER TABLE canonical.legal_entity DROP COLUMN home_currency")
    legal_entity = [a for a in build_canonical_assets({}) if a.key == canonical_key("legal_entity")]
    assert materialize(legal_entity, partition_key=AS_OF.isoformat(), resources=build_resources()).success
    with duckdb.connect(str(warehouse), read_only=True) as db:
        rows = db.execute(
            "SELECT snapshot_date, legal_entity, home_currency FROM canonical.legal_entity ORDER BY ALL"
        ).fetchall()
    assert rows == [(earlier, e, None) for e, _ in expected] + [(AS_OF, e, c) for e, c in expected]
    assert len(expected) == 3 and all(c for _, c in expected)


def test_the_next_night_runs_on_the_upgraded_warehouse(tieout_env, tmp_path, monkeypatch):
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster"))
    restore(RELEASE_0_1_0, tieout_env)
    night_before = contents(tieout_env, AS_OF)
    ran = subprocess.run(  # its own process: the code location reads the settings once, at import
        [sys.executable, "-m", "pipelines.cli", "run", "--date", NEXT_NIGHT, "--mode", "full"],  # full: any day
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert ran.returncode == 0, ran.stderr[-2000:]
    night = date.fromisoformat(NEXT_NIGHT)

    # the release's night is as it was, its correction links included (columns added since read NULL)
    kept = contents(tieout_env, AS_OF)
    assert {t: as_before(kept[t], night_before[t][0]) for t in night_before if t != "recon.findings"} == {
        t: as_before(night_before[t], night_before[t][0]) for t in night_before if t != "recon.findings"
    }
    with duckdb.connect(str(tieout_env), read_only=True) as db:
        realms = dict(
            db.execute(
                "SELECT legal_entity, realm_id FROM canonical.legal_entity WHERE snapshot_date = ?", [AS_OF]
            ).fetchall()
        )
        read = dict(
            db.execute(
                "SELECT entity, company_id FROM raw.companies WHERE snapshot_date = ? AND object = 'CompanyInfo'",
                [night],
            ).fetchall()
        )
        built = dict(
            db.execute(
                "SELECT legal_entity, realm_id FROM canonical.legal_entity WHERE snapshot_date = ?", [night]
            ).fetchall()
        )
        links = db.execute(
            "SELECT finding_id, correction_id FROM corrections.finding_links WHERE snapshot_date = ?", [night]
        ).fetchall()
    # the realms come from the raw layer, as the connector read them
    assert read == built == realms and len(realms) == 3

    # the canonical stage runs without a QuickBooks connector; rebuilding the findings keeps their links
    without_quickbooks = {k: v for k, v in build_resources().items() if k != "quickbooks"}
    assert materialize(build_canonical_assets({}), partition_key=NEXT_NIGHT, resources=without_quickbooks).success
    findings = [a for a in reconciliation_assets if FINDINGS_KEY in a.keys]
    assert materialize(findings, partition_key=NEXT_NIGHT, resources=without_quickbooks).success
    with duckdb.connect(str(tieout_env), read_only=True) as db:
        assert (
            dict(
                db.execute(
                    "SELECT legal_entity, realm_id FROM canonical.legal_entity WHERE snapshot_date = ?", [night]
                ).fetchall()
            )
            == realms
        )
        report = load_night(db, night)
    assert links and {(f["finding_id"], f["correction_id"]) for f in report.findings if f["correction_id"]} == set(
        links
    )
