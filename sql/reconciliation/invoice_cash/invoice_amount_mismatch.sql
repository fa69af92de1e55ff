-- A PSA invoice whose ERP total (the sum of its parts when split) differs beyond the tolerance:
-- one finding per PSA invoice. A duplicate posting is INVOICE_DUPLICATE, and postings that are all
-- voided are INVOICE_STATUS_MISMATCH, not an amount difference.
SELECT
    'INVOICE_AMOUNT_MISMATCH' AS code,
    ids.*,
    erp_invoice_id AS erp_id,
    format('{:.2f}', psa_total) AS expected_value,
    format('{:.2f}', erp_total_sum) AS actual_value,
    (erp_total_sum - psa_total)::DECIMAL(18, 2) AS amount_difference,
    abs(erp_total_sum - psa_total)::DECIMAL(18, 2) AS money_at_risk,
    psa_issue_date AS event_date,
    format('PSA invoice {} is {:.2f} {}; the ERP holds {:.2f} in {} posting(s).',
           psa_document_number, psa_total, psa_currency, erp_total_sum, postings) AS detail
FROM psa_invoice_postings($snapshot_date)
WHERE posting_number = 1 AND erp_invoice_id IS NOT NULL AND whole_postings < 2 AND erp_invoice_status <> 'voided'
  AND abs(erp_total_sum - psa_total) > $money_tolerance
