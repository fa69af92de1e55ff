-- Approved billable PSA time not invoiced after the aging threshold: one finding per time entry,
-- its aging bucket in the detail.
SELECT
    'UNBILLED_TIME_AGED' AS code,
    ids.*,
    billed_currency AS currency,
    format('{:.2f}', t.billable_amount) AS actual_value,
    t.billable_amount::DECIMAL(18, 2) AS amount_difference,
    t.billable_amount AS money_at_risk,
    t.spent_date AS event_date,
    format('{} hours of {} ({:.2f} {}) approved but not invoiced after {} days (aging bucket {}).',
           t.hours, t.spent_date, t.billable_amount, billed_currency,
           $snapshot_date::DATE - t.spent_date,
           aging_bucket($snapshot_date::DATE - t.spent_date, $aging_buckets_days)) AS detail
FROM time_entry_pairs($snapshot_date) AS t
WHERE t.billable AND t.approved AND NOT t.is_billed
  AND $snapshot_date::DATE - t.spent_date > $aging_threshold_days
