-- An archived night's rows back in the warehouse from its Parquet file, replacing any there.
DELETE FROM {raw_table} WHERE snapshot_date = $snapshot_date;

INSERT INTO {raw_table} BY NAME SELECT * FROM read_parquet($path);

UPDATE raw.load_log SET archived_at = NULL
WHERE system = $system AND object = $object AND snapshot_date = $snapshot_date;
