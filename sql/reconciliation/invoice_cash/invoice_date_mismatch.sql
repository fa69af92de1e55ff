-- A PSA invoice posted in the ERP with an issue date outside the date window: one finding per PSA
-- invoice (naming its posting furthest from the PSA date).
SELECT
    'INVOICE_DATE_MISMATCH' AS code,
    m.psa_invoice_id AS subject_key,
    any_value(m.legal_entity) AS legal_entity,
    any_value(m.psa_customer_global_id) AS customer_global_id,
    any_value(m.erp_engagement_global_id) AS project_global_id,
    NULL AS crm_id,
    m.psa_invoice_id AS psa_id,
    arg_max(m.erp_invoice_id, abs(m.erp_issue_date - m.psa_issue_date)) AS erp_id,
    any_value(m.psa_document_number) AS document_number,
    any_value(m.psa_currency) AS currency,
    any_value(m.psa_issue_date)::VARCHAR AS expected_value,
    arg_max(m.erp_issue_date, abs(m.erp_issue_date - m.psa_issue_date))::VARCHAR AS actual_value,
    NULL::DECIMAL(18, 2) AS amount_difference,
    0::DECIMAL(18, 2) AS money_at_risk,
    any_value(m.psa_issue_date) AS event_date,
    format('PSA invoice {} is dated {}; the ERP posted it on {}.', any_value(m.psa_document_number),
           any_value(m.psa_issue_date), arg_max(m.erp_issue_date, abs(m.erp_issue_date - m.psa_issue_date)))
        AS detail,
    NULL::DOUBLE AS confidence
FROM recon.invoice_match AS m
WHERE m.snapshot_date = $snapshot_date AND m.psa_invoice_id IS NOT NULL AND m.erp_invoice_id IS NOT NULL
  AND abs(m.erp_issue_date - m.psa_issue_date) > $invoice_date_window_days
GROUP BY m.psa_invoice_id
