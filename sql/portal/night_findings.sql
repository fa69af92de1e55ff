-- A night's findings for the explorer, each with its customer's name as the canonical model has it
-- that night (the CRM's, else the PSA's, else the ERP's). {customers} is canonical.customer, or an
-- empty stand-in before the canonical stage has run.
SELECT f.*, n.name AS customer_name
FROM recon.findings AS f
LEFT JOIN (
    SELECT global_id, name
    FROM {customers}
    WHERE snapshot_date = $snapshot_date
    QUALIFY row_number() OVER (PARTITION BY global_id
                               ORDER BY CASE system WHEN 'crm' THEN 0 WHEN 'psa' THEN 1 ELSE 2 END, name) = 1
) AS n ON n.global_id = f.customer_global_id
WHERE f.snapshot_date = $snapshot_date
ORDER BY f.finding_id
