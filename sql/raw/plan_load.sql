-- What tonight's load of one object can build on: the latest complete snapshot before tonight,
-- when the object was last swept in full, and whether a legal entity was unavailable in that
-- snapshot (its rows there are stale, so tonight sweeps in full).
WITH base AS (
    SELECT max(snapshot_date) AS snapshot_date FROM raw.load_log
    WHERE system = $system AND object = $object AND snapshot_date < $snapshot_date
)
SELECT
    base.snapshot_date AS base_snapshot_date,
    (SELECT max(snapshot_date) FROM raw.load_log
      WHERE system = $system AND object = $object AND snapshot_date < $snapshot_date AND mode = 'full') AS last_full_date,
    EXISTS (SELECT 1 FROM raw.unavailable_entities AS u
            WHERE u.system = $system AND u.object = $object AND u.snapshot_date = base.snapshot_date) AS base_incomplete
FROM base
