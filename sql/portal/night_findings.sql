-- A night's open findings in the user's queues for the explorer, each with its customer's name that
-- night (customer_names, sql/corrections/customer_names.sql) and its standing work (finding_work,
-- sql/workbench/finding_work.sql).
SELECT f.*, n.name AS customer_name, w.assignee, w.explained_by, w.explained_at, w.explanation
FROM recon.findings AS f
LEFT JOIN customer_names AS n ON n.snapshot_date = f.snapshot_date AND n.global_id = f.customer_global_id
LEFT JOIN finding_work AS w ON w.finding_id = f.finding_id
WHERE f.snapshot_date = $snapshot_date AND f.status = 'open' AND list_contains($queues, f.owner_queue)
ORDER BY f.finding_id
