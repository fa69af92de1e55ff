-- CUSTOMER_STATUS_MISMATCH: a customer inactive in one system while it has open work (time logged in
-- the last $open_work_days days) or open invoices. One per customer; the open receivable is what is
-- at risk (the ERP's when it has one, else the PSA's).
WITH customers AS (
    SELECT * FROM canonical.customer WHERE snapshot_date = $snapshot_date
),
inactive AS (
    SELECT global_id, string_agg(upper(system), ' and ' ORDER BY system) AS systems
    FROM customers WHERE NOT is_active GROUP BY 1
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
    coalesce(erp.legal_entity, crm.legal_entity, psa.legal_entity) AS legal_entity,
    i.global_id AS customer_global_id,
    NULL AS project_global_id,
    crm.source_id AS crm_id,
    psa.source_id AS psa_id,
    erp.source_id AS erp_id,
    NULL AS document_number,
    coalesce(erp.currency, psa.currency) AS currency,
    'active' AS expected_value,
    'inactive' AS actual_value,
    NULL AS amount_difference,
    coalesce(o.erp_due, o.psa_due, 0) AS money_at_risk,
    w.last_work AS event_date,
    format('{} is inactive in the {} but has {}.', coalesce(crm.name, erp.name, psa.name), i.systems,
           concat_ws(' and ',
                     CASE WHEN w.global_id IS NOT NULL THEN format('time logged up to {}', w.last_work) END,
                     CASE WHEN o.global_id IS NOT NULL THEN format('{} open invoice(s)', o.invoices) END)) AS detail,
    NULL AS confidence
FROM inactive AS i
LEFT JOIN recent_work AS w USING (global_id)
LEFT JOIN open_invoices AS o USING (global_id)
LEFT JOIN customers AS crm ON crm.global_id = i.global_id AND crm.system = 'crm'
LEFT JOIN customers AS psa ON psa.global_id = i.global_id AND psa.system = 'psa'
LEFT JOIN customers AS erp ON erp.global_id = i.global_id AND erp.system = 'erp'
WHERE w.global_id IS NOT NULL OR o.global_id IS NOT NULL
