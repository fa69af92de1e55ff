-- The night's open findings of the codes that have a correction policy (recon.findings,
-- shared/contracts/findings.md columns).
SELECT finding_id, code, legal_entity, customer_global_id, project_global_id, crm_id, psa_id, erp_id,
       document_number, currency, expected_value, actual_value, status
FROM recon.findings
WHERE snapshot_date = $snapshot_date
  AND coalesce(status, 'open') = 'open'
  AND list_contains($codes, code)
ORDER BY code, finding_id
