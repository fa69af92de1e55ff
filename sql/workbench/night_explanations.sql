-- The night's explained findings as the tie-out counts them (workbench.night_explanations), from
-- `finding_work` (sql/workbench/finding_work.sql).
SELECT $snapshot_date::DATE AS snapshot_date, finding_id, explained_by, explained_at, explanation
FROM finding_work
WHERE explained_by IS NOT NULL
