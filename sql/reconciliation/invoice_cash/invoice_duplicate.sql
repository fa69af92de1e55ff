-- One PSA invoice posted more than once in the ERP, each posting carrying the whole invoice (a
-- split's parts carry a share each): one finding per PSA invoice, naming the latest posting.
SELECT
    'INVOICE_DUPLICATE' AS code,
    unnest(any_value(ids)),
    arg_max(erp_invoice_id, posting_number) AS erp_id,
    format('{:.2f}', any_value(psa_total)) AS expected_value,
    format('{:.2f}', any_value(erp_total_sum)) AS actual_value,
    (any_value(erp_total_sum) - any_value(psa_total))::DECIMAL(18, 2) AS amount_difference,
    abs(any_value(erp_total_sum) - any_value(psa_total))::DECIMAL(18, 2) AS money_at_risk,
    any_value(psa_issue_date) AS event_date,
    format('PSA invoice {} ({:.2f} {}) is posted {} times in the ERP: {}.', any_value(psa_document_number),
           any_value(psa_total), any_value(psa_currency), count(*),
           string_agg(erp_invoice_id, ', ' ORDER BY posting_number)) AS detail
FROM psa_invoice_postings($snapshot_date)
WHERE erp_invoice_id IS NOT NULL AND in_its_erp AND whole_postings >= 2
GROUP BY psa_invoice_id
