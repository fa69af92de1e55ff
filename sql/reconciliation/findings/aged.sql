-- The night's findings: each detection with its stable id (a hash of code and subject only), its
-- owner and severity from the configuration (`finding_codes`), and its age across nights; plus the
-- findings open on the previous night that were not seen tonight, resolved. A finding that comes back
-- after being resolved starts a new episode (first seen tonight). A legal entity not reconciled tonight
-- (recon.entity_coverage) keeps its previous open findings as they were last seen, none resolved, and
-- tonight's detections on its stale data are set aside.
WITH not_reconciled AS (
    SELECT legal_entity FROM recon.entity_coverage WHERE snapshot_date = $snapshot_date AND NOT reconciled
),
tonight AS (
    SELECT *, 'fnd_' || left(md5(code || ':' || subject_key), 16) AS finding_id FROM detected
    WHERE legal_entity IS NULL OR legal_entity NOT IN (SELECT legal_entity FROM not_reconciled)
),
previous AS (
    SELECT * FROM recon.findings
    WHERE snapshot_date = (SELECT max(snapshot_date) FROM recon.finding_history WHERE snapshot_date < $snapshot_date)
),
carried AS (
    SELECT * EXCLUDE (snapshot_date) FROM previous
    WHERE status = 'open' AND legal_entity IN (SELECT legal_entity FROM not_reconciled)
),
seen AS (
    SELECT t.*,
           CASE WHEN p.status = 'open' THEN p.first_seen ELSE $snapshot_date::DATE END AS first_seen,
           $snapshot_date::DATE AS last_seen,
           'open' AS status
    FROM tonight AS t
    LEFT JOIN previous AS p USING (finding_id)
),
rated AS (
    SELECT s.*,
           greatest(s.last_seen - s.first_seen, coalesce($snapshot_date::DATE - s.event_date, 0)) AS age_for_severity,
           c.owner_queue, c.minimum_severity
    FROM seen AS s
    LEFT JOIN finding_codes AS c USING (code)
),
open_findings AS (
    SELECT
        finding_id, code, category,
        ['low', 'medium', 'high'][greatest(
            CASE WHEN coalesce(money_at_risk, 0) >= $high_money_at_risk OR age_for_severity >= $high_age_days THEN 3
                 WHEN coalesce(money_at_risk, 0) >= $medium_money_at_risk OR age_for_severity >= $medium_age_days THEN 2
                 ELSE 1 END,
            coalesce(list_position(['low', 'medium', 'high'], minimum_severity), 1))] AS severity,
        owner_queue, legal_entity, customer_global_id, project_global_id, crm_id, psa_id, erp_id,
        document_number, currency, expected_value, actual_value, amount_difference, detail,
        first_seen, last_seen, (last_seen - first_seen)::INTEGER AS age_days, status,
        NULL::VARCHAR AS correction_id, subject_key, money_at_risk, event_date, confidence
    FROM rated
),
resolved AS (
    SELECT p.* EXCLUDE (snapshot_date) REPLACE ('resolved' AS status)
    FROM previous AS p
    WHERE p.status = 'open' AND p.finding_id NOT IN (SELECT finding_id FROM tonight)
      AND p.finding_id NOT IN (SELECT finding_id FROM carried)
)
SELECT $snapshot_date::DATE AS snapshot_date, * FROM open_findings
UNION ALL BY NAME
SELECT $snapshot_date::DATE AS snapshot_date, * FROM carried
UNION ALL BY NAME
SELECT $snapshot_date::DATE AS snapshot_date, * FROM resolved
