-- CUSTOMER_MISSING_IN_ERP: a customer with a closed-won opportunity on its CRM account, or billable
-- work in the PSA (a billable project of its client), that has no ERP customer. One per customer;
-- the won deals' value is what cannot be invoiced.
WITH customers AS (
    SELECT * FROM canonical.customer WHERE snapshot_date = $snapshot_date
),
engagements AS (
    SELECT * FROM canonical.engagement WHERE snapshot_date = $snapshot_date
),
won AS (
    SELECT customer_global_id AS global_id, sum(value) AS won_value, min(close_date) AS first_won
    FROM engagements WHERE system = 'crm' AND is_won
    GROUP BY 1
),
billable AS (
    SELECT DISTINCT customer_global_id AS global_id
    FROM engagements WHERE system = 'psa' AND is_billable
),
unbilled AS (
    SELECT g.global_id, crm, psa
    FROM (SELECT global_id FROM customers GROUP BY 1 HAVING count(*) FILTER (WHERE system = 'erp') = 0) AS g
    LEFT JOIN customers AS crm ON crm.global_id = g.global_id AND crm.system = 'crm'
    LEFT JOIN customers AS psa ON psa.global_id = g.global_id AND psa.system = 'psa'
)
SELECT
    'CUSTOMER_MISSING_IN_ERP' AS code,
    u.global_id AS subject_key,
    coalesce(u.crm.legal_entity, u.psa.legal_entity) AS legal_entity,
    u.global_id AS customer_global_id,
    NULL AS project_global_id,
    u.crm.source_id AS crm_id,
    u.psa.source_id AS psa_id,
    NULL AS erp_id,
    NULL AS document_number,
    coalesce(u.crm.currency, u.psa.currency) AS currency,
    NULL AS expected_value,
    NULL AS actual_value,
    NULL AS amount_difference,
    coalesce(won.won_value, 0) AS money_at_risk,
    won.first_won AS event_date,
    format('{} has {} but no customer in the ERP, so it cannot be invoiced.',
           coalesce(u.crm.name, u.psa.name),
           CASE WHEN won.global_id IS NOT NULL THEN 'a closed-won opportunity' ELSE 'billable work in the PSA' END)
        AS detail,
    NULL AS confidence
FROM unbilled AS u
LEFT JOIN won USING (global_id)
WHERE won.global_id IS NOT NULL OR u.global_id IN (SELECT global_id FROM billable)
