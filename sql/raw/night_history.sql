-- Where one object's night stands in its history: its stored load (NULL when never extracted) and
-- the first later night stored. A night with a later one is history: kept, not silently refetched.
SELECT
    (SELECT any_value(load_id) FROM raw.load_log
      WHERE system = $system AND object = $object AND snapshot_date = $snapshot_date) AS stored_load_id,
    (SELECT any_value(extracted_at) FROM raw.load_log
      WHERE system = $system AND object = $object AND snapshot_date = $snapshot_date) AS stored_extracted_at,
    (SELECT min(snapshot_date) FROM raw.load_log
      WHERE system = $system AND object = $object AND snapshot_date > $snapshot_date) AS later_night
