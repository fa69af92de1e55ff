-- CUSTOMER_PARENT_MISMATCH: a customer linked in CRM and ERP whose own parent differs between them
-- (compared by the parents' global ids, so a parent that is itself linked counts as the same). A
-- descendant whose parent agrees is not reported again. A parent reference that resolves to no
-- record is a HIERARCHY_ORPHAN, not a mismatch. Not raised where the ERP keeps no hierarchy (Xero).
-- One per customer.
SELECT
    'CUSTOMER_PARENT_MISMATCH' AS code,
    s.global_id AS subject_key,
    erp.legal_entity,
    ids.*,
    crm.parent_source_id AS expected_value,
    erp.parent_source_id AS actual_value,
    0 AS money_at_risk,
    format('In the CRM {} belongs to {}, in the ERP to {}.', crm.name,
           coalesce(crm_parent.name, 'no parent'), coalesce(erp_parent.name, 'no parent')) AS detail
FROM customer_systems($snapshot_date) AS s
LEFT JOIN customer_records($snapshot_date) AS crm_parent
       ON crm_parent.system = 'crm' AND crm_parent.source_id = crm.parent_source_id
LEFT JOIN customer_records($snapshot_date) AS erp_parent
       ON erp_parent.system = 'erp' AND erp_parent.source_id = erp.parent_source_id
WHERE crm.source_id IS NOT NULL AND erp.source_id IS NOT NULL
  AND crm.parent_global_id IS DISTINCT FROM erp.parent_global_id
  AND NOT (crm.parent_source_id IS NOT NULL AND crm.parent_global_id IS NULL)
  AND NOT (erp.parent_source_id IS NOT NULL AND erp.parent_global_id IS NULL)
  AND erp.legal_entity NOT IN (SELECT legal_entity FROM erp_without_hierarchy($snapshot_date))
