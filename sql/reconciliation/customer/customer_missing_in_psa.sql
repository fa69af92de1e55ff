-- CUSTOMER_MISSING_IN_PSA: a CRM account with a closed-won opportunity whose customer has no PSA
-- client, so no project can be set up for the work sold. One per customer.
WITH customers AS (
    SELECT * FROM canonical.customer WHERE snapshot_date = $snapshot_date
),
won AS (
    SELECT customer_global_id AS global_id, sum(value) AS won_value, min(close_date) AS first_won
    FROM canonical.engagement
    WHERE snapshot_date = $snapshot_date AND system = 'crm' AND is_won
    GROUP BY 1
)
SELECT
    'CUSTOMER_MISSING_IN_PSA' AS code,
    crm.global_id AS subject_key,
    coalesce(erp.legal_entity, crm.legal_entity) AS legal_entity,
    crm.global_id AS customer_global_id,
    NULL AS project_global_id,
    crm.source_id AS crm_id,
    NULL AS psa_id,
    erp.source_id AS erp_id,
    NULL AS document_number,
    crm.currency,
    NULL AS expected_value,
    NULL AS actual_value,
    NULL AS amount_difference,
    won.won_value AS money_at_risk,
    won.first_won AS event_date,
    format('{} has a closed-won opportunity but no client in the PSA.', crm.name) AS detail,
    NULL AS confidence
FROM customers AS crm
JOIN won ON won.global_id = crm.global_id
LEFT JOIN customers AS erp ON erp.global_id = crm.global_id AND erp.system = 'erp'
WHERE crm.system = 'crm'
  AND NOT EXISTS (SELECT 1 FROM customers AS psa WHERE psa.global_id = crm.global_id AND psa.system = 'psa')
