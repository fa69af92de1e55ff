-- CUSTOMER_CURRENCY_MISMATCH: the PSA client bills the customer in another currency than its ERP
-- customer (the ERP, which books the receivable, is authoritative). One per customer.
WITH customers AS (
    SELECT * FROM canonical.customer WHERE snapshot_date = $snapshot_date
)
SELECT
    'CUSTOMER_CURRENCY_MISMATCH' AS code,
    erp.global_id AS subject_key,
    erp.legal_entity,
    erp.global_id AS customer_global_id,
    NULL AS project_global_id,
    crm.source_id AS crm_id,
    psa.source_id AS psa_id,
    erp.source_id AS erp_id,
    NULL AS document_number,
    NULL AS currency,
    erp.currency AS expected_value,
    psa.currency AS actual_value,
    NULL AS amount_difference,
    0 AS money_at_risk,
    NULL AS event_date,
    format('The PSA bills {} in {}, the ERP in {}.', erp.name, psa.currency, erp.currency) AS detail,
    NULL AS confidence
FROM customers AS erp
JOIN customers AS psa ON psa.global_id = erp.global_id AND psa.system = 'psa'
LEFT JOIN customers AS crm ON crm.global_id = erp.global_id AND crm.system = 'crm'
WHERE erp.system = 'erp' AND psa.currency IS DISTINCT FROM erp.currency
