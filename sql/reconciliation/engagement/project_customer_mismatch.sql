-- PROJECT_CUSTOMER_MISMATCH: the project's client is another customer than the opportunity's
-- account (compared by customer global id; the CRM account is authoritative). One per opportunity
-- and project; the values are the CRM account ids (the PSA client's own id when it has no account).
SELECT
    'PROJECT_CUSTOMER_MISMATCH' AS code,
    ids.*,
    opp.customer_source_id AS expected_value,
    coalesce(client_account.source_id, 'psa:' || project.customer_source_id) AS actual_value,
    0 AS money_at_risk,
    opp.close_date AS event_date,
    format('{} is sold to {} but its PSA project {} is for {}.', opp.name,
           coalesce(account.name, opp.customer_source_id), project.name, coalesce(client.name, project.customer_source_id))
        AS detail
FROM opportunity_projects($snapshot_date)
LEFT JOIN customer_records($snapshot_date) AS account
       ON account.system = 'crm' AND account.source_id = opp.customer_source_id
LEFT JOIN customer_records($snapshot_date) AS client
       ON client.system = 'psa' AND client.source_id = project.customer_source_id
LEFT JOIN customer_system_records($snapshot_date) AS client_account
       ON client_account.system = 'crm' AND client_account.global_id = project.customer_global_id
WHERE opp.customer_global_id IS DISTINCT FROM project.customer_global_id
