-- Time: one row per PSA time entry and ERP time entry (a QuickBooks TimeActivity or a Xero Projects
-- time entry: erp_records.sql). The PSA entry anchors; an ERP entry joins it through the
-- `harvest_time_entry:<id>` in its description. The biggest table: each payload is parsed once
-- (json_transform to the fields used) rather than once per field.
WITH entries AS (
    SELECT
        'psa' AS system,
        record_id AS source_id,
        'tim_' || left(md5('psa:' || record_id), 16) AS global_id,
        'anchor' AS link,
        e.project.id AS project_source_id,
        e.user.id AS user_source_id,
        e.spent_date,
        e.hours,
        e.billable,
        e.is_closed AS approved,
        e.is_billed,
        NULL::VARCHAR AS billable_status,
        e.invoice.id AS invoice_source_id,
        e.billable_rate
    FROM (
        SELECT record_id, json_transform(payload, '{"project": {"id": "VARCHAR"}, "user": {"id": "VARCHAR"},
                   "spent_date": "DATE", "hours": "DECIMAL(12, 4)", "billable": "BOOLEAN", "is_closed": "BOOLEAN",
                   "is_billed": "BOOLEAN", "invoice": {"id": "VARCHAR"}, "billable_rate": "DECIMAL(18, 2)"}') AS e
        FROM valid.harvest__time_entries
        WHERE snapshot_date = $snapshot_date
    )
),
activities AS (
    SELECT
        'erp' AS system,
        a.source_id,
        coalesce(e.global_id, 'tim_' || left(md5('erp:' || a.source_id), 16)) AS global_id,
        CASE WHEN e.global_id IS NULL THEN 'anchor'
             WHEN a.vendor = 'xero' THEN 'erp.description.harvest_time_entry'
             ELSE 'erp.Description.harvest_time_entry' END AS link,
        a.legal_entity,
        a.project_source_id,
        a.user_source_id,
        a.spent_date,
        a.hours,
        a.billable,
        NULL::BOOLEAN AS approved,
        a.is_billed,
        a.billable_status,
        NULL::VARCHAR AS invoice_source_id,
        a.billable_rate
    FROM erp_time_records($snapshot_date) AS a
    LEFT JOIN entries AS e ON e.source_id = a.psa_time_entry_id
)
SELECT
    $snapshot_date::DATE AS snapshot_date,
    r.global_id,
    r.system,
    r.source_id,
    coalesce(r.legal_entity, engagement.legal_entity, person.legal_entity) AS legal_entity,  -- internal time: the employer
    r.link,
    engagement.global_id AS engagement_global_id,
    r.project_source_id,
    person.global_id AS resource_global_id,
    coalesce(engagement.customer_global_id, customer.global_id) AS customer_global_id,
    r.spent_date,
    r.hours,
    r.billable,
    r.approved,
    r.is_billed,
    r.billable_status,
    r.invoice_source_id,
    r.billable_rate,
    coalesce(engagement.currency, customer.currency) AS currency,
    CASE WHEN r.billable THEN round(r.hours * r.billable_rate, 2)::DECIMAL(18, 2) END AS billable_amount
FROM (SELECT * FROM entries UNION ALL BY NAME SELECT * FROM activities) AS r
LEFT JOIN canonical.engagement AS engagement
       ON engagement.snapshot_date = $snapshot_date AND engagement.system = r.system
      AND engagement.source_id = r.project_source_id
-- an ERP TimeActivity may be on a plain customer rather than a project sub-customer
LEFT JOIN canonical.customer AS customer
       ON customer.snapshot_date = $snapshot_date AND r.system = 'erp' AND customer.system = 'erp'
      AND customer.source_id = r.project_source_id
LEFT JOIN canonical.resource AS person
       ON person.snapshot_date = $snapshot_date AND person.system = r.system
      AND person.source_id = r.user_source_id
