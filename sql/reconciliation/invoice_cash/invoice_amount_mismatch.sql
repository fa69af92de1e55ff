-- A PSA invoice whose ERP total (the sum of its parts when split) differs beyond the tolerance:
-- one finding per PSA invoice. A duplicate posting is INVOICE_DUPLICATE, and postings that are all
-- voided are INVOICE_STATUS_MISMATCH, not an amount difference.
SELECT
    'INVOICE_AMOUNT_MISMATCH' AS code,
    m.psa_invoice_id AS subject_key,
    m.legal_entity,
    m.psa_customer_global_id AS customer_global_id,
    m.erp_engagement_global_id AS project_global_id,
    NULL AS crm_id,
    m.psa_invoice_id AS psa_id,
    m.erp_invoice_id AS erp_id,
    m.psa_document_number AS document_number,
    m.psa_currency AS currency,
    format('{:.2f}', m.psa_total) AS expected_value,
    format('{:.2f}', m.erp_total_sum) AS actual_value,
    (m.erp_total_sum - m.psa_total)::DECIMAL(18, 2) AS amount_difference,
    abs(m.erp_total_sum - m.psa_total)::DECIMAL(18, 2) AS money_at_risk,
    m.psa_issue_date AS event_date,
    format('PSA invoice {} is {:.2f} {}; the ERP holds {:.2f} in {} posting(s).',
           m.psa_document_number, m.psa_total, m.psa_currency, m.erp_total_sum, m.postings) AS detail,
    NULL::DOUBLE AS confidence
FROM recon.invoice_match AS m
WHERE m.snapshot_date = $snapshot_date AND m.posting_number = 1 AND m.erp_invoice_id IS NOT NULL
  AND m.psa_invoice_id IS NOT NULL AND m.whole_postings < 2
  AND m.erp_invoice_status <> 'voided'
  AND abs(m.erp_total_sum - m.psa_total)
      > $money_tolerance
