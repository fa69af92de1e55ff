-- CUSTOMER_MISSING_IN_CRM: an ERP customer invoiced in the lookback window that no CRM account
-- names. One per ERP customer; its open receivable has no account owner.
WITH invoiced AS (
    SELECT customer_global_id AS global_id, max(issue_date) AS last_invoiced,
           sum(amount_due) FILTER (WHERE status = 'open') AS open_amount
    FROM canonical.invoice
    WHERE snapshot_date = $snapshot_date AND system = 'erp'
      AND issue_date BETWEEN $snapshot_date::DATE - $missing_in_crm_lookback_days::INTEGER AND $snapshot_date::DATE
    GROUP BY 1
)
SELECT
    'CUSTOMER_MISSING_IN_CRM' AS code,
    erp.source_id AS subject_key,
    erp.legal_entity,
    erp.global_id AS customer_global_id,
    NULL AS project_global_id,
    NULL AS crm_id,
    NULL AS psa_id,
    erp.source_id AS erp_id,
    NULL AS document_number,
    erp.currency,
    NULL AS expected_value,
    NULL AS actual_value,
    NULL AS amount_difference,
    coalesce(invoiced.open_amount, 0) AS money_at_risk,
    invoiced.last_invoiced AS event_date,
    format('{} was invoiced in the ERP on {} but has no CRM account.', erp.name, invoiced.last_invoiced) AS detail,
    NULL AS confidence
FROM canonical.customer AS erp
JOIN invoiced USING (global_id)
WHERE erp.snapshot_date = $snapshot_date AND erp.system = 'erp'
  AND NOT EXISTS (SELECT 1 FROM canonical.customer AS crm
                  WHERE crm.snapshot_date = $snapshot_date AND crm.global_id = erp.global_id AND crm.system = 'crm')
