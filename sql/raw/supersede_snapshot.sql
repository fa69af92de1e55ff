-- Before an explicit refetch replaces a stored night: its rows, what the system said then, kept in
-- raw.superseded_snapshots with when and by which load they were superseded (raw.load_log says who).
INSERT INTO raw.superseded_snapshots BY NAME
SELECT $system AS system, $object AS object, s.*, $superseded_at AS superseded_at,
       $superseded_by_load AS superseded_by_load
FROM {raw_table} AS s
WHERE s.snapshot_date = $snapshot_date
