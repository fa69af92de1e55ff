-- How many records of an object a contract refers to were in its snapshot of $carried_from and are
-- not in tonight's: a carried reference to one of them would no longer resolve. NULL when it cannot
-- be told: that night's snapshot is not whole in the warehouse (retention archived it), or it was
-- loaded again after $carried_from's validation ($validated_at), which resolved against another.
WITH base_load AS (
    SELECT arg_max(rows, extracted_at) AS rows, max(extracted_at) AS extracted_at FROM raw.load_log
    WHERE snapshot_date = $carried_from AND system = $system AND object = $object
)
SELECT CASE
    WHEN (SELECT count(*) FROM {raw_table} WHERE snapshot_date = $carried_from) = (SELECT rows FROM base_load)
     AND (SELECT extracted_at FROM base_load) < $validated_at
    THEN (SELECT count(*) FROM (
        SELECT entity, record_id FROM {raw_table} WHERE snapshot_date = $carried_from AND record_id IS NOT NULL
        EXCEPT
        SELECT entity, record_id FROM {raw_table} WHERE snapshot_date = $snapshot_date))
END AS gone
