-- CUSTOMER_NAME_MISMATCH: linked records of one customer whose names differ after normalisation
-- (case, punctuation, &/and, legal suffixes: canonical.customer.normalized_name). The CRM's name is
-- authoritative, else the ERP's. One per customer, listing every record that differs.
WITH customers AS (
    SELECT *, CASE system WHEN 'crm' THEN 1 WHEN 'erp' THEN 2 ELSE 3 END AS authority
    FROM customer_records($snapshot_date)
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
    coalesce(s.erp.legal_entity, d.master.legal_entity) AS legal_entity,
    ids.*,
    d.master.name AS expected_value,
    d.other_names AS actual_value,
    0 AS money_at_risk,
    format('The {} names the customer "{}" but {}.', upper(d.master.system), d.master.name, d.said) AS detail
FROM differing AS d
JOIN customer_systems($snapshot_date) AS s USING (global_id)
