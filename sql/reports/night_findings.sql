-- A night's findings as users see them (shared/contracts/findings.md): recon.findings with the
-- correction that answers each, which the corrections stage keeps in corrections.finding_links.
SELECT f.* EXCLUDE (snapshot_date), l.correction_id
FROM recon.findings AS f
LEFT JOIN corrections.finding_links AS l ON l.snapshot_date = f.snapshot_date AND l.finding_id = f.finding_id
WHERE f.snapshot_date = $snapshot_date
ORDER BY f.status, f.code, f.finding_id
