-- Raw retention (docs/decisions.md 21): where each night's raw rows went when they left the
-- warehouse, the Parquet file (relative to the warehouse's folder) and when. A night back in DuckDB
-- (reloaded, or extracted again) has no archived_at; its file stays until it is archived again.
ALTER TABLE raw.load_log ADD COLUMN archive_path VARCHAR;
ALTER TABLE raw.load_log ADD COLUMN archived_at TIMESTAMPTZ;
