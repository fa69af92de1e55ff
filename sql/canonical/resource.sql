-- Resources: one row per PSA user and ERP employee (a QuickBooks employee or a Xero Projects user:
-- erp_records.sql). The PSA user anchors; an employee joins the one user with the same e-mail address
-- (case-insensitive).
WITH users AS (
    SELECT
        'psa' AS system,
        record_id AS source_id,
        'res_' || left(md5('psa:' || record_id), 16) AS global_id,
        'anchor' AS link,
        payload ->> '$.email' AS email,
        concat_ws(' ', payload ->> '$.first_name', payload ->> '$.last_name') AS name,
        payload ->> '$.roles[0]' AS role,
        (payload ->> '$.cost_rate')::DECIMAL(18, 2) AS cost_rate,
        (payload ->> '$.default_hourly_rate')::DECIMAL(18, 2) AS default_rate,
        (payload ->> '$.is_active')::BOOLEAN AS is_active
    FROM valid.harvest__users
    WHERE snapshot_date = $snapshot_date
),
by_email AS (
    SELECT lower(email) AS email, min(global_id) AS global_id FROM users
    WHERE email IS NOT NULL GROUP BY 1 HAVING count(*) = 1
),
employees AS (
    SELECT
        'erp' AS system,
        e.source_id,
        coalesce(u.global_id, 'res_' || left(md5('erp:' || e.source_id), 16)) AS global_id,
        CASE WHEN u.global_id IS NULL THEN 'anchor' ELSE 'email' END AS link,
        e.legal_entity,
        e.email,
        e.name,
        e.cost_rate,
        e.default_rate,
        e.is_active
    FROM erp_employee_records($snapshot_date) AS e
    LEFT JOIN by_email AS u ON u.email = lower(e.email)
),
-- A PSA user belongs to the legal entity that employs them.
employed_by AS (
    SELECT global_id, min(legal_entity) AS legal_entity FROM employees GROUP BY 1
)
SELECT
    $snapshot_date::DATE AS snapshot_date, global_id, system, source_id, legal_entity, link,
    email, name, role, cost_rate, default_rate, is_active
FROM (
    SELECT u.*, employed_by.legal_entity FROM users AS u LEFT JOIN employed_by USING (global_id)
    UNION ALL BY NAME SELECT * FROM employees
)
