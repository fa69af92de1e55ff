-- Payment applications: one row per application of a payment or credit to an invoice (QuickBooks
-- payment lines' `LinkedTxn`; Xero payments and credit-note allocations: erp_records.sql), naming the
-- invoice and/or credit memo it settles, in the document's currency. A Xero credit-note allocation
-- has no payment: its `source_id` is the credit note's, its payment_global_id empty.
SELECT
    $snapshot_date::DATE AS snapshot_date,
    'erp' AS system,
    a.source_id,
    a.legal_entity,
    payment.global_id AS payment_global_id,
    invoice.global_id AS invoice_global_id,
    a.invoice_source_id,
    a.credit_memo_source_id,
    a.applied_on,
    a.amount
FROM erp_payment_application_records($snapshot_date) AS a
LEFT JOIN canonical.payment AS payment
       ON payment.snapshot_date = $snapshot_date AND payment.source_id = a.source_id
LEFT JOIN canonical.invoice AS invoice
       ON invoice.snapshot_date = $snapshot_date AND invoice.system = 'erp'
      AND invoice.source_id = a.invoice_source_id
