-- A PSA invoice posted in the ERP in another currency: one finding per PSA invoice (naming its
-- first posting in another currency).
SELECT
    'INVOICE_CURRENCY_MISMATCH' AS code,
    unnest(any_value(ids)),
    arg_min(erp_invoice_id, posting_number) AS erp_id,
    any_value(psa_currency) AS expected_value,
    arg_min(erp_currency, posting_number) AS actual_value,
    any_value(psa_total) AS money_at_risk,
    any_value(psa_issue_date) AS event_date,
    format('PSA invoice {} is in {}; the ERP posted it in {}.', any_value(psa_document_number),
           any_value(psa_currency), arg_min(erp_currency, posting_number)) AS detail
FROM psa_invoice_postings($snapshot_date)
WHERE erp_invoice_id IS NOT NULL AND in_its_erp AND erp_currency <> psa_currency
GROUP BY psa_invoice_id
