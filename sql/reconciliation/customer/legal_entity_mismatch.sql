-- LEGAL_ENTITY_MISMATCH: the CRM contracts the customer through another legal entity than the ERP
-- company that bills it (the ERP is authoritative: it books the receivable). One per customer.
SELECT
    'LEGAL_ENTITY_MISMATCH' AS code,
    global_id AS subject_key,
    erp.legal_entity,
    ids.*,
    erp.legal_entity AS expected_value,
    crm.legal_entity AS actual_value,
    0 AS money_at_risk,
    format('The CRM contracts {} through {}, but the ERP bills it in {}.', crm.name,
           coalesce(crm.legal_entity, 'no legal entity'), erp.legal_entity) AS detail
FROM customer_systems($snapshot_date)
WHERE crm.source_id IS NOT NULL AND erp.source_id IS NOT NULL AND crm.legal_entity IS DISTINCT FROM erp.legal_entity
