-- A person who logs time in the PSA but whom no ERP employee matches (by e-mail): one finding per
-- person, in the legal entity where most of their time is logged, unless that entity's ERP keeps no
-- employee master (erp_without_time).
WITH known AS (
    SELECT DISTINCT global_id FROM canonical.resource
    WHERE snapshot_date = $snapshot_date AND system = 'erp'
),
logged AS (
    SELECT resource_global_id, count(*) AS entries, min(spent_date) AS first_day,
           mode(legal_entity) FILTER (WHERE legal_entity IS NOT NULL) AS legal_entity
    FROM canonical.time_entry
    WHERE snapshot_date = $snapshot_date AND system = 'psa'
    GROUP BY 1
)
SELECT
    'TIME_BY_UNKNOWN_RESOURCE' AS code,
    r.source_id AS subject_key,
    coalesce(r.legal_entity, l.legal_entity) AS legal_entity,
    r.source_id AS psa_id,
    r.email AS expected_value,
    0::DECIMAL(18, 2) AS money_at_risk,
    l.first_day AS event_date,
    format('{} logged {} time entries but no ERP employee has the e-mail address {}.',
           r.name, l.entries, coalesce(r.email, '(none)')) AS detail
FROM canonical.resource AS r
JOIN logged AS l ON l.resource_global_id = r.global_id
WHERE r.snapshot_date = $snapshot_date AND r.system = 'psa'
  AND r.global_id NOT IN (SELECT global_id FROM known)
  AND coalesce(r.legal_entity, l.legal_entity, '') NOT IN (SELECT legal_entity FROM erp_without_time($snapshot_date))
