-- One canonical table's records in the cross-reference: its global id, the record's own id, and
-- the cross-reference that tied the two (`anchor` when the record anchors its global id). The
-- asset unions this over every table with a global id.
SELECT snapshot_date, '{entity_type}' AS entity_type, global_id, system, source_id, legal_entity, link
FROM canonical.{entity_type}
WHERE snapshot_date = $snapshot_date
