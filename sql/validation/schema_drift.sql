-- Tonight's top-level payload keys against the contract: keys it does not know (`new`, kept in the
-- payload) and required keys some records lack (`missing`), with how many records each concerns.
-- Each payload's keys are read once and compared with the contract's lists record by record: only
-- the few keys that differ are unnested (not every key of every record).
WITH records AS MATERIALIZED (
    SELECT list_filter(keys, lambda k: NOT list_contains($known::VARCHAR[], k)) AS new_fields,
           list_filter($required::VARCHAR[], lambda r: NOT list_contains(keys, r)) AS missing_fields
    FROM (SELECT json_keys(payload) AS keys FROM {source_table} WHERE snapshot_date = $snapshot_date)
)
SELECT $snapshot_date AS snapshot_date, $system AS system, $object AS object, field, 'new' AS change,
       count(*) AS records
FROM (SELECT unnest(new_fields) AS field FROM records)
GROUP BY field
UNION ALL
SELECT $snapshot_date, $system, $object, field, 'missing', count(*)
FROM (SELECT unnest(missing_fields) AS field FROM records)
GROUP BY field
ORDER BY change, field
