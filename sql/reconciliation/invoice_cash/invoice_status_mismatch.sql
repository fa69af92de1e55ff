-- Settled (paid or voided) in the ERP but open in the PSA, or the reverse: one finding per PSA
-- invoice. The PSA's `paid` and `closed` (settled with a credit) both count as settled.
SELECT
    'INVOICE_STATUS_MISMATCH' AS code,
    m.psa_invoice_id AS subject_key,
    m.legal_entity,
    m.psa_customer_global_id AS customer_global_id,
    m.erp_engagement_global_id AS project_global_id,
    NULL AS crm_id,
    m.psa_invoice_id AS psa_id,
    m.erp_invoice_id AS erp_id,
    m.psa_document_number AS document_number,
    m.psa_currency AS currency,
    m.psa_status AS expected_value,
    m.erp_invoice_status AS actual_value,
    NULL::DECIMAL(18, 2) AS amount_difference,
    abs(m.erp_amount_due_sum - m.psa_amount_due)::DECIMAL(18, 2) AS money_at_risk,
    m.psa_issue_date AS event_date,
    format('PSA invoice {} is {} in the PSA and {} in the ERP.', m.psa_document_number, m.psa_status,
           m.erp_invoice_status) AS detail,
    NULL::DOUBLE AS confidence
FROM recon.invoice_match AS m
WHERE m.snapshot_date = $snapshot_date AND m.posting_number = 1
  AND m.psa_invoice_id IS NOT NULL AND m.erp_invoice_id IS NOT NULL
  AND (m.psa_status IN ('paid', 'closed')) <> (m.erp_invoice_status IN ('paid', 'voided'))
