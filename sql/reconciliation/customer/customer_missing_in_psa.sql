-- CUSTOMER_MISSING_IN_PSA: a CRM account with a closed-won opportunity whose customer has no PSA
-- client, so no project can be set up for the work sold. One per customer.
SELECT
    'CUSTOMER_MISSING_IN_PSA' AS code,
    global_id AS subject_key,
    coalesce(erp.legal_entity, crm.legal_entity) AS legal_entity,
    ids.*,
    crm.currency,
    won.won_value AS money_at_risk,
    won.first_won AS event_date,
    format('{} has a closed-won opportunity but no client in the PSA.', crm.name) AS detail
FROM customer_systems($snapshot_date)
JOIN won_deals($snapshot_date) AS won USING (global_id)
WHERE crm.source_id IS NOT NULL AND psa.source_id IS NULL
