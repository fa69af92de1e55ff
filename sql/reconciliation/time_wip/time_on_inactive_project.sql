-- Time dated after the end date of a project that is archived: one finding per PSA time entry.
-- Time logged while the project ran is history, not a finding.
SELECT
    'TIME_ON_INACTIVE_PROJECT' AS code,
    t.source_id AS subject_key,
    t.legal_entity,
    t.customer_global_id,
    t.engagement_global_id AS project_global_id,
    NULL AS crm_id,
    t.source_id AS psa_id,
    erp.source_id AS erp_id,
    NULL AS document_number,
    CASE WHEN t.billable THEN coalesce(erp.currency, t.currency) END AS currency,
    NULL AS expected_value,
    NULL AS actual_value,
    NULL::DECIMAL(18, 2) AS amount_difference,
    coalesce(t.billable_amount, 0)::DECIMAL(18, 2) AS money_at_risk,
    t.spent_date AS event_date,
    format('{} hours logged on {} against project {}, archived after {}.',
           t.hours, t.spent_date, p.name, p.ends_on) AS detail,
    NULL::DOUBLE AS confidence
FROM canonical.time_entry AS t
JOIN canonical.engagement AS p
  ON p.snapshot_date = t.snapshot_date AND p.system = 'psa' AND p.source_id = t.project_source_id
LEFT JOIN canonical.time_entry AS erp
       ON erp.snapshot_date = t.snapshot_date AND erp.system = 'erp' AND erp.global_id = t.global_id
WHERE t.snapshot_date = $snapshot_date AND t.system = 'psa'
  AND NOT p.is_active AND p.ends_on IS NOT NULL AND t.spent_date > p.ends_on
