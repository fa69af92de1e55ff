"""One night's findings: every finding code's SQL file run set-based in DuckDB, then ids, owners,
severity and aging derived, and `recon.findings` / `recon.finding_history` replaced for the night.

A finding code is one file `sql/reconciliation/<category>/<code in lower case>.sql` (docs/data-model.md);
the other directories under `sql/reconciliation/` hold this stage's own SQL (matching, findings).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pandas as pd

from assets.warehouse_io import replace_night_from_query
from resources.settings.reconciliation import ReconciliationSettings
from sql import PARAMETER, SQL_DIR, load, run_script

CATEGORIES = ("customer", "engagement", "time_wip", "invoice_cash")
FINDINGS, HISTORY = "recon.findings", "recon.finding_history"
DETECTED_COLUMNS = (
    "code",
    "subject_key",
    "legal_entity",
    "customer_global_id",
    "project_global_id",
    "crm_id",
    "psa_id",
    "erp_id",
    "document_number",
    "currency",
    "expected_value",
    "actual_value",
    "amount_difference",
    "money_at_risk",
    "event_date",
    "detail",
    "confidence",
)
# what every finding states; a file leaves out any other detected column it does not know (NULL)
STATED_COLUMNS = ("code", "subject_key", "legal_entity", "money_at_risk", "detail")
HISTORY_COLUMNS = (
    "snapshot_date",
    "finding_id",
    "code",
    "subject_key",
    "first_seen",
    "last_seen",
    "age_days",
    "status",
)


@dataclass(frozen=True)
class CodeFile:
    category: str
    path: Path

    @property
    def code(self) -> str:
        return self.path.stem.upper()

    @property
    def name(self) -> str:
        return f"reconciliation/{self.category}/{self.path.name}"


def code_files() -> list[CodeFile]:
    """Every finding code's SQL file, by category then code."""
    root = SQL_DIR / "reconciliation"
    return [CodeFile(category, path) for category in CATEGORIES for path in sorted((root / category).glob("*.sql"))]


def detect(connection, code_file: CodeFile, snapshot_date: date, settings: ReconciliationSettings) -> int:
    """Add one code's detections to the `detected` temp table; returns how many it found. A file
    yields only the contract's columns it knows, so the projection is written once here: `detected`
    gives each column its type and a column a file leaves out is NULL. A file must still yield every
    stated column, no other, only its own code, and one row per subject."""
    query = code_file.path.read_text()
    parameters = settings.bound(set(PARAMETER.findall(query)), snapshot_date, code_file.name)
    connection.execute(f"CREATE OR REPLACE TEMP TABLE one_code AS {query}", parameters)
    columns = [
        name
        for (name,) in connection.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'one_code'"
        ).fetchall()
    ]
    unknown = [name for name in columns if name not in DETECTED_COLUMNS]
    unstated = [name for name in STATED_COLUMNS if name not in columns]
    if unknown or unstated:
        raise ValueError(
            f"{code_file.name} yields columns {columns}: unknown {unknown}, missing {unstated} "
            f"(a finding file yields {list(STATED_COLUMNS)} and any of {list(DETECTED_COLUMNS)})"
        )
    rows, codes, subjects, keyless = connection.execute(
        "SELECT count(*), list(DISTINCT code), count(DISTINCT subject_key), count(*) FILTER (WHERE subject_key IS NULL) "
        "FROM one_code"
    ).fetchone()
    if rows and codes != [code_file.code]:
        raise ValueError(f"{code_file.name} yields codes {codes}, expected only {code_file.code}")
    if keyless or subjects != rows:
        raise ValueError(f"{code_file.name}: {rows} rows for {subjects} distinct subject keys ({keyless} without one)")
    connection.execute(f"INSERT INTO detected BY NAME SELECT '{code_file.category}' AS category, * FROM one_code")
    return rows


def code_settings(settings: ReconciliationSettings) -> pd.DataFrame:
    """Owner queue and minimum severity per code (NULL where the configuration names none)."""
    codes = sorted({*settings.owner_queues, *settings.severity.at_least, *(f.code for f in code_files())})
    return pd.DataFrame(
        {
            "code": codes,
            "owner_queue": [settings.owner_queues.get(c) for c in codes],
            "minimum_severity": [settings.severity.at_least.get(c) for c in codes],
        },
        dtype="string",
    )


def severity_parameters(settings: ReconciliationSettings) -> dict[str, float]:
    return {
        "high_money_at_risk": settings.severity.high.money_at_risk,
        "high_age_days": settings.severity.high.age_days,
        "medium_money_at_risk": settings.severity.medium.money_at_risk,
        "medium_age_days": settings.severity.medium.age_days,
    }


def prepare_detection(connection) -> None:
    """The helper macros and the subjects the code files select from (the tie-out's sides among them),
    and an empty `detected` with the findings' own column types: the night's detections before ids,
    severity, owners and aging."""
    for script in ("findings/macros", "findings/subjects", "tieout/sides"):
        run_script(connection, load(f"reconciliation/{script}.sql"))
    connection.execute(
        f"CREATE OR REPLACE TEMP TABLE detected AS SELECT category, {', '.join(DETECTED_COLUMNS)} "
        f"FROM {FINDINGS} LIMIT 0"
    )


def build_findings(connection, snapshot_date: date, settings: ReconciliationSettings) -> dict[str, int]:
    """Replace the night's findings and aging ledger; returns the detections per code."""
    prepare_detection(connection)
    detected = {f.code: detect(connection, f, snapshot_date, settings) for f in code_files()}
    connection.register("finding_codes", code_settings(settings))
    try:
        aged = load("reconciliation/findings/aged.sql")
        parameters = {"snapshot_date": snapshot_date, **severity_parameters(settings)}
        connection.execute(
            f"CREATE OR REPLACE TEMP TABLE aged AS {aged}",
            {name: parameters[name] for name in set(PARAMETER.findall(aged))},
        )
    finally:
        connection.unregister("finding_codes")
    replace_night_from_query(connection, HISTORY, snapshot_date, f"SELECT {', '.join(HISTORY_COLUMNS)} FROM aged")
    replace_night_from_query(connection, FINDINGS, snapshot_date, "SELECT * FROM aged")
    return detected


def night_summary(connection, snapshot_date: date) -> pd.DataFrame:
    """Findings per code and status on the night, with the money at risk of the open ones."""
    return connection.execute(
        f"SELECT code, count(*) FILTER (WHERE status = 'open') AS open, "
        f"count(*) FILTER (WHERE status = 'resolved') AS resolved, "
        f"sum(money_at_risk) FILTER (WHERE status = 'open') AS money_at_risk "
        f"FROM {FINDINGS} WHERE snapshot_date = ? GROUP BY 1 ORDER BY 1",
        [snapshot_date],
    ).df()
