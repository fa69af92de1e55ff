-- Time dated after the end date of a project that is archived: one finding per PSA time entry.
-- Time logged while the project ran is history, not a finding.
SELECT
    'TIME_ON_INACTIVE_PROJECT' AS code,
    ids.*,
    CASE WHEN t.billable THEN billed_currency END AS currency,
    coalesce(t.billable_amount, 0)::DECIMAL(18, 2) AS money_at_risk,
    t.spent_date AS event_date,
    format('{} hours logged on {} against project {}, archived after {}.',
           t.hours, t.spent_date, p.name, p.ends_on) AS detail
FROM time_entry_pairs($snapshot_date) AS t
JOIN canonical.engagement AS p
  ON p.snapshot_date = $snapshot_date AND p.system = 'psa' AND p.source_id = t.project_source_id
WHERE NOT p.is_active AND p.ends_on IS NOT NULL AND t.spent_date > p.ends_on
