-- CUSTOMER_DUPLICATE: two records in one system that are very likely the same customer (scored by
-- the matching stage, recon.customer_match). One per pair; the ids are those of the record to keep
-- (the one linked to the other systems), the duplicate is named in the detail and subject key.
SELECT
    'CUSTOMER_DUPLICATE' AS code,
    subject_key,
    legal_entity,
    keep_global_id AS customer_global_id,
    CASE keep_system WHEN 'crm' THEN keep_source_id END AS crm_id,
    CASE keep_system WHEN 'psa' THEN keep_source_id END AS psa_id,
    CASE keep_system WHEN 'erp' THEN keep_source_id END AS erp_id,
    keep_name AS expected_value,
    other_name AS actual_value,
    0 AS money_at_risk,
    format('The {} holds "{}" ({}) twice: "{}" ({}) looks like the same company ({} match, confidence {}).',
           upper(keep_system), keep_name, keep_source_id, other_name, other_source_id, replace(method, '_', ' '),
           round(confidence, 2)) AS detail,
    confidence
FROM customer_pairs($snapshot_date, 'duplicate')
