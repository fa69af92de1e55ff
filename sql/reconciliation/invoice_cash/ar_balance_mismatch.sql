-- The CRM account's open receivable against the ERP's open balance of the linked customer and its
-- project sub-customers (not its subsidiaries): open invoice balances less unapplied credit. One
-- finding per account. (canonical.engagement has no Balance of a project sub-customer, so the
-- balance is summed from the ERP invoices themselves, which is what QuickBooks' Balance sums.)
WITH open_items AS (
    SELECT customer_global_id, amount_due AS amount
    FROM canonical.invoice WHERE snapshot_date = $snapshot_date AND system = 'erp'
    UNION ALL
    SELECT customer_global_id, -remaining
    FROM canonical.credit_memo WHERE snapshot_date = $snapshot_date
),
erp_open AS (
    SELECT customer_global_id, sum(amount) AS balance FROM open_items GROUP BY 1
)
SELECT
    'AR_BALANCE_MISMATCH' AS code,
    crm.source_id AS subject_key,
    erp.legal_entity,
    global_id AS customer_global_id,
    crm.source_id AS crm_id,
    erp.source_id AS erp_id,
    erp.currency,
    format('{:.2f}', coalesce(o.balance, 0)) AS expected_value,
    format('{:.2f}', crm.crm_open_ar) AS actual_value,
    (crm.crm_open_ar - coalesce(o.balance, 0))::DECIMAL(18, 2) AS amount_difference,
    abs(crm.crm_open_ar - coalesce(o.balance, 0))::DECIMAL(18, 2) AS money_at_risk,
    format('The CRM shows {:.2f} {} open for {}; the ERP has {:.2f} open.', crm.crm_open_ar, erp.currency,
           crm.name, coalesce(o.balance, 0)) AS detail
FROM customer_systems($snapshot_date)
LEFT JOIN erp_open AS o ON o.customer_global_id = global_id
WHERE crm.source_id IS NOT NULL AND erp.source_id IS NOT NULL AND crm.crm_open_ar IS NOT NULL
  AND abs(crm.crm_open_ar - coalesce(o.balance, 0))
      > $money_tolerance
