-- CUSTOMER_UNLINKED_MATCH: records in two systems that are very likely the same customer although no
-- cross-reference ties them (scored by the matching stage, recon.customer_match). One per pair; an
-- accepted link is also a correction candidate (stamp the CRM's cross-reference field).
SELECT
    'CUSTOMER_UNLINKED_MATCH' AS code,
    subject_key,
    legal_entity,
    keep_global_id AS customer_global_id,
    CASE 'crm' WHEN keep_system THEN keep_source_id WHEN other_system THEN other_source_id END AS crm_id,
    CASE 'psa' WHEN keep_system THEN keep_source_id WHEN other_system THEN other_source_id END AS psa_id,
    CASE 'erp' WHEN keep_system THEN keep_source_id WHEN other_system THEN other_source_id END AS erp_id,
    keep_name AS expected_value,
    other_name AS actual_value,
    0 AS money_at_risk,
    format('The {} customer "{}" and the {} customer "{}" look like the same company ({} match, confidence {}){}.',
           upper(keep_system), keep_name, upper(other_system), other_name, replace(method, '_', ' '),
           round(confidence, 2), CASE WHEN accepted THEN '; the link can be stamped' ELSE '' END) AS detail,
    confidence
FROM customer_pairs($snapshot_date, 'unlinked')
