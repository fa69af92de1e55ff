-- CUSTOMER_NAME_MISMATCH: linked records of one customer whose names differ after normalisation
-- (case, punctuation, &/and, legal suffixes: canonical.customer.normalized_name). The CRM's name is
-- authoritative, else the ERP's. One per customer, listing every record that differs.
WITH customers AS (
    SELECT *, CASE system WHEN 'crm' THEN 1 WHEN 'erp' THEN 2 ELSE 3 END AS authority
    FROM canonical.customer WHERE snapshot_date = $snapshot_date
),
authoritative AS (
    SELECT global_id, arg_min(customers, authority) AS master FROM customers GROUP BY 1 HAVING count(*) > 1
),
differing AS (
    SELECT a.global_id, a.master,
           string_agg(c.name, '; ' ORDER BY c.authority) AS other_names,
           string_agg(format('the {} calls it "{}"', upper(c.system), c.name), ' and ' ORDER BY c.authority) AS said
    FROM authoritative AS a
    JOIN customers AS c ON c.global_id = a.global_id AND c.system <> a.master.system
    WHERE c.normalized_name IS DISTINCT FROM a.master.normalized_name
    GROUP BY 1, 2
)
SELECT
    'CUSTOMER_NAME_MISMATCH' AS code,
    d.global_id AS subject_key,
    coalesce(erp.legal_entity, d.master.legal_entity) AS legal_entity,
    d.global_id AS customer_global_id,
    NULL AS project_global_id,
    crm.source_id AS crm_id,
    psa.source_id AS psa_id,
    erp.source_id AS erp_id,
    NULL AS document_number,
    NULL AS currency,
    d.master.name AS expected_value,
    d.other_names AS actual_value,
    NULL AS amount_difference,
    0 AS money_at_risk,
    NULL AS event_date,
    format('The {} names the customer "{}" but {}.', upper(d.master.system), d.master.name, d.said) AS detail,
    NULL AS confidence
FROM differing AS d
LEFT JOIN customers AS crm ON crm.global_id = d.global_id AND crm.system = 'crm'
LEFT JOIN customers AS psa ON psa.global_id = d.global_id AND psa.system = 'psa'
LEFT JOIN customers AS erp ON erp.global_id = d.global_id AND erp.system = 'erp'
