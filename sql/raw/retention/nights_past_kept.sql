-- The nights of one object's raw table that hold rows but are not among the object's newest $kept
-- loaded nights (the newest is what tonight's incremental load folds onto).
SELECT DISTINCT snapshot_date
FROM {raw_table}
WHERE snapshot_date NOT IN (
    SELECT snapshot_date FROM raw.load_log
    WHERE system = $system AND object = $object
    ORDER BY snapshot_date DESC
    LIMIT $kept
)
ORDER BY snapshot_date
