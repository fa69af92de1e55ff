-- What each correction in the outbox concerns and why, for the person deciding it: its finding as
-- last seen (owner queue, the plain sentence, the document) and the customer's name that night
-- (customer_names, sql/corrections/customer_names.sql).
WITH latest AS (
    SELECT finding_id, owner_queue, detail, document_number, customer_global_id, snapshot_date
    FROM recon.findings
    WHERE finding_id IN (SELECT finding_id FROM corrections.outbox)
    QUALIFY row_number() OVER (PARTITION BY finding_id ORDER BY snapshot_date DESC) = 1
)
SELECT l.finding_id, l.owner_queue, l.detail AS finding_detail, l.document_number, n.name AS customer_name
FROM latest AS l
LEFT JOIN customer_names AS n ON n.snapshot_date = l.snapshot_date AND n.global_id = l.customer_global_id
