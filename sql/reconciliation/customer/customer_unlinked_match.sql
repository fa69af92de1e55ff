-- CUSTOMER_UNLINKED_MATCH: records in two systems that are very likely the same customer although no
-- cross-reference ties them (scored by the matching stage, recon.customer_match). One per pair; an
-- accepted link is also a correction candidate (stamp the CRM's cross-reference field).
SELECT
    'CUSTOMER_UNLINKED_MATCH' AS code,
    array_to_string(list_sort([keep_system || ':' || keep_source_id, other_system || ':' || other_source_id]), '|')
        AS subject_key,
    legal_entity,
    keep_global_id AS customer_global_id,
    NULL AS project_global_id,
    CASE 'crm' WHEN keep_system THEN keep_source_id WHEN other_system THEN other_source_id END AS crm_id,
    CASE 'psa' WHEN keep_system THEN keep_source_id WHEN other_system THEN other_source_id END AS psa_id,
    CASE 'erp' WHEN keep_system THEN keep_source_id WHEN other_system THEN other_source_id END AS erp_id,
    NULL AS document_number,
    NULL AS currency,
    keep_name AS expected_value,
    other_name AS actual_value,
    NULL AS amount_difference,
    0 AS money_at_risk,
    NULL AS event_date,
    format('The {} customer "{}" and the {} customer "{}" look like the same company ({} match, confidence {}){}.',
           upper(keep_system), keep_name, upper(other_system), other_name, replace(method, '_', ' '),
           round(confidence, 2), CASE WHEN accepted THEN '; the link can be stamped' ELSE '' END) AS detail,
    confidence
FROM recon.customer_match
WHERE snapshot_date = $snapshot_date AND kind = 'unlinked'
