-- ERP cash payments that the PSA invoice's amount due does not reflect: one finding per PSA invoice.
SELECT
    'PAYMENT_NOT_REFLECTED' AS code,
    ids.*,
    m.erp_invoice_id AS erp_id,
    amount_due.*,
    r.cash AS money_at_risk,
    r.first_day AS event_date,
    format('{} ERP payment(s) of {:.2f} {} since {} are not in PSA invoice {}''s amount due ({:.2f}).',
           r.payments, r.cash, m.psa_currency, r.first_day, m.psa_document_number, m.psa_amount_due) AS detail
FROM (
    SELECT psa_invoice_id, count(*) AS payments, sum(amount) AS cash, min(payment_date) AS first_day
    FROM recon.invoice_receipt
    WHERE snapshot_date = $snapshot_date AND kind = 'cash' AND unreflected
    GROUP BY 1
) AS r
JOIN psa_invoice_postings($snapshot_date) AS m ON m.psa_invoice_id = r.psa_invoice_id AND m.posting_number = 1
