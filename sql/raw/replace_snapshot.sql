-- Tonight's snapshot of one object: what was fetched, plus (for an incremental load) every row of
-- the base snapshot that was neither fetched again, reported deleted, nor in an entity swept in full.
DELETE FROM {raw_table} WHERE snapshot_date = $snapshot_date;

INSERT INTO {raw_table}
SELECT $snapshot_date, entity, record_id, updated_at, payload, page, load_id, extracted_at
FROM fetched_records;

INSERT INTO {raw_table}
SELECT $snapshot_date, base.entity, base.record_id, base.updated_at, base.payload, base.page,
       base.load_id, base.extracted_at
FROM {raw_table} AS base
WHERE base.snapshot_date = $base_snapshot_date
  AND base.entity NOT IN (SELECT entity FROM swept_entities)
  AND NOT EXISTS (SELECT 1 FROM fetched_records AS f
                  WHERE f.entity = base.entity AND f.record_id = base.record_id)
  AND NOT EXISTS (SELECT 1 FROM deleted_records AS d
                  WHERE d.entity = base.entity AND d.record_id = base.record_id);
