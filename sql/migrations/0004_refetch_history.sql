-- A past night is history (docs/decisions.md 20): an explicit refetch says who asked for it, and the
-- stored rows it replaced are kept for auditors, as the systems said them that night.
ALTER TABLE raw.load_log ADD COLUMN refetched_by VARCHAR;

CREATE TABLE raw.superseded_snapshots (
    system VARCHAR NOT NULL,
    object VARCHAR NOT NULL,
    snapshot_date DATE NOT NULL,
    entity VARCHAR NOT NULL,
    record_id VARCHAR,
    updated_at TIMESTAMPTZ,
    payload JSON NOT NULL,
    page INTEGER NOT NULL,
    load_id VARCHAR NOT NULL,         -- the superseded load
    extracted_at TIMESTAMPTZ NOT NULL,
    superseded_at TIMESTAMPTZ NOT NULL,
    superseded_by_load VARCHAR NOT NULL  -- the refetch's load (raw.load_log)
);
