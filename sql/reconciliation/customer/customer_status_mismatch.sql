-- CUSTOMER_STATUS_MISMATCH: a customer inactive in one system while it has open work (time logged in
-- the last $open_work_days days) or open invoices. One per customer; the open receivable is what is
-- at risk (the ERP's when it has one, else the PSA's).
WITH inactive AS (
    SELECT global_id, string_agg(upper(system), ' and ' ORDER BY system) AS systems
    FROM customer_records($snapshot_date) WHERE NOT is_active GROUP BY 1
),
recent_work AS (
    SELECT customer_global_id AS global_id, max(spent_date) AS last_work
    FROM canonical.time_entry
    WHERE snapshot_date = $snapshot_date AND system = 'psa'
      AND spent_date > $snapshot_date::DATE - $open_work_days::INTEGER AND spent_date <= $snapshot_date::DATE
    GROUP BY 1
),
open_invoices AS (
    SELECT customer_global_id AS global_id,
           sum(amount_due) FILTER (WHERE system = 'erp') AS erp_due,
           sum(amount_due) FILTER (WHERE system = 'psa') AS psa_due,
           count(DISTINCT global_id) AS invoices
    FROM canonical.invoice
    WHERE snapshot_date = $snapshot_date AND amount_due > 0 AND status NOT IN ('voided', 'draft')
    GROUP BY 1
)
SELECT
    'CUSTOMER_STATUS_MISMATCH' AS code,
    i.global_id AS subject_key,
    coalesce(s.erp.legal_entity, s.crm.legal_entity, s.psa.legal_entity) AS legal_entity,
    ids.*,
    coalesce(s.erp.currency, s.psa.currency) AS currency,
    'active' AS expected_value,
    'inactive' AS actual_value,
    coalesce(o.erp_due, o.psa_due, 0) AS money_at_risk,
    w.last_work AS event_date,
    format('{} is inactive in the {} but has {}.', coalesce(s.crm.name, s.erp.name, s.psa.name), i.systems,
           concat_ws(' and ',
                     CASE WHEN w.global_id IS NOT NULL THEN format('time logged up to {}', w.last_work) END,
                     CASE WHEN o.global_id IS NOT NULL THEN format('{} open invoice(s)', o.invoices) END)) AS detail
FROM inactive AS i
JOIN customer_systems($snapshot_date) AS s USING (global_id)
LEFT JOIN recent_work AS w USING (global_id)
LEFT JOIN open_invoices AS o USING (global_id)
WHERE w.global_id IS NOT NULL OR o.global_id IS NOT NULL
