-- During a legal entity's ERP cutover, a PSA invoice posted in the ERP it belongs in (the former one
-- before the cutover date, the current one from it on) and in the other one too: one finding per PSA
-- invoice, naming the posting that does not belong. An opening item migrated with its `migrated:`
-- reference carries an old invoice on and is not a posting (recon.invoice_match).
SELECT
    'INVOICE_POSTED_IN_BOTH_ERPS' AS code,
    unnest(any_value(ids)),
    arg_min(erp_invoice_id, posting_number) FILTER (WHERE NOT in_its_erp) AS erp_id,
    sum(erp_total) FILTER (WHERE NOT in_its_erp)::DECIMAL(18, 2) AS money_at_risk,
    any_value(psa_issue_date) AS event_date,
    format('PSA invoice {} of {} ({:.2f} {}) is posted in {} and again in {}: {}.', any_value(psa_document_number),
           any_value(psa_issue_date), any_value(psa_total), any_value(psa_currency),
           arg_min(erp_vendor, posting_number) FILTER (WHERE in_its_erp),
           arg_min(erp_vendor, posting_number) FILTER (WHERE NOT in_its_erp),
           string_agg(erp_invoice_id, ', ' ORDER BY posting_number)) AS detail
FROM psa_invoice_postings($snapshot_date)
WHERE erp_invoice_id IS NOT NULL
  -- the invoices with a posting outside its ERP first: the ids and texts are built for them alone
  AND psa_invoice_id IN (SELECT psa_invoice_id FROM recon.invoice_match
                         WHERE snapshot_date = $snapshot_date AND NOT in_its_erp)
GROUP BY psa_invoice_id
HAVING bool_or(NOT in_its_erp)
