-- PROJECT_WITHOUT_OPPORTUNITY: a billable PSA project that no closed-won opportunity sold (none
-- linked, or only open or lost ones). One per project.
SELECT
    'PROJECT_WITHOUT_OPPORTUNITY' AS code,
    project.source_id AS subject_key,
    project.legal_entity,
    project.customer_global_id,
    project.global_id AS project_global_id,
    project.source_id AS psa_id,
    project.currency,
    coalesce(project.value, 0) AS money_at_risk,
    project.starts_on AS event_date,
    format('The billable PSA project {} has no closed-won opportunity in the CRM.', project.name) AS detail
FROM canonical.engagement AS project
WHERE project.snapshot_date = $snapshot_date AND project.system = 'psa' AND project.is_billable
  AND NOT EXISTS (SELECT 1 FROM canonical.engagement AS opp
                  WHERE opp.snapshot_date = $snapshot_date AND opp.global_id = project.global_id
                    AND opp.system = 'crm' AND opp.is_won)
