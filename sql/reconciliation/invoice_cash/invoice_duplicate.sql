-- One PSA invoice posted more than once in the ERP, each posting carrying the whole invoice (a
-- split's parts carry a share each): one finding per PSA invoice, naming the latest posting.
SELECT
    'INVOICE_DUPLICATE' AS code,
    m.psa_invoice_id AS subject_key,
    any_value(m.legal_entity) AS legal_entity,
    any_value(m.psa_customer_global_id) AS customer_global_id,
    any_value(m.erp_engagement_global_id) AS project_global_id,
    NULL AS crm_id,
    m.psa_invoice_id AS psa_id,
    arg_max(m.erp_invoice_id, m.posting_number) AS erp_id,
    any_value(m.psa_document_number) AS document_number,
    any_value(m.psa_currency) AS currency,
    format('{:.2f}', any_value(m.psa_total)) AS expected_value,
    format('{:.2f}', any_value(m.erp_total_sum)) AS actual_value,
    (any_value(m.erp_total_sum) - any_value(m.psa_total))::DECIMAL(18, 2) AS amount_difference,
    abs(any_value(m.erp_total_sum) - any_value(m.psa_total))::DECIMAL(18, 2) AS money_at_risk,
    any_value(m.psa_issue_date) AS event_date,
    format('PSA invoice {} ({:.2f} {}) is posted {} times in the ERP: {}.', any_value(m.psa_document_number),
           any_value(m.psa_total), any_value(m.psa_currency), count(*),
           string_agg(m.erp_invoice_id, ', ' ORDER BY m.posting_number)) AS detail,
    NULL::DOUBLE AS confidence
FROM recon.invoice_match AS m
WHERE m.snapshot_date = $snapshot_date AND m.psa_invoice_id IS NOT NULL AND m.erp_invoice_id IS NOT NULL
  AND m.whole_postings >= 2
GROUP BY m.psa_invoice_id
