-- What each correction in the outbox concerns and why, for the person deciding it: its finding as
-- last seen (owner queue, the plain sentence, the document) and the customer's name there (the CRM's,
-- else the PSA's, else the ERP's). {customers} is canonical.customer, or an empty stand-in before
-- the canonical stage has run.
WITH latest AS (
    SELECT finding_id, owner_queue, detail, document_number, customer_global_id, snapshot_date
    FROM recon.findings
    WHERE finding_id IN (SELECT finding_id FROM corrections.outbox)
    QUALIFY row_number() OVER (PARTITION BY finding_id ORDER BY snapshot_date DESC) = 1
),
named AS (
    SELECT l.finding_id, c.name,
           row_number() OVER (PARTITION BY l.finding_id
                              ORDER BY CASE c.system WHEN 'crm' THEN 0 WHEN 'psa' THEN 1 ELSE 2 END, c.name) AS pick
    FROM latest AS l
    JOIN {customers} AS c ON c.global_id = l.customer_global_id AND c.snapshot_date = l.snapshot_date
)
SELECT l.finding_id, l.owner_queue, l.detail AS finding_detail, l.document_number, n.name AS customer_name
FROM latest AS l
LEFT JOIN named AS n ON n.finding_id = l.finding_id AND n.pick = 1
