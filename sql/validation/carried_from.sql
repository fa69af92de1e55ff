-- Tonight's load of one object, and the night an incremental validation carries verdicts from: the
-- night tonight's incremental load was folded onto, where that night's validation read the load its
-- raw snapshot still holds (the one tonight's load carried rows from: not a refetch after it), all of
-- its rows (not a night retention had archived), and decided under the same fingerprint (NULL
-- otherwise: check every record); and when that validation ran.
WITH tonight AS (
    SELECT arg_max(load_id, extracted_at) AS load_id, arg_max(mode, extracted_at) AS mode,
           arg_max(base_snapshot_date, extracted_at) AS base_snapshot_date, max(extracted_at) AS extracted_at
    FROM raw.load_log
    WHERE snapshot_date = $snapshot_date AND system = $system AND object = $object
),
base_load AS (
    SELECT arg_max(l.load_id, l.extracted_at) AS load_id, arg_max(l.rows, l.extracted_at) AS rows,
           max(l.extracted_at) AS extracted_at
    FROM raw.load_log AS l, tonight
    WHERE l.snapshot_date = tonight.base_snapshot_date AND l.system = $system AND l.object = $object
),
base_validated AS (
    SELECT arg_max(v.load_id, v.validated_at) AS load_id, arg_max(v.fingerprint, v.validated_at) AS fingerprint,
           arg_max(v.records, v.validated_at) AS records, max(v.validated_at) AS validated_at
    FROM quality.validated_nights AS v, tonight
    WHERE v.snapshot_date = tonight.base_snapshot_date AND v.system = $system AND v.object = $object
)
SELECT tonight.load_id,
       CASE WHEN tonight.mode = 'incremental' AND tonight.base_snapshot_date < $snapshot_date
             AND base_validated.fingerprint = $fingerprint AND base_validated.load_id = base_load.load_id
             AND base_load.extracted_at < tonight.extracted_at AND base_validated.records = base_load.rows
            THEN tonight.base_snapshot_date END AS carried_from,
       base_validated.validated_at
FROM tonight, base_load, base_validated
