-- The night's open findings linked to the correction that answers each: its newest one not
-- superseded (of a night's several corrections of one finding, the lowest id). Kept here, not in
-- recon.findings, which the findings stage replaces whenever the night runs again.
DELETE FROM corrections.finding_links WHERE snapshot_date = $snapshot_date;

INSERT INTO corrections.finding_links
SELECT f.snapshot_date, f.finding_id, latest.correction_id
FROM recon.findings AS f
JOIN (
    SELECT finding_id, correction_id
    FROM corrections.outbox
    WHERE state <> 'superseded' AND proposed_on <= $snapshot_date
    QUALIFY row_number() OVER (PARTITION BY finding_id ORDER BY proposed_on DESC, correction_id) = 1
) AS latest ON latest.finding_id = f.finding_id
WHERE f.snapshot_date = $snapshot_date
  AND f.status = 'open'
