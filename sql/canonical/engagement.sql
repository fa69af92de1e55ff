-- Engagements: one row per PSA project, CRM opportunity (a Salesforce opportunity or a HubSpot deal:
-- crm_records.sql) and ERP project. The PSA project anchors; an opportunity joins it
-- through its PSA project field (else the one project whose code is the opportunity's id: a
-- Salesforce Id, or `hubspot:<deal id>`), an ERP project (a QuickBooks project sub-customer or a Xero
-- project: erp_records.sql) through the `harvest_project:<id>` it names.
WITH projects AS (
    SELECT
        'psa' AS system,
        record_id AS source_id,
        'eng_' || left(md5('psa:' || record_id), 16) AS global_id,
        'anchor' AS link,
        payload ->> '$.client.id' AS customer_source_id,
        payload ->> '$.name' AS name,
        CASE WHEN (payload ->> '$.is_fixed_fee')::BOOLEAN THEN 'fixed_fee' ELSE 'time_and_materials' END
            AS billing_model,
        CASE WHEN (payload ->> '$.is_fixed_fee')::BOOLEAN THEN payload ->> '$.fee' ELSE payload ->> '$.budget' END
            ::DECIMAL(18, 2) AS value,
        payload ->> '$.client.currency' AS currency,
        (payload ->> '$.is_active')::BOOLEAN AS is_active,
        (payload ->> '$.is_billable')::BOOLEAN AS is_billable,
        payload ->> '$.bill_by' AS bill_by,
        (payload ->> '$.hourly_rate')::DECIMAL(18, 2) AS hourly_rate,
        (payload ->> '$.starts_on')::DATE AS starts_on,
        (payload ->> '$.ends_on')::DATE AS ends_on,
        nullif(payload ->> '$.code', '') AS psa_code
    FROM valid.harvest__projects
    WHERE snapshot_date = $snapshot_date
),
coded AS (
    SELECT psa_code, min(global_id) AS global_id FROM projects
    WHERE psa_code IS NOT NULL GROUP BY 1 HAVING count(*) = 1
),
opportunities AS (
    SELECT
        'crm' AS system,
        o.source_id,
        coalesce(named.global_id, coded.global_id, 'eng_' || left(md5('crm:' || o.source_id), 16)) AS global_id,
        CASE WHEN named.global_id IS NOT NULL THEN o.psa_project_link
             WHEN coded.global_id IS NOT NULL THEN 'psa.project.code'
             ELSE 'anchor' END AS link,
        o.legal_entity,
        o.customer_source_id,
        o.name,
        CASE o.billing_model WHEN 'Fixed Fee' THEN 'fixed_fee'
                             WHEN 'Time and Materials' THEN 'time_and_materials' END AS billing_model,
        o.value,
        o.currency,
        o.stage,
        o.is_won,
        o.is_closed,
        o.close_date,
        o.crm_psa_project_id
    FROM crm_opportunity_records($snapshot_date, $legal_entity_field, $billing_model_field, $psa_project_id_field) AS o
    LEFT JOIN projects AS named ON named.source_id = o.crm_psa_project_id
    LEFT JOIN coded ON coded.psa_code = o.source_id
),
erp_projects AS (
    SELECT
        'erp' AS system,
        q.source_id,
        coalesce(p.global_id, 'eng_' || left(md5('erp:' || q.source_id), 16)) AS global_id,
        CASE WHEN p.global_id IS NULL THEN 'anchor'
             WHEN q.vendor = 'xero' THEN 'erp.name.harvest_project'
             ELSE 'erp.Notes.harvest_project' END AS link,
        q.legal_entity,
        q.customer_source_id,
        q.name,
        q.currency,
        q.is_active
    FROM erp_project_records($snapshot_date) AS q
    LEFT JOIN projects AS p ON p.source_id = q.psa_project_id
),
-- A PSA project belongs to the ERP company it is posted in, else to its client's legal entity.
posted_in AS (
    SELECT global_id, min(legal_entity) AS legal_entity FROM erp_projects GROUP BY 1
),
records AS (
    SELECT p.*, coalesce(posted_in.legal_entity, client.legal_entity) AS legal_entity
    FROM projects AS p
    LEFT JOIN posted_in USING (global_id)
    LEFT JOIN canonical.customer AS client
           ON client.snapshot_date = $snapshot_date AND client.system = 'psa'
          AND client.source_id = p.customer_source_id
    UNION ALL BY NAME SELECT * FROM opportunities
    UNION ALL BY NAME SELECT * FROM erp_projects
)
SELECT
    $snapshot_date::DATE AS snapshot_date,
    r.global_id,
    r.system,
    r.source_id,
    r.legal_entity,
    r.link,
    customer.global_id AS customer_global_id,
    r.customer_source_id,
    r.name,
    r.billing_model,
    r.value,
    r.currency,
    r.stage,
    r.is_won,
    r.is_closed,
    r.close_date,
    r.is_active,
    r.is_billable,
    r.bill_by,
    r.hourly_rate,
    r.starts_on,
    r.ends_on,
    r.crm_psa_project_id,
    r.psa_code
FROM records AS r
LEFT JOIN canonical.customer AS customer
       ON customer.snapshot_date = $snapshot_date AND customer.system = r.system
      AND customer.source_id = r.customer_source_id
