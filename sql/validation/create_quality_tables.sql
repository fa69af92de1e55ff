-- The quality layer (docs/data-model.md): what each night's contracts kept out of the valid layer, and
-- how the vendors' payloads drifted from the contracts. Shared by every object: one night of one
-- object is replaced at a time.
CREATE SCHEMA IF NOT EXISTS valid;
CREATE SCHEMA IF NOT EXISTS quality;

CREATE TABLE IF NOT EXISTS quality.quarantine (
    snapshot_date DATE NOT NULL,
    system VARCHAR NOT NULL,
    entity VARCHAR NOT NULL,      -- legal entity code for per-company systems, '' otherwise
    object VARCHAR NOT NULL,      -- the vendor's object name (time_entries, Invoice)
    record_id VARCHAR,            -- NULL when the record came without an id
    rule VARCHAR NOT NULL,        -- checks/rules.py, shared with the sandbox manifest
    field VARCHAR,                -- the vendor's field name (project.id)
    value VARCHAR,                -- the offending value as sent, shortened
    detail VARCHAR
);

-- Records kept in the valid layer that break a warning rule (checks.rules.WARNING_RULES): usable,
-- but a data steward should look (an amount with more decimals than its currency, a name that
-- starts like a formula). Same columns as the quarantine.
CREATE TABLE IF NOT EXISTS quality.warnings AS SELECT * FROM quality.quarantine WITH NO DATA;

CREATE TABLE IF NOT EXISTS quality.schema_drift (
    snapshot_date DATE NOT NULL,
    system VARCHAR NOT NULL,
    object VARCHAR NOT NULL,
    field VARCHAR NOT NULL,       -- a top-level key of the payload
    change VARCHAR NOT NULL,      -- new (kept, reported) | missing (a required key: records quarantined)
    records BIGINT NOT NULL
);
