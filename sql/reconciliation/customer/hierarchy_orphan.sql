-- HIERARCHY_ORPHAN: a customer record whose parent reference (CRM ParentId, ERP ParentRef) points at
-- a record that does not exist or is inactive. One per record with such a parent.
WITH customers AS (
    SELECT * FROM canonical.customer WHERE snapshot_date = $snapshot_date
)
SELECT
    'HIERARCHY_ORPHAN' AS code,
    child.system || ':' || child.source_id AS subject_key,
    coalesce(erp.legal_entity, child.legal_entity) AS legal_entity,
    child.global_id AS customer_global_id,
    NULL AS project_global_id,
    crm.source_id AS crm_id,
    psa.source_id AS psa_id,
    erp.source_id AS erp_id,
    NULL AS document_number,
    NULL AS currency,
    child.parent_source_id AS expected_value,
    CASE WHEN parent.source_id IS NULL THEN 'missing' ELSE 'inactive' END AS actual_value,
    NULL AS amount_difference,
    0 AS money_at_risk,
    NULL AS event_date,
    format('The {} parent {} of {} {}.', upper(child.system), child.parent_source_id, child.name,
           CASE WHEN parent.source_id IS NULL THEN 'does not exist' ELSE format('({}) is inactive', parent.name) END)
        AS detail,
    NULL AS confidence
FROM customers AS child
LEFT JOIN customers AS parent ON parent.system = child.system AND parent.source_id = child.parent_source_id
LEFT JOIN customers AS crm ON crm.global_id = child.global_id AND crm.system = 'crm'
LEFT JOIN customers AS psa ON psa.global_id = child.global_id AND psa.system = 'psa'
LEFT JOIN customers AS erp ON erp.global_id = child.global_id AND erp.system = 'erp'
WHERE child.parent_source_id IS NOT NULL
  AND (parent.source_id IS NULL OR NOT parent.is_active)
