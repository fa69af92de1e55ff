-- BILLING_MODEL_MISMATCH: the opportunity was sold as fixed fee and the project runs as time and
-- materials, or the reverse. One per opportunity and project.
SELECT
    'BILLING_MODEL_MISMATCH' AS code,
    'crm:' || opp.source_id || '|psa:' || project.source_id AS subject_key,
    opp.legal_entity,
    opp.customer_global_id,
    opp.global_id AS project_global_id,
    opp.source_id AS crm_id,
    project.source_id AS psa_id,
    NULL AS erp_id,
    NULL AS document_number,
    NULL AS currency,
    label.sold AS expected_value,
    label.run AS actual_value,
    NULL AS amount_difference,
    0 AS money_at_risk,
    opp.close_date AS event_date,
    format('{} was sold as {} but the PSA project {} runs as {}.', opp.name, lower(label.sold), project.name,
           lower(label.run)) AS detail,
    NULL AS confidence
FROM canonical.engagement AS opp
JOIN canonical.engagement AS project
  ON project.snapshot_date = opp.snapshot_date AND project.global_id = opp.global_id AND project.system = 'psa',
LATERAL (SELECT CASE opp.billing_model WHEN 'fixed_fee' THEN 'Fixed Fee' ELSE 'Time and Materials' END AS sold,
                CASE project.billing_model WHEN 'fixed_fee' THEN 'Fixed Fee' ELSE 'Time and Materials' END AS run)
    AS label
WHERE opp.snapshot_date = $snapshot_date AND opp.system = 'crm'
  AND opp.billing_model <> project.billing_model
