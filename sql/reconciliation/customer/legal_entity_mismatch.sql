-- LEGAL_ENTITY_MISMATCH: the CRM contracts the customer through another legal entity than the ERP
-- company that bills it (the ERP is authoritative: it books the receivable). One per customer.
WITH customers AS (
    SELECT * FROM canonical.customer WHERE snapshot_date = $snapshot_date
)
SELECT
    'LEGAL_ENTITY_MISMATCH' AS code,
    crm.global_id AS subject_key,
    erp.legal_entity,
    crm.global_id AS customer_global_id,
    NULL AS project_global_id,
    crm.source_id AS crm_id,
    psa.source_id AS psa_id,
    erp.source_id AS erp_id,
    NULL AS document_number,
    NULL AS currency,
    erp.legal_entity AS expected_value,
    crm.legal_entity AS actual_value,
    NULL AS amount_difference,
    0 AS money_at_risk,
    NULL AS event_date,
    format('The CRM contracts {} through {}, but the ERP bills it in {}.', crm.name,
           coalesce(crm.legal_entity, 'no legal entity'), erp.legal_entity) AS detail,
    NULL AS confidence
FROM customers AS crm
JOIN customers AS erp ON erp.global_id = crm.global_id AND erp.system = 'erp'
LEFT JOIN customers AS psa ON psa.global_id = crm.global_id AND psa.system = 'psa'
WHERE crm.system = 'crm' AND crm.legal_entity IS DISTINCT FROM erp.legal_entity
