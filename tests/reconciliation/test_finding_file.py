"""The contract a finding code's SQL file is held to (docs/data-model.md): it yields the columns it
knows, under the contract's names, and the findings asset gives the rest NULL with the findings' type;
an unknown column, a stated column left out or another code is refused, naming the file."""

import shutil

import duckdb
import pytest

from assets.reconciliation.findings import CodeFile, detect, prepare_detection
from resources.settings.reconciliation import ReconciliationSettings

STATED = "'CUSTOMER_DUPLICATE' AS code, 'crm:1|crm:2' AS subject_key, 'US' AS legal_entity, 0 AS money_at_risk"


@pytest.fixture
def detect_one(reconciled_small_firm, tmp_path):
    """Detect with one code file reading `select`, in a copy of the small firm's reconciled night (the
    subjects the files select from are bound to its tables)."""
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copy(reconciled_small_firm.warehouse, warehouse)
    path = tmp_path / "customer_duplicate.sql"

    def run(select: str) -> duckdb.DuckDBPyConnection:
        path.write_text(select)
        connection = duckdb.connect(str(warehouse))
        prepare_detection(connection)
        detect(
            connection, CodeFile("customer", path), reconciled_small_firm.snapshot_date, ReconciliationSettings.load()
        )
        return connection

    return run


def test_a_column_the_file_leaves_out_is_null_with_the_findings_type(detect_one):
    connection = detect_one(f"SELECT {STATED}, 'Acme twice.' AS detail, 'c1' AS crm_id")
    row = connection.execute(
        "SELECT crm_id, psa_id, amount_difference, typeof(amount_difference), typeof(confidence) FROM detected"
    ).fetchone()
    assert row == ("c1", None, None, "DECIMAL(18,2)", "DOUBLE")


@pytest.mark.parametrize(
    "select, refusal",
    [
        (f"SELECT {STATED}, 'Acme twice.' AS detail, 'c1' AS crm_idd", "unknown ['crm_idd']"),
        (f"SELECT {STATED}", "missing ['detail']"),
        (f"SELECT {STATED.replace('DUPLICATE', 'UNLINKED_MATCH')}, 'Acme.' AS detail", "yields codes"),
    ],
)
def test_a_file_off_the_contract_is_refused(detect_one, select, refusal):
    with pytest.raises(ValueError, match="customer_duplicate.sql") as refused:
        detect_one(select)
    assert refusal in str(refused.value)
