-- One name per customer and night, as finance reads it: the CRM's, else the ERP's, else the PSA's
-- (the authority order of CUSTOMER_NAME_MISMATCH). {customers} is canonical.customer, or its empty
-- stand-in before the canonical stage has run (corrections/warehouse.canonical_table).
CREATE OR REPLACE TEMP VIEW customer_names AS
SELECT snapshot_date, global_id, arg_min(name, CASE system WHEN 'crm' THEN 1 WHEN 'erp' THEN 2 ELSE 3 END) AS name
FROM {customers}
GROUP BY snapshot_date, global_id
