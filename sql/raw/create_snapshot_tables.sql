-- A raw snapshot table per source object: one complete copy of the object per snapshot date,
-- the record as the vendor sent it, and where it came from.
CREATE SCHEMA IF NOT EXISTS raw;

CREATE TABLE IF NOT EXISTS {raw_table} (
    snapshot_date DATE NOT NULL,
    entity VARCHAR NOT NULL,          -- legal entity code for per-company systems, '' otherwise
    record_id VARCHAR,                -- NULL when the source sent no id (quarantined downstream)
    updated_at TIMESTAMPTZ,           -- the source's last-modified time, parsed; NULL if unparseable
    payload JSON NOT NULL,            -- the record exactly as the vendor sent it
    page INTEGER NOT NULL,            -- the page of the load that fetched it
    load_id VARCHAR NOT NULL,         -- the load that fetched it (raw.load_log)
    extracted_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE IF NOT EXISTS raw.load_log (
    load_id VARCHAR PRIMARY KEY,
    snapshot_date DATE NOT NULL,
    system VARCHAR NOT NULL,
    object VARCHAR NOT NULL,
    mode VARCHAR NOT NULL,            -- full | incremental
    base_snapshot_date DATE,          -- the snapshot an incremental load was folded onto
    since TIMESTAMPTZ,                -- the watermark an incremental load asked changes from
    rows BIGINT NOT NULL,             -- rows in the resulting snapshot
    fetched_rows BIGINT NOT NULL,
    deleted_rows BIGINT NOT NULL,
    pages INTEGER NOT NULL,
    requests INTEGER NOT NULL,
    retries INTEGER NOT NULL,
    seconds DOUBLE NOT NULL,
    extracted_at TIMESTAMPTZ NOT NULL
);

-- who asked for an explicit refetch of a past night (NULL for a night's own extraction)
ALTER TABLE raw.load_log ADD COLUMN IF NOT EXISTS refetched_by VARCHAR;

-- A stored night's rows that an explicit refetch replaced: what the system said on that night, kept
-- for auditors (docs/decisions.md 18).
CREATE TABLE IF NOT EXISTS raw.superseded_snapshots (
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
