-- One night of one raw table as a Parquet file, every column as stored.
COPY (SELECT * FROM {raw_table} WHERE snapshot_date = $snapshot_date ORDER BY entity, record_id, page)
TO $path (FORMAT parquet, COMPRESSION zstd)
