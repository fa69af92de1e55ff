-- What tonight's load of one object can build on: the latest complete snapshot before tonight,
-- the newest change it holds (the watermark), and when the object was last swept in full.
SELECT
    (SELECT max(snapshot_date) FROM raw.load_log
      WHERE system = $system AND object = $object AND snapshot_date < $snapshot_date) AS base_snapshot_date,
    (SELECT max(snapshot_date) FROM raw.load_log
      WHERE system = $system AND object = $object AND snapshot_date < $snapshot_date AND mode = 'full') AS last_full_date
