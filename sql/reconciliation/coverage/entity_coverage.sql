-- Which legal entities tonight's reconciliation covers. An entity whose ERP company did not answer
-- for some object tonight is not reconciled: its snapshot rows are carried from `data_as_of`, its
-- findings stay as they were last seen and its tie-out cells are left out until it answers again.
WITH unavailable AS (
    SELECT entity AS legal_entity,
           list(DISTINCT system || '/' || object ORDER BY system || '/' || object) AS unavailable_objects,
           min(data_as_of) AS data_as_of,
           min(reason) AS reason
    FROM raw.unavailable_entities
    WHERE snapshot_date = $snapshot_date AND entity <> ''
    GROUP BY entity
),
known AS (
    SELECT legal_entity, name FROM canonical.legal_entity WHERE snapshot_date = $snapshot_date
)
SELECT $snapshot_date::DATE AS snapshot_date,
       legal_entity,
       known.name,
       unavailable.legal_entity IS NULL AS reconciled,
       unavailable.unavailable_objects,
       unavailable.data_as_of,
       unavailable.reason,
       -- what the check and the report say of an entity not reconciled
       CASE WHEN unavailable.legal_entity IS NOT NULL
            THEN array_to_string(unavailable.unavailable_objects, ', ')
                 || ' unavailable; findings as last seen, data as of '
                 || coalesce(unavailable.data_as_of::VARCHAR, 'never') END AS note
FROM known
FULL OUTER JOIN unavailable USING (legal_entity)
ORDER BY legal_entity
