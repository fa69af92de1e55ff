-- PROJECT_VALUE_MISMATCH: a project's fixed fee or budget differs from its opportunity's amount by
-- more than $money_tolerance (the CRM's amount is what was sold). One per opportunity and project.
SELECT
    'PROJECT_VALUE_MISMATCH' AS code,
    'crm:' || opp.source_id || '|psa:' || project.source_id AS subject_key,
    opp.legal_entity,
    opp.customer_global_id,
    opp.global_id AS project_global_id,
    opp.source_id AS crm_id,
    project.source_id AS psa_id,
    NULL AS erp_id,
    NULL AS document_number,
    opp.currency,
    opp.value::VARCHAR AS expected_value,
    project.value::VARCHAR AS actual_value,
    (project.value - opp.value)::DECIMAL(18, 2) AS amount_difference,
    abs(project.value - opp.value)::DECIMAL(18, 2) AS money_at_risk,
    opp.close_date AS event_date,
    format('{} was sold for {} {} but the PSA project {} has a {} of {}.', opp.name, opp.currency, opp.value,
           project.name, CASE project.billing_model WHEN 'fixed_fee' THEN 'fixed fee' ELSE 'budget' END,
           project.value) AS detail,
    NULL AS confidence
FROM canonical.engagement AS opp
JOIN canonical.engagement AS project
  ON project.snapshot_date = opp.snapshot_date AND project.global_id = opp.global_id AND project.system = 'psa'
WHERE opp.snapshot_date = $snapshot_date AND opp.system = 'crm'
  AND abs(project.value - opp.value) > $money_tolerance
