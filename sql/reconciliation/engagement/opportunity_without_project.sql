-- OPPORTUNITY_WITHOUT_PROJECT: an opportunity closed-won more than $opportunity_grace_days days ago
-- with no PSA project. One per opportunity; its amount is the work not yet set up for delivery.
SELECT
    'OPPORTUNITY_WITHOUT_PROJECT' AS code,
    opp.source_id AS subject_key,
    opp.legal_entity,
    opp.customer_global_id,
    opp.global_id AS project_global_id,
    opp.source_id AS crm_id,
    opp.currency,
    coalesce(opp.value, 0) AS money_at_risk,
    opp.close_date AS event_date,
    format('{} was won on {} ({} days ago) and has no project in the PSA.', opp.name, opp.close_date,
           $snapshot_date::DATE - opp.close_date) AS detail
FROM canonical.engagement AS opp
WHERE opp.snapshot_date = $snapshot_date AND opp.system = 'crm' AND opp.is_won
  AND opp.close_date < $snapshot_date::DATE - $opportunity_grace_days::INTEGER
  AND NOT EXISTS (SELECT 1 FROM canonical.engagement AS project
                  WHERE project.snapshot_date = $snapshot_date AND project.global_id = opp.global_id
                    AND project.system = 'psa')
