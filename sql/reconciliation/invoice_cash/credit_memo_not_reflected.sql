-- An ERP credit memo applied to a PSA invoice's posting that the PSA's amount due does not
-- reflect: one finding per credit memo.
SELECT
    'CREDIT_MEMO_NOT_REFLECTED' AS code,
    r.credit_memo_id AS subject_key,
    ids.* EXCLUDE (subject_key, document_number),
    r.credit_memo_id AS erp_id,
    memo.document_number,
    amount_due.*,
    r.credited AS money_at_risk,
    r.applied_on AS event_date,
    format('Credit memo {} ({:.2f} {}, applied {}) is not in PSA invoice {}''s amount due ({:.2f}).',
           memo.document_number, r.credited, m.psa_currency, r.applied_on, m.psa_document_number,
           m.psa_amount_due) AS detail
FROM (
    SELECT credit_memo_id, min(psa_invoice_id) AS psa_invoice_id, sum(amount) AS credited,
           min(payment_date) AS applied_on
    FROM recon.invoice_receipt
    WHERE snapshot_date = $snapshot_date AND kind = 'credit' AND unreflected
    GROUP BY 1
) AS r
JOIN psa_invoice_postings($snapshot_date) AS m ON m.psa_invoice_id = r.psa_invoice_id AND m.posting_number = 1
LEFT JOIN canonical.credit_memo AS memo
       ON memo.snapshot_date = $snapshot_date AND memo.source_id = r.credit_memo_id
