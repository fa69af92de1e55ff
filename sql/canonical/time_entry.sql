-- Time: one row per PSA time entry and ERP TimeActivity. The PSA entry anchors; a TimeActivity
-- joins it through `harvest_time_entry:<id>` in its Description. The biggest table: each payload
-- is parsed once (json_transform to the fields used) rather than once per field.
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
        t.entity || ':' || t.record_id AS source_id,
        coalesce(e.global_id, 'tim_' || left(md5('erp:' || t.entity || ':' || t.record_id), 16)) AS global_id,
        CASE WHEN e.global_id IS NULL THEN 'anchor' ELSE 'erp.Description.harvest_time_entry' END AS link,
        t.entity AS legal_entity,
        t.entity || ':' || t.a.CustomerRef.value AS project_source_id,
        t.entity || ':' || t.a.EmployeeRef.value AS user_source_id,
        t.a.TxnDate AS spent_date,
        (coalesce(t.a.Hours, 0) + coalesce(t.a.Minutes, 0) / 60)::DECIMAL(12, 4) AS hours,
        t.a.BillableStatus IN ('Billable', 'HasBeenBilled') AS billable,
        NULL::BOOLEAN AS approved,
        t.a.BillableStatus = 'HasBeenBilled' AS is_billed,
        t.a.BillableStatus AS billable_status,
        NULL::VARCHAR AS invoice_source_id,
        t.a.HourlyRate AS billable_rate
    FROM (
        SELECT entity, record_id, json_transform(payload, '{"CustomerRef": {"value": "VARCHAR"},
                   "EmployeeRef": {"value": "VARCHAR"}, "TxnDate": "DATE", "Hours": "DECIMAL(12, 4)",
                   "Minutes": "DECIMAL(12, 4)", "BillableStatus": "VARCHAR", "Description": "VARCHAR",
                   "HourlyRate": "DECIMAL(18, 2)"}') AS a
        FROM valid.quickbooks__timeactivity AS activity
        WHERE activity.snapshot_date = $snapshot_date
          AND erp_keeps_master('quickbooks', activity.entity, $snapshot_date)
    ) AS t
    LEFT JOIN entries AS e ON e.source_id = regexp_extract(t.a.Description, 'harvest_time_entry:(\d+)', 1)
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
