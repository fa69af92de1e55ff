-- The first night after $snapshot_date that any object was extracted for: when there is one, the
-- night is history (downstream stages rebuild it from its stored snapshot).
SELECT min(snapshot_date) FROM raw.load_log WHERE snapshot_date > $snapshot_date
