-- An ERP invoice on a project the PSA runs that no PSA invoice matches: one finding per ERP invoice.
-- (Invoices raised straight in the ERP for customers outside the PSA are not findings.)
SELECT
    'INVOICE_MISSING_IN_PSA' AS code,
    m.erp_invoice_id AS subject_key,
    m.legal_entity,
    m.erp_customer_global_id AS customer_global_id,
    m.erp_engagement_global_id AS project_global_id,
    m.erp_invoice_id AS erp_id,
    m.erp_document_number AS document_number,
    m.erp_currency AS currency,
    format('{:.2f}', m.erp_total) AS actual_value,
    m.erp_total::DECIMAL(18, 2) AS amount_difference,
    m.erp_total AS money_at_risk,
    m.erp_issue_date AS event_date,
    format('ERP invoice {} of {} ({:.2f} {}) on a PSA project has no PSA invoice.',
           m.erp_document_number, m.erp_issue_date, m.erp_total, m.erp_currency) AS detail
FROM recon.invoice_match AS m
WHERE m.snapshot_date = $snapshot_date AND m.psa_invoice_id IS NULL AND m.psa_managed
