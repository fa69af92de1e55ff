-- The temporary table `finding_work`: each of a night's open findings with its standing work, the
-- latest assignment and the latest explanation (or its withdrawal) that people made since the
-- finding was first seen in its current open run. A finding that resolved and came back starts
-- afresh: its first_seen is the night it came back (docs/decisions.md 24).
CREATE OR REPLACE TEMP TABLE finding_work AS
WITH night AS (
    SELECT finding_id, first_seen
    FROM recon.findings
    WHERE snapshot_date = $snapshot_date AND status = 'open'
),
standing AS (
    SELECT a.*,
           CASE WHEN a.action = 'assigned' THEN 'assignment' ELSE 'explanation' END AS kind
    FROM workbench.finding_actions AS a
    JOIN night AS n ON n.finding_id = a.finding_id AND a."at" >= n.first_seen
    WHERE a.action IN ('assigned', 'explained', 'unexplained')
    QUALIFY row_number() OVER (PARTITION BY a.finding_id, kind ORDER BY a.action_number DESC) = 1
)
SELECT n.finding_id,
       assignment.assignee,
       explanation.actor AS explained_by,
       explanation."at" AS explained_at,
       explanation.note AS explanation
FROM night AS n
LEFT JOIN standing AS assignment ON assignment.finding_id = n.finding_id AND assignment.kind = 'assignment'
LEFT JOIN standing AS explanation
    ON explanation.finding_id = n.finding_id AND explanation.kind = 'explanation' AND explanation.action = 'explained'
