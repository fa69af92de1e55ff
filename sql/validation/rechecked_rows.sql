-- The rows of tonight's snapshot an incremental validation types and checks: those tonight's load
-- fetched, those without an id or sharing one, and those quarantined or warned on the night the
-- load was folded onto ($carried_from). Every other row was carried unchanged from that night,
-- where it broke no rule (a date in the future then is re-checked: tonight's horizon is later).
-- (Ids shared tonight are a guard: raw/replace_snapshot.sql carries no row whose id was fetched,
-- so a shared id is fetched twice or was shared, and quarantined, on the base night.)
WITH again AS (
    SELECT entity, record_id FROM {raw_table}
    WHERE snapshot_date = $snapshot_date AND record_id IS NOT NULL
    GROUP BY entity, record_id HAVING count(*) > 1
    UNION
    SELECT entity, record_id FROM quality.quarantine
    WHERE snapshot_date = $carried_from AND system = $system AND object = $object
    UNION
    SELECT entity, record_id FROM quality.warnings
    WHERE snapshot_date = $carried_from AND system = $system AND object = $object
)
SELECT raw.rowid AS raw_row
FROM {raw_table} AS raw
LEFT JOIN again ON again.entity = raw.entity AND again.record_id = raw.record_id
WHERE raw.snapshot_date = $snapshot_date
  AND (raw.load_id = $load_id OR raw.record_id IS NULL OR again.record_id IS NOT NULL)
