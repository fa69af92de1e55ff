-- Time billed in one system and unbilled in the other: the PSA entry's invoiced flag against the
-- ERP TimeActivity copied from it (HasBeenBilled or Billable). One finding per time entry.
SELECT
    'TIME_BILLED_STATUS_MISMATCH' AS code,
    ids.*,
    invoice.document_number,
    billed_currency AS currency,
    CASE WHEN t.is_billed THEN 'HasBeenBilled' ELSE 'Billable' END AS expected_value,
    t.erp_billable_status AS actual_value,
    t.billable_amount::DECIMAL(18, 2) AS amount_difference,
    coalesce(t.billable_amount, 0)::DECIMAL(18, 2) AS money_at_risk,
    t.spent_date AS event_date,
    CASE WHEN t.is_billed
         THEN format('Time of {} invoiced in the PSA (invoice {}) is still unbilled in the ERP.',
                     t.spent_date, coalesce(invoice.document_number, t.invoice_source_id))
         ELSE format('Time of {} is unbilled in the PSA but marked as billed in the ERP.', t.spent_date)
    END AS detail
FROM time_entry_pairs($snapshot_date) AS t
LEFT JOIN canonical.invoice AS invoice
       ON invoice.snapshot_date = $snapshot_date AND invoice.system = 'psa' AND invoice.source_id = t.invoice_source_id
WHERE t.erp_billable_status IN ('Billable', 'HasBeenBilled')
  AND t.is_billed <> (t.erp_billable_status = 'HasBeenBilled')
