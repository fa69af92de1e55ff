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
    x.e.spent_date,
    x.e.total_cost AS amount,
    x.e.client.currency AS currency,
    x.e.billable,
    x.e.is_billed,
    x.e.invoice.id AS invoice_source_id
FROM (
    -- each payload parsed once (json_transform), not once per field
    SELECT record_id, json_transform(payload, '{"spent_date": "DATE", "total_cost": "DECIMAL(18, 2)",
               "client": {"currency": "VARCHAR"}, "billable": "BOOLEAN", "is_billed": "BOOLEAN",
               "invoice": {"id": "VARCHAR"}, "project": {"id": "VARCHAR"}, "user": {"id": "VARCHAR"}}') AS e
    FROM valid.harvest__expenses
    WHERE snapshot_date = $snapshot_date
) AS x
LEFT JOIN canonical.engagement AS engagement
       ON engagement.snapshot_date = $snapshot_date AND engagement.system = 'psa'
      AND engagement.source_id = x.e.project.id
LEFT JOIN canonical.resource AS person
       ON person.snapshot_date = $snapshot_date AND person.system = 'psa'
      AND person.source_id = x.e.user.id
