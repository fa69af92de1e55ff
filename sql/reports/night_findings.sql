-- A night's findings as users see them (shared/contracts/findings.md): recon.findings with the
-- correction that answers each, which the corrections stage keeps in corrections.finding_links, and
-- who explained it in the portal, when and why, as the night's tie-out counted it
-- (workbench.night_explanations).
SELECT f.* EXCLUDE (snapshot_date), l.correction_id, x.explained_by, x.explained_at, x.explanation
FROM recon.findings AS f
LEFT JOIN corrections.finding_links AS l ON l.snapshot_date = f.snapshot_date AND l.finding_id = f.finding_id
LEFT JOIN workbench.night_explanations AS x ON x.snapshot_date = f.snapshot_date AND x.finding_id = f.finding_id
WHERE f.snapshot_date = $snapshot_date
ORDER BY f.status, f.code, f.finding_id
