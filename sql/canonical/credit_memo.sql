-- Credit memos: one row per ERP credit memo, on its customer (a project sub-customer's parent).
SELECT
    $snapshot_date::DATE AS snapshot_date,
    'crd_' || left(md5('erp:' || m.source_id), 16) AS global_id,
    'erp' AS system,
    m.source_id,
    m.legal_entity,
    'anchor' AS link,
    coalesce(engagement.customer_global_id, customer.global_id) AS customer_global_id,
    m.document_number,
    m.issue_date,
    m.currency,
    m.total,
    m.remaining
FROM erp_credit_memo_records($snapshot_date) AS m
LEFT JOIN canonical.customer AS customer
       ON customer.snapshot_date = $snapshot_date AND customer.system = 'erp'
      AND customer.source_id = m.customer_source_id
LEFT JOIN canonical.engagement AS engagement
       ON engagement.snapshot_date = $snapshot_date AND engagement.system = 'erp'
      AND engagement.source_id = m.customer_source_id
