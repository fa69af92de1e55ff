-- The night's open findings linked to the correction that answers each: its newest one not
-- superseded (of a night's several corrections of one finding, the lowest id).
UPDATE recon.findings AS f
SET correction_id = latest.correction_id
FROM (
    SELECT finding_id, correction_id
    FROM corrections.outbox
    WHERE state <> 'superseded' AND proposed_on <= $snapshot_date
    QUALIFY row_number() OVER (PARTITION BY finding_id ORDER BY proposed_on DESC, correction_id) = 1
) AS latest
WHERE f.snapshot_date = $snapshot_date
  AND f.status = 'open'
  AND f.finding_id = latest.finding_id
