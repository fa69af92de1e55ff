-- A billable PSA time entry whose rate differs from the rate card for that person on that project
-- by more than the tolerance: one finding per time entry.
SELECT
    'TIME_RATE_MISMATCH' AS code,
    ids.*,
    billed_currency AS currency,
    format('{:.2f}', card.hourly_rate) AS expected_value,
    format('{:.2f}', t.billable_rate) AS actual_value,
    round((t.billable_rate - card.hourly_rate) * t.hours, 2)::DECIMAL(18, 2) AS amount_difference,
    round(abs(t.billable_rate - card.hourly_rate) * t.hours, 2)::DECIMAL(18, 2) AS money_at_risk,
    t.spent_date AS event_date,
    format('{} hours on {} billed at {:.2f} {} an hour; the rate card says {:.2f}.',
           t.hours, t.spent_date, t.billable_rate, billed_currency, card.hourly_rate) AS detail
FROM time_entry_pairs($snapshot_date) AS t
JOIN canonical.rate_card AS card
  ON card.snapshot_date = $snapshot_date AND card.project_source_id = t.project_source_id
 AND card.resource_global_id = t.resource_global_id
WHERE t.billable AND abs(t.billable_rate - card.hourly_rate) > $rate_tolerance
