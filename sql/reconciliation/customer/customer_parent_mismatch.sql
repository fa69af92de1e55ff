-- CUSTOMER_PARENT_MISMATCH: a customer linked in CRM and ERP whose own parent differs between them
-- (compared by the parents' global ids, so a parent that is itself linked counts as the same). A
-- descendant whose parent agrees is not reported again. A parent reference that resolves to no
-- record is a HIERARCHY_ORPHAN, not a mismatch. One per customer.
WITH customers AS (
    SELECT * FROM canonical.customer WHERE snapshot_date = $snapshot_date
)
SELECT
    'CUSTOMER_PARENT_MISMATCH' AS code,
    crm.global_id AS subject_key,
    erp.legal_entity,
    crm.global_id AS customer_global_id,
    NULL AS project_global_id,
    crm.source_id AS crm_id,
    psa.source_id AS psa_id,
    erp.source_id AS erp_id,
    NULL AS document_number,
    NULL AS currency,
    crm.parent_source_id AS expected_value,
    erp.parent_source_id AS actual_value,
    NULL AS amount_difference,
    0 AS money_at_risk,
    NULL AS event_date,
    format('In the CRM {} belongs to {}, in the ERP to {}.', crm.name,
           coalesce(crm_parent.name, 'no parent'), coalesce(erp_parent.name, 'no parent')) AS detail,
    NULL AS confidence
FROM customers AS crm
JOIN customers AS erp ON erp.global_id = crm.global_id AND erp.system = 'erp'
LEFT JOIN customers AS psa ON psa.global_id = crm.global_id AND psa.system = 'psa'
LEFT JOIN customers AS crm_parent ON crm_parent.system = 'crm' AND crm_parent.source_id = crm.parent_source_id
LEFT JOIN customers AS erp_parent ON erp_parent.system = 'erp' AND erp_parent.source_id = erp.parent_source_id
WHERE crm.system = 'crm'
  AND crm.parent_global_id IS DISTINCT FROM erp.parent_global_id
  AND NOT (crm.parent_source_id IS NOT NULL AND crm.parent_global_id IS NULL)
  AND NOT (erp.parent_source_id IS NOT NULL AND erp.parent_global_id IS NULL)
