-- A PSA invoice posted in the ERP with an issue date outside the date window: one finding per PSA
-- invoice (naming its posting furthest from the PSA date).
SELECT
    'INVOICE_DATE_MISMATCH' AS code,
    unnest(any_value(ids)),
    arg_max(erp_invoice_id, abs(erp_issue_date - psa_issue_date)) AS erp_id,
    any_value(psa_issue_date)::VARCHAR AS expected_value,
    arg_max(erp_issue_date, abs(erp_issue_date - psa_issue_date))::VARCHAR AS actual_value,
    0::DECIMAL(18, 2) AS money_at_risk,
    any_value(psa_issue_date) AS event_date,
    format('PSA invoice {} is dated {}; the ERP posted it on {}.', any_value(psa_document_number),
           any_value(psa_issue_date), arg_max(erp_issue_date, abs(erp_issue_date - psa_issue_date))) AS detail
FROM psa_invoice_postings($snapshot_date)
WHERE erp_invoice_id IS NOT NULL AND in_its_erp AND abs(erp_issue_date - psa_issue_date) > $invoice_date_window_days
GROUP BY psa_invoice_id
