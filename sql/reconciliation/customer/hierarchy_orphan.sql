-- HIERARCHY_ORPHAN: a customer record whose parent reference (CRM ParentId, ERP ParentRef) points at
-- a record that does not exist or is inactive. One per record with such a parent.
SELECT
    'HIERARCHY_ORPHAN' AS code,
    child.system || ':' || child.source_id AS subject_key,
    coalesce(s.erp.legal_entity, child.legal_entity) AS legal_entity,
    ids.*,
    child.parent_source_id AS expected_value,
    CASE WHEN parent.source_id IS NULL THEN 'missing' ELSE 'inactive' END AS actual_value,
    0 AS money_at_risk,
    format('The {} parent {} of {} {}.', upper(child.system), child.parent_source_id, child.name,
           CASE WHEN parent.source_id IS NULL THEN 'does not exist' ELSE format('({}) is inactive', parent.name) END)
        AS detail
FROM customer_records($snapshot_date) AS child
JOIN customer_systems($snapshot_date) AS s USING (global_id)
LEFT JOIN customer_records($snapshot_date) AS parent
       ON parent.system = child.system AND parent.source_id = child.parent_source_id
WHERE child.parent_source_id IS NOT NULL
  AND (parent.source_id IS NULL OR NOT parent.is_active)
