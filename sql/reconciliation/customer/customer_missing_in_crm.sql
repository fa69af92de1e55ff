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
    global_id AS customer_global_id,
    erp.source_id AS erp_id,
    erp.currency,
    coalesce(invoiced.open_amount, 0) AS money_at_risk,
    invoiced.last_invoiced AS event_date,
    format('{} was invoiced in the ERP on {} but has no CRM account.', erp.name, invoiced.last_invoiced) AS detail
FROM customer_systems($snapshot_date)
JOIN invoiced USING (global_id)
WHERE erp.source_id IS NOT NULL AND crm.source_id IS NULL
