-- The night's rows leave the warehouse (their Parquet copy was read back equal) and its load says where they went.
DELETE FROM {raw_table} WHERE snapshot_date = $snapshot_date;

UPDATE raw.load_log SET archive_path = $archive_path, archived_at = $archived_at
WHERE system = $system AND object = $object AND snapshot_date = $snapshot_date;
