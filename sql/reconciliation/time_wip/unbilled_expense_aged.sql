-- A billable PSA expense not re-billed after the aging threshold: one finding per expense, its
-- aging bucket in the detail. Expenses are aged on their own, outside WIP.
SELECT
    'UNBILLED_EXPENSE_AGED' AS code,
    x.source_id AS subject_key,
    x.legal_entity,
    p.customer_global_id,
    x.engagement_global_id AS project_global_id,
    x.source_id AS psa_id,
    coalesce(erp.currency, x.currency) AS currency,
    format('{:.2f}', x.amount) AS actual_value,
    x.amount::DECIMAL(18, 2) AS amount_difference,
    x.amount AS money_at_risk,
    x.spent_date AS event_date,
    format('Billable expense of {} ({:.2f} {}) on {} not re-billed after {} days (aging bucket {}).',
           x.spent_date, x.amount, coalesce(erp.currency, x.currency), coalesce(p.name, 'an unknown project'),
           $snapshot_date::DATE - x.spent_date,
           aging_bucket($snapshot_date::DATE - x.spent_date, $aging_buckets_days)) AS detail
FROM canonical.expense AS x
LEFT JOIN canonical.engagement AS p
       ON p.snapshot_date = x.snapshot_date AND p.system = 'psa' AND p.global_id = x.engagement_global_id
LEFT JOIN canonical.engagement AS erp
       ON erp.snapshot_date = x.snapshot_date AND erp.system = 'erp' AND erp.global_id = x.engagement_global_id
WHERE x.snapshot_date = $snapshot_date AND x.billable AND NOT x.is_billed
  AND $snapshot_date::DATE - x.spent_date > $aging_threshold_days
