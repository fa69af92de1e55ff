-- Payments: one row per ERP payment (the PSA's own payment records are not extracted: decision 4),
-- on its customer (a project sub-customer's parent).
SELECT
    $snapshot_date::DATE AS snapshot_date,
    'pay_' || left(md5('erp:' || p.source_id), 16) AS global_id,
    'erp' AS system,
    p.source_id,
    p.legal_entity,
    'anchor' AS link,
    coalesce(engagement.customer_global_id, customer.global_id) AS customer_global_id,
    p.payment_date,
    p.currency,
    p.amount
FROM erp_payment_records($snapshot_date) AS p
LEFT JOIN canonical.customer AS customer
       ON customer.snapshot_date = $snapshot_date AND customer.system = 'erp'
      AND customer.source_id = p.customer_source_id
LEFT JOIN canonical.engagement AS engagement
       ON engagement.snapshot_date = $snapshot_date AND engagement.system = 'erp'
      AND engagement.source_id = p.customer_source_id
