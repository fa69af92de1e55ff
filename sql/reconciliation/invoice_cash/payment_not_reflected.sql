-- ERP cash payments that the PSA invoice's amount due does not reflect: one finding per PSA invoice.
SELECT
    'PAYMENT_NOT_REFLECTED' AS code,
    m.psa_invoice_id AS subject_key,
    m.legal_entity,
    m.psa_customer_global_id AS customer_global_id,
    m.erp_engagement_global_id AS project_global_id,
    NULL AS crm_id,
    m.psa_invoice_id AS psa_id,
    m.erp_invoice_id AS erp_id,
    m.psa_document_number AS document_number,
    m.psa_currency AS currency,
    format('{:.2f}', m.erp_amount_due_sum) AS expected_value,
    format('{:.2f}', m.psa_amount_due) AS actual_value,
    (m.psa_amount_due - m.erp_amount_due_sum)::DECIMAL(18, 2) AS amount_difference,
    r.cash AS money_at_risk,
    r.first_day AS event_date,
    format('{} ERP payment(s) of {:.2f} {} since {} are not in PSA invoice {}''s amount due ({:.2f}).',
           r.payments, r.cash, m.psa_currency, r.first_day, m.psa_document_number, m.psa_amount_due) AS detail,
    NULL::DOUBLE AS confidence
FROM (
    SELECT psa_invoice_id, count(*) AS payments, sum(amount) AS cash, min(payment_date) AS first_day
    FROM recon.invoice_receipt
    WHERE snapshot_date = $snapshot_date AND kind = 'cash' AND unreflected
    GROUP BY 1
) AS r
JOIN recon.invoice_match AS m
  ON m.snapshot_date = $snapshot_date AND m.psa_invoice_id = r.psa_invoice_id AND m.posting_number = 1
