-- CUSTOMER_MISSING_IN_ERP: a customer with a closed-won opportunity on its CRM account, or billable
-- work in the PSA (a billable project of its client), that has no ERP customer. One per customer;
-- the won deals' value is what cannot be invoiced.
WITH billable AS (
    SELECT DISTINCT customer_global_id AS global_id
    FROM canonical.engagement WHERE snapshot_date = $snapshot_date AND system = 'psa' AND is_billable
)
SELECT
    'CUSTOMER_MISSING_IN_ERP' AS code,
    u.global_id AS subject_key,
    coalesce(u.crm.legal_entity, u.psa.legal_entity) AS legal_entity,
    ids.*,
    coalesce(u.crm.currency, u.psa.currency) AS currency,
    coalesce(won.won_value, 0) AS money_at_risk,
    won.first_won AS event_date,
    format('{} has {} but no customer in the ERP, so it cannot be invoiced.',
           coalesce(u.crm.name, u.psa.name),
           CASE WHEN won.global_id IS NOT NULL THEN 'a closed-won opportunity' ELSE 'billable work in the PSA' END)
        AS detail
FROM customer_systems($snapshot_date) AS u
LEFT JOIN won_deals($snapshot_date) AS won USING (global_id)
WHERE u.erp.source_id IS NULL AND (won.global_id IS NOT NULL OR u.global_id IN (SELECT global_id FROM billable))
