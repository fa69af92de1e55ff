-- The rate card, as the PSA holds it: per user assignment, the assignment's hourly rate on
-- projects billed by person, the project's hourly rate on projects billed by project.
SELECT
    $snapshot_date::DATE AS snapshot_date,
    'psa' AS system,
    ua.record_id AS source_id,
    project.legal_entity,
    project.global_id AS engagement_global_id,
    project.source_id AS project_source_id,
    person.global_id AS resource_global_id,
    ua.payload ->> '$.user.id' AS user_source_id,
    CASE project.bill_by WHEN 'Project' THEN project.hourly_rate
                         ELSE (ua.payload ->> '$.hourly_rate')::DECIMAL(18, 2) END AS hourly_rate,
    project.currency,
    CASE project.bill_by WHEN 'Project' THEN 'project' ELSE 'user_assignment' END AS rate_source
FROM valid.harvest__user_assignments AS ua
JOIN canonical.engagement AS project
  ON project.snapshot_date = $snapshot_date AND project.system = 'psa'
 AND project.source_id = ua.payload ->> '$.project.id'
LEFT JOIN canonical.resource AS person
       ON person.snapshot_date = $snapshot_date AND person.system = 'psa'
      AND person.source_id = ua.payload ->> '$.user.id'
WHERE ua.snapshot_date = $snapshot_date
  AND project.bill_by IN ('People', 'Project')
