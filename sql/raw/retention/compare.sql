-- A night's rows in the warehouse and in its Parquet file: counts, and whether a checksum over
-- every column of every row agrees (order does not matter: a sum of row hashes).
WITH warehouse AS (
    SELECT count(*) AS rows, sum(hash(r)) AS checksum FROM {raw_table} AS r WHERE snapshot_date = $snapshot_date
), archived AS (
    SELECT count(*) AS rows, sum(hash(r)) AS checksum FROM read_parquet($path) AS r
)
SELECT warehouse.rows, archived.rows, warehouse.checksum IS NOT DISTINCT FROM archived.checksum
FROM warehouse, archived
