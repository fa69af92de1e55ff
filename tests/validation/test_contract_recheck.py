"""The `contract` check re-reads the valid table from the warehouse: a valid table changed after its
validation fails it. By default it re-checks one slice of a night larger than `slice_records` (the
whole night would repeat the validation's own pass); `contract_recheck: night` re-checks all of it."""

import duckdb
import pytest

from tests.conftest import SNAPSHOT_DATE
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
