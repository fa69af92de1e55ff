-- Tonight's top-level payload keys against the contract: keys it does not know (`new`, kept in the
-- payload) and required keys some records lack (`missing`), with how many records each concerns.
WITH records AS (
    SELECT json_keys(payload) AS keys FROM {source_table} WHERE snapshot_date = $snapshot_date
)
SELECT $snapshot_date AS snapshot_date, $system AS system, $object AS object, field, 'new' AS change,
       count(*) AS records
FROM (SELECT unnest(keys) AS field FROM records)
WHERE NOT list_contains($known::VARCHAR[], field)
GROUP BY field
UNION ALL
SELECT $snapshot_date, $system, $object, required.field, 'missing', count(*)
FROM records, (SELECT unnest($required::VARCHAR[]) AS field) AS required
WHERE NOT list_contains(records.keys, required.field)
GROUP BY required.field
ORDER BY change, field
