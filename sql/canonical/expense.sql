-- Expenses: one row per PSA expense (the ERP receives them only as invoice lines).
SELECT
    $snapshot_date::DATE AS snapshot_date,
    'exp_' || left(md5('psa:' || x.record_id), 16) AS global_id,
    'psa' AS system,
    x.record_id AS source_id,
    engagement.legal_entity,
    'anchor' AS link,
    engagement.global_id AS engagement_global_id,
    person.global_id AS resource_global_id,
    (x.payload ->> '$.spent_date')::DATE AS spent_date,
    (x.payload ->> '$.total_cost')::DECIMAL(18, 2) AS amount,
    x.payload ->> '$.client.currency' AS currency,
    (x.payload ->> '$.billable')::BOOLEAN AS billable,
    (x.payload ->> '$.is_billed')::BOOLEAN AS is_billed,
    x.payload ->> '$.invoice.id' AS invoice_source_id
FROM valid.harvest__expenses AS x
LEFT JOIN canonical.engagement AS engagement
       ON engagement.snapshot_date = $snapshot_date AND engagement.system = 'psa'
      AND engagement.source_id = x.payload ->> '$.project.id'
LEFT JOIN canonical.resource AS person
       ON person.snapshot_date = $snapshot_date AND person.system = 'psa'
      AND person.source_id = x.payload ->> '$.user.id'
WHERE x.snapshot_date = $snapshot_date
