-- A PSA invoice that no ERP invoice matches (by reference, number, or customer, amount and date):
-- one finding per PSA invoice.
SELECT
    'INVOICE_MISSING_IN_ERP' AS code,
    m.psa_invoice_id AS subject_key,
    m.legal_entity,
    m.psa_customer_global_id AS customer_global_id,
    i.engagement_global_id AS project_global_id,
    NULL AS crm_id,
    m.psa_invoice_id AS psa_id,
    NULL AS erp_id,
    m.psa_document_number AS document_number,
    m.psa_currency AS currency,
    format('{:.2f}', m.psa_total) AS expected_value,
    NULL AS actual_value,
    (-m.psa_total)::DECIMAL(18, 2) AS amount_difference,
    m.psa_total AS money_at_risk,
    m.psa_issue_date AS event_date,
    format('PSA invoice {} of {} ({:.2f} {}) was never posted to the ERP.',
           m.psa_document_number, m.psa_issue_date, m.psa_total, m.psa_currency) AS detail,
    NULL::DOUBLE AS confidence
FROM recon.invoice_match AS m
JOIN canonical.invoice AS i
  ON i.snapshot_date = m.snapshot_date AND i.system = 'psa' AND i.source_id = m.psa_invoice_id
WHERE m.snapshot_date = $snapshot_date AND m.psa_invoice_id IS NOT NULL AND m.erp_invoice_id IS NULL
