-- Time billed in one system and unbilled in the other: the PSA entry's invoiced flag against the
-- ERP TimeActivity copied from it (HasBeenBilled or Billable). One finding per time entry.
SELECT
    'TIME_BILLED_STATUS_MISMATCH' AS code,
    t.source_id AS subject_key,
    t.legal_entity,
    t.customer_global_id,
    t.engagement_global_id AS project_global_id,
    NULL AS crm_id,
    t.source_id AS psa_id,
    erp.source_id AS erp_id,
    invoice.document_number,
    coalesce(erp.currency, t.currency) AS currency,
    CASE WHEN t.is_billed THEN 'HasBeenBilled' ELSE 'Billable' END AS expected_value,
    erp.billable_status AS actual_value,
    t.billable_amount::DECIMAL(18, 2) AS amount_difference,
    coalesce(t.billable_amount, 0)::DECIMAL(18, 2) AS money_at_risk,
    t.spent_date AS event_date,
    CASE WHEN t.is_billed
         THEN format('Time of {} invoiced in the PSA (invoice {}) is still unbilled in the ERP.',
                     t.spent_date, coalesce(invoice.document_number, t.invoice_source_id))
         ELSE format('Time of {} is unbilled in the PSA but marked as billed in the ERP.', t.spent_date)
    END AS detail,
    NULL::DOUBLE AS confidence
FROM canonical.time_entry AS t
JOIN canonical.time_entry AS erp
  ON erp.snapshot_date = t.snapshot_date AND erp.system = 'erp' AND erp.global_id = t.global_id
LEFT JOIN canonical.invoice AS invoice
       ON invoice.snapshot_date = t.snapshot_date AND invoice.system = 'psa'
      AND invoice.source_id = t.invoice_source_id
WHERE t.snapshot_date = $snapshot_date AND t.system = 'psa'
  AND erp.billable_status IN ('Billable', 'HasBeenBilled')
  AND t.is_billed <> (erp.billable_status = 'HasBeenBilled')
