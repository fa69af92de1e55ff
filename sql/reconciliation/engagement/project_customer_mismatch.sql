-- PROJECT_CUSTOMER_MISMATCH: the project's client is another customer than the opportunity's
-- account (compared by customer global id; the CRM account is authoritative). One per opportunity
-- and project; the values are the CRM account ids (the PSA client's own id when it has no account).
SELECT
    'PROJECT_CUSTOMER_MISMATCH' AS code,
    'crm:' || opp.source_id || '|psa:' || project.source_id AS subject_key,
    opp.legal_entity,
    opp.customer_global_id,
    opp.global_id AS project_global_id,
    opp.source_id AS crm_id,
    project.source_id AS psa_id,
    NULL AS erp_id,
    NULL AS document_number,
    NULL AS currency,
    opp.customer_source_id AS expected_value,
    coalesce(client_account.source_id, 'psa:' || project.customer_source_id) AS actual_value,
    NULL AS amount_difference,
    0 AS money_at_risk,
    opp.close_date AS event_date,
    format('{} is sold to {} but its PSA project {} is for {}.', opp.name,
           coalesce(account.name, opp.customer_source_id), project.name, coalesce(client.name, project.customer_source_id))
        AS detail,
    NULL AS confidence
FROM canonical.engagement AS opp
JOIN canonical.engagement AS project
  ON project.snapshot_date = opp.snapshot_date AND project.global_id = opp.global_id AND project.system = 'psa'
LEFT JOIN canonical.customer AS account
  ON account.snapshot_date = opp.snapshot_date AND account.system = 'crm' AND account.source_id = opp.customer_source_id
LEFT JOIN canonical.customer AS client
  ON client.snapshot_date = opp.snapshot_date AND client.system = 'psa' AND client.source_id = project.customer_source_id
LEFT JOIN canonical.customer AS client_account
  ON client_account.snapshot_date = opp.snapshot_date AND client_account.system = 'crm'
 AND client_account.global_id = project.customer_global_id
WHERE opp.snapshot_date = $snapshot_date AND opp.system = 'crm'
  AND opp.customer_global_id IS DISTINCT FROM project.customer_global_id
