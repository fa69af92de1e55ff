-- A PSA invoice that no ERP invoice matches (by reference, number, or customer, amount and date):
-- one finding per PSA invoice.
SELECT
    'INVOICE_MISSING_IN_ERP' AS code,
    ids.* EXCLUDE (project_global_id),
    i.engagement_global_id AS project_global_id,
    format('{:.2f}', psa_total) AS expected_value,
    (-psa_total)::DECIMAL(18, 2) AS amount_difference,
    psa_total AS money_at_risk,
    psa_issue_date AS event_date,
    format('PSA invoice {} of {} ({:.2f} {}) was never posted to the ERP.',
           psa_document_number, psa_issue_date, psa_total, psa_currency) AS detail
FROM psa_invoice_postings($snapshot_date)
JOIN canonical.invoice AS i ON i.snapshot_date = $snapshot_date AND i.system = 'psa' AND i.source_id = psa_invoice_id
WHERE erp_invoice_id IS NULL
