-- The night's findings: each detection with its stable id (a hash of code and subject only), its
-- owner and severity from the configuration (`finding_codes`), and its age across nights; plus the
-- findings open on the previous night that were not seen tonight, resolved. A finding that comes back
-- after being resolved starts a new episode (first seen tonight). What tonight does not reconcile is
-- held: its previous open findings stay as they were last seen, none resolved (`held_by` says why), and
-- tonight's detections about it are set aside. That is a legal entity not reconciled tonight
-- (recon.entity_coverage), and any finding that names an id a quarantined record holds
-- (recon.quarantine_holds), whose age keeps growing: the quarantined record is a task of its own.
WITH not_reconciled AS (
    SELECT legal_entity FROM recon.entity_coverage WHERE snapshot_date = $snapshot_date AND NOT reconciled
),
holds AS (
    SELECT id_column, value FROM recon.quarantine_holds WHERE snapshot_date = $snapshot_date
),
identified AS (
    SELECT *, 'fnd_' || left(md5(code || ':' || subject_key), 16) AS finding_id FROM detected
),
previous AS (
    SELECT * FROM recon.findings
    WHERE snapshot_date = (SELECT max(snapshot_date) FROM recon.finding_history WHERE snapshot_date < $snapshot_date)
),
-- the findings, tonight's or last seen, that name an id the quarantine holds
quarantined AS (
    SELECT DISTINCT f.finding_id
    FROM (SELECT finding_id, crm_id, psa_id, erp_id, customer_global_id, project_global_id, document_number
          FROM identified
          UNION ALL BY NAME
          SELECT finding_id, crm_id, psa_id, erp_id, customer_global_id, project_global_id, document_number
          FROM previous WHERE status = 'open') AS f
    JOIN holds AS h ON h.value = CASE h.id_column WHEN 'crm_id' THEN f.crm_id WHEN 'psa_id' THEN f.psa_id
                                                  WHEN 'erp_id' THEN f.erp_id
                                                  WHEN 'customer_global_id' THEN f.customer_global_id
                                                  WHEN 'project_global_id' THEN f.project_global_id
                                                  WHEN 'document_number' THEN f.document_number END
),
tonight AS (
    SELECT * FROM identified
    WHERE (legal_entity IS NULL OR legal_entity NOT IN (SELECT legal_entity FROM not_reconciled))
      AND finding_id NOT IN (SELECT finding_id FROM quarantined)
),
carried AS (
    SELECT * EXCLUDE (snapshot_date, held_by) REPLACE (
               CASE WHEN legal_entity IN (SELECT legal_entity FROM not_reconciled) THEN age_days
                    ELSE ($snapshot_date::DATE - first_seen)::INTEGER END AS age_days),
           CASE WHEN legal_entity IN (SELECT legal_entity FROM not_reconciled) THEN 'legal entity not reconciled'
                ELSE 'quarantine' END AS held_by
    FROM previous
    WHERE status = 'open' AND (legal_entity IN (SELECT legal_entity FROM not_reconciled)
                               OR finding_id IN (SELECT finding_id FROM quarantined))
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
        subject_key, money_at_risk, event_date, confidence, NULL::VARCHAR AS held_by
    FROM rated
),
resolved AS (
    SELECT p.* EXCLUDE (snapshot_date) REPLACE ('resolved' AS status, NULL AS held_by)
    FROM previous AS p
    WHERE p.status = 'open' AND p.finding_id NOT IN (SELECT finding_id FROM tonight)
      AND p.finding_id NOT IN (SELECT finding_id FROM carried)
)
SELECT $snapshot_date::DATE AS snapshot_date, * FROM open_findings
UNION ALL BY NAME
SELECT $snapshot_date::DATE AS snapshot_date, * FROM carried
UNION ALL BY NAME
SELECT $snapshot_date::DATE AS snapshot_date, * FROM resolved
