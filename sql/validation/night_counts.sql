-- One object's night in numbers: records extracted, kept valid, and quarantined (distinct records).
SELECT
    (SELECT count(*) FROM {raw_table} WHERE snapshot_date = $snapshot_date) AS extracted,
    (SELECT count(*) FROM {valid_table} WHERE snapshot_date = $snapshot_date) AS valid
