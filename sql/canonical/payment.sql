-- Payments: one row per ERP payment (the PSA's own payment records are not extracted: decision 4),
-- on its customer (a project sub-customer's parent).
SELECT
    $snapshot_date::DATE AS snapshot_date,
    'pay_' || left(md5('erp:' || p.entity || ':' || p.record_id), 16) AS global_id,
    'erp' AS system,
    p.entity || ':' || p.record_id AS source_id,
    p.entity AS legal_entity,
    'anchor' AS link,
    coalesce(engagement.customer_global_id, customer.global_id) AS customer_global_id,
    (p.payload ->> '$.TxnDate')::DATE AS payment_date,
    p.payload ->> '$.CurrencyRef.value' AS currency,
    (p.payload ->> '$.TotalAmt')::DECIMAL(18, 2) AS amount
FROM valid.quickbooks__payment AS p
LEFT JOIN canonical.customer AS customer
       ON customer.snapshot_date = $snapshot_date AND customer.system = 'erp'
      AND customer.source_id = p.entity || ':' || (p.payload ->> '$.CustomerRef.value')
LEFT JOIN canonical.engagement AS engagement
       ON engagement.snapshot_date = $snapshot_date AND engagement.system = 'erp'
      AND engagement.source_id = p.entity || ':' || (p.payload ->> '$.CustomerRef.value')
WHERE p.snapshot_date = $snapshot_date
