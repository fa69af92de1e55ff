-- Tonight's valid records of one object: the raw snapshot less every row the contract quarantined
-- (`quarantined_rows` holds their row ids, read in the same session).
SELECT raw.*
FROM {raw_table} AS raw
WHERE raw.snapshot_date = $snapshot_date
  AND raw.rowid NOT IN (SELECT raw_row FROM quarantined_rows)
