-- A raw snapshot table per source object: one complete copy of the object per snapshot date,
-- the record as the vendor sent it, and where it came from. Made on demand, since its name comes
-- from the configured objects (the warehouse's fixed tables are sql/migrations').
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
