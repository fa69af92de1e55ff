-- Settled (paid or voided) in the ERP but open in the PSA, or the reverse: one finding per PSA
-- invoice. The PSA's `paid` and `closed` (settled with a credit) both count as settled.
SELECT
    'INVOICE_STATUS_MISMATCH' AS code,
    ids.*,
    erp_invoice_id AS erp_id,
    psa_status AS expected_value,
    erp_invoice_status AS actual_value,
    abs(erp_amount_due_sum - psa_amount_due)::DECIMAL(18, 2) AS money_at_risk,
    psa_issue_date AS event_date,
    format('PSA invoice {} is {} in the PSA and {} in the ERP.', psa_document_number, psa_status,
           erp_invoice_status) AS detail
FROM psa_invoice_postings($snapshot_date)
WHERE posting_number = 1 AND erp_invoice_id IS NOT NULL
  AND (psa_status IN ('paid', 'closed')) <> (erp_invoice_status IN ('paid', 'voided'))
