-- CUSTOMER_CURRENCY_MISMATCH: the PSA client bills the customer in another currency than its ERP
-- customer (the ERP, which books the receivable, is authoritative). One per customer.
SELECT
    'CUSTOMER_CURRENCY_MISMATCH' AS code,
    global_id AS subject_key,
    erp.legal_entity,
    ids.*,
    erp.currency AS expected_value,
    psa.currency AS actual_value,
    0 AS money_at_risk,
    format('The PSA bills {} in {}, the ERP in {}.', erp.name, psa.currency, erp.currency) AS detail
FROM customer_systems($snapshot_date)
WHERE erp.source_id IS NOT NULL AND psa.source_id IS NOT NULL AND psa.currency IS DISTINCT FROM erp.currency
  AND erp.currency IS NOT NULL  -- an ERP that states no billing currency (a Xero contact never invoiced) is no evidence
