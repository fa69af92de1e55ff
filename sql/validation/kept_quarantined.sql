-- Valid records of the night that the night's quarantine names, or that came without an id (which the
-- contract always quarantines): none, unless the valid table and the validation's verdict disagree. The
-- whole night's ids, however few of its records the `contract` check re-checks.
WITH quarantined AS (
    SELECT entity, record_id, min(rule) AS rule
    FROM quality.quarantine
    WHERE snapshot_date = $snapshot_date AND system = $system AND object = $object AND record_id IS NOT NULL
    GROUP BY entity, record_id
)
SELECT valid.entity, valid.record_id, coalesce(quarantined.rule, $id_missing) AS rule
FROM {valid_table} AS valid
LEFT JOIN quarantined ON quarantined.entity = valid.entity AND quarantined.record_id = valid.record_id
WHERE valid.snapshot_date = $snapshot_date AND (valid.record_id IS NULL OR quarantined.record_id IS NOT NULL)
ORDER BY valid.entity, valid.record_id
