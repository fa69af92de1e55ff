-- Credit memos: one row per ERP credit memo, on its customer (a project sub-customer's parent).
SELECT
    $snapshot_date::DATE AS snapshot_date,
    'crd_' || left(md5('erp:' || m.entity || ':' || m.record_id), 16) AS global_id,
    'erp' AS system,
    m.entity || ':' || m.record_id AS source_id,
    m.entity AS legal_entity,
    'anchor' AS link,
    coalesce(engagement.customer_global_id, customer.global_id) AS customer_global_id,
    m.payload ->> '$.DocNumber' AS document_number,
    (m.payload ->> '$.TxnDate')::DATE AS issue_date,
    m.payload ->> '$.CurrencyRef.value' AS currency,
    (m.payload ->> '$.TotalAmt')::DECIMAL(18, 2) AS total,
    (m.payload ->> '$.RemainingCredit')::DECIMAL(18, 2) AS remaining
FROM valid.quickbooks__creditmemo AS m
LEFT JOIN canonical.customer AS customer
       ON customer.snapshot_date = $snapshot_date AND customer.system = 'erp'
      AND customer.source_id = m.entity || ':' || (m.payload ->> '$.CustomerRef.value')
LEFT JOIN canonical.engagement AS engagement
       ON engagement.snapshot_date = $snapshot_date AND engagement.system = 'erp'
      AND engagement.source_id = m.entity || ':' || (m.payload ->> '$.CustomerRef.value')
WHERE m.snapshot_date = $snapshot_date
