-- Approved billable PSA time not invoiced after the aging threshold: one finding per time entry,
-- its aging bucket in the detail.
SELECT
    'UNBILLED_TIME_AGED' AS code,
    t.source_id AS subject_key,
    t.legal_entity,
    t.customer_global_id,
    t.engagement_global_id AS project_global_id,
    NULL AS crm_id,
    t.source_id AS psa_id,
    erp.source_id AS erp_id,
    NULL AS document_number,
    coalesce(erp.currency, t.currency) AS currency,
    NULL AS expected_value,
    format('{:.2f}', t.billable_amount) AS actual_value,
    t.billable_amount::DECIMAL(18, 2) AS amount_difference,
    t.billable_amount AS money_at_risk,
    t.spent_date AS event_date,
    format('{} hours of {} ({:.2f} {}) approved but not invoiced after {} days (aging bucket {}).',
           t.hours, t.spent_date, t.billable_amount, coalesce(erp.currency, t.currency),
           $snapshot_date::DATE - t.spent_date,
           aging_bucket($snapshot_date::DATE - t.spent_date, $aging_buckets_days)) AS detail,
    NULL::DOUBLE AS confidence
FROM canonical.time_entry AS t
LEFT JOIN canonical.time_entry AS erp
       ON erp.snapshot_date = t.snapshot_date AND erp.system = 'erp' AND erp.global_id = t.global_id
WHERE t.snapshot_date = $snapshot_date AND t.system = 'psa'
  AND t.billable AND t.approved AND NOT t.is_billed
  AND $snapshot_date::DATE - t.spent_date > $aging_threshold_days
