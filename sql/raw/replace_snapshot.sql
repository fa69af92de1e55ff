-- Tonight's snapshot of one object: what was fetched, plus rows carried from the previous snapshot:
-- for an incremental load, every row of an entity not swept in full that was neither fetched again
-- nor reported deleted; in either mode, every row of an entity whose API failed tonight. And which
-- legal entity was unavailable, and which company (QuickBooks realm) each entity was read from.
DELETE FROM {raw_table} WHERE snapshot_date = $snapshot_date;

INSERT INTO {raw_table}
SELECT $snapshot_date, entity, record_id, updated_at, payload, page, load_id, extracted_at
FROM fetched_records;

INSERT INTO {raw_table}
SELECT $snapshot_date, base.entity, base.record_id, base.updated_at, base.payload, base.page,
       base.load_id, base.extracted_at
FROM {raw_table} AS base
WHERE base.snapshot_date = $previous_snapshot_date
  AND base.entity NOT IN (SELECT entity FROM swept_entities)
  AND ($mode = 'incremental' OR base.entity IN (SELECT entity FROM unavailable_sources))
  AND NOT EXISTS (SELECT 1 FROM fetched_records AS f
                  WHERE f.entity = base.entity AND f.record_id = base.record_id)
  AND NOT EXISTS (SELECT 1 FROM deleted_records AS d
                  WHERE d.entity = base.entity AND d.record_id = base.record_id);

DELETE FROM raw.unavailable_entities
WHERE snapshot_date = $snapshot_date AND system = $system AND object = $object;

INSERT INTO raw.unavailable_entities
SELECT $snapshot_date, $system, $object, u.entity, u.reason,
       CASE WHEN earlier.entity IS NOT NULL THEN earlier.data_as_of ELSE $previous_snapshot_date::DATE END
FROM unavailable_sources AS u
LEFT JOIN raw.unavailable_entities AS earlier
       ON earlier.snapshot_date = $previous_snapshot_date AND earlier.system = $system
      AND earlier.object = $object AND earlier.entity = u.entity;

DELETE FROM raw.companies WHERE snapshot_date = $snapshot_date AND system = $system AND object = $object;

INSERT INTO raw.companies
SELECT $snapshot_date, $system, $object, entity, company_id, cutover_role, cutover_date::DATE FROM source_companies;
