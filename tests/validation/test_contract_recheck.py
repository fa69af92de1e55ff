"""The `contract` check re-reads the valid table from the warehouse: a valid table changed after its
validation fails it. By default it re-checks one slice of a night larger than `slice_records` (the
whole night would repeat the validation's own pass); `contract_recheck: night` re-checks all of it."""

import duckdb
import pytest

from tests.conftest import NEXT_NIGHT, SNAPSHOT_DATE
from tests.validation.night import check_results, record_ids, run_checks, run_night, write_quality_config


@pytest.mark.parametrize("recheck", ["night", "slice"])
def test_a_valid_table_changed_after_its_validation_fails_the_contract_check(
    tieout_env, tmp_path, monkeypatch, recheck
):
    write_quality_config(
        tmp_path / "quality.yaml", monkeypatch, max_quarantine_share=0.1, slice_records=7, contract_recheck=recheck
    )
    night = check_results(run_night(objects=[("harvest", "clients")]))
    assert night[("harvest", "clients", "contract")].passed
    valid = sum(record_ids(tieout_env, "valid", "harvest", "clients").values())
    assert valid > 7  # more than one slice
    with duckdb.connect(str(tieout_env)) as db:
        db.execute("UPDATE valid.harvest__clients SET payload = '{}' WHERE snapshot_date = ?", [SNAPSHOT_DATE])

    result = run_checks("harvest", "clients")

    contract = check_results(result)[("harvest", "clients", "contract")]
    assert not contract.passed
    records = contract.metadata["records"].value
    assert contract.metadata["night_records"].value == valid
    if recheck == "night":
        assert records == valid
        assert contract.metadata["slices"].value == "all"
    else:
        assert 0 < records < valid
        slice_, slices = contract.metadata["slices"].value.split(" of ")
        assert 1 <= int(slice_) <= int(slices) == -(-valid // 7)
    # every record re-checked breaks it (each lost its every field), and the failure cases name them
    assert contract.description.startswith(f"{records} valid records break the contract; ")
    assert "field_missing" in contract.metadata["failure_cases"].value


def test_a_valid_record_the_quarantine_names_fails_the_check_whichever_slice_is_rechecked(
    tieout_env, tmp_path, monkeypatch
):
    """The valid table and the validation's verdict must agree on every record of the night, not only on
    the slice re-checked: a record quarantined tonight but still valid fails the check."""
    write_quality_config(tmp_path / "quality.yaml", monkeypatch, max_quarantine_share=0.1, slice_records=7)
    assert check_results(run_night(objects=[("harvest", "clients")]))[("harvest", "clients", "contract")].passed
    with duckdb.connect(str(tieout_env)) as db:
        kept = db.execute(
            "SELECT entity, record_id FROM valid.harvest__clients WHERE snapshot_date = ? ORDER BY record_id",
            [SNAPSHOT_DATE],
        ).fetchall()
        entity, record_id = kept[len(kept) // 2]
        db.execute(
            "INSERT INTO quality.quarantine (snapshot_date, system, entity, object, record_id, rule, field) "
            "VALUES (?, 'harvest', ?, 'clients', ?, 'text_looks_like_sql', 'name')",
            [SNAPSHOT_DATE, entity, record_id],
        )

    contract = check_results(run_checks("harvest", "clients"))[("harvest", "clients", "contract")]

    assert not contract.passed
    assert contract.metadata["kept_quarantined"].value == 1
    assert contract.metadata["records"].value < len(kept)  # one slice re-checked, and it passes
    assert contract.description.startswith(
        "1 valid records are quarantined tonight (the valid table and the validation disagree); "
    )
    assert f" {record_id} | text_looks_like_sql " in contract.metadata["failure_cases"].value


def test_the_slice_rechecked_changes_from_one_night_to_the_next(tieout_env, tmp_path, monkeypatch):
    write_quality_config(tmp_path / "quality.yaml", monkeypatch, max_quarantine_share=0.1, slice_records=7)
    checked = {}
    for night in (SNAPSHOT_DATE, NEXT_NIGHT):
        contract = check_results(run_night(objects=[("harvest", "clients")], snapshot_date=night))[
            ("harvest", "clients", "contract")
        ]
        assert contract.passed
        checked[night] = contract.metadata["slices"].value
    assert checked[SNAPSHOT_DATE] != checked[NEXT_NIGHT], checked
