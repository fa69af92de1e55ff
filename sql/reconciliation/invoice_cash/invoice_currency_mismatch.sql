-- A PSA invoice posted in the ERP in another currency: one finding per PSA invoice (naming its
-- first posting in another currency).
SELECT
    'INVOICE_CURRENCY_MISMATCH' AS code,
    m.psa_invoice_id AS subject_key,
    any_value(m.legal_entity) AS legal_entity,
    any_value(m.psa_customer_global_id) AS customer_global_id,
    any_value(m.erp_engagement_global_id) AS project_global_id,
    NULL AS crm_id,
    m.psa_invoice_id AS psa_id,
    arg_min(m.erp_invoice_id, m.posting_number) AS erp_id,
    any_value(m.psa_document_number) AS document_number,
    any_value(m.psa_currency) AS currency,
    any_value(m.psa_currency) AS expected_value,
    arg_min(m.erp_currency, m.posting_number) AS actual_value,
    NULL::DECIMAL(18, 2) AS amount_difference,
    any_value(m.psa_total) AS money_at_risk,
    any_value(m.psa_issue_date) AS event_date,
    format('PSA invoice {} is in {}; the ERP posted it in {}.', any_value(m.psa_document_number),
           any_value(m.psa_currency), arg_min(m.erp_currency, m.posting_number)) AS detail,
    NULL::DOUBLE AS confidence
FROM recon.invoice_match AS m
WHERE m.snapshot_date = $snapshot_date AND m.psa_invoice_id IS NOT NULL AND m.erp_invoice_id IS NOT NULL
  AND m.erp_currency <> m.psa_currency
GROUP BY m.psa_invoice_id
