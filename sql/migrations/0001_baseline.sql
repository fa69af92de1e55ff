-- The schema of release 0.1.0, the last without migrations: its fixed tables (the per-night tables
-- derived from a query, and the raw snapshot table of each configured object, are made by their
-- writers). Every statement is IF NOT EXISTS, so a warehouse that release wrote is this baseline as
-- it stands, and an older one gains what it lacked.
CREATE SCHEMA IF NOT EXISTS raw;
CREATE SCHEMA IF NOT EXISTS valid;
CREATE SCHEMA IF NOT EXISTS quality;
CREATE SCHEMA IF NOT EXISTS recon;
CREATE SCHEMA IF NOT EXISTS corrections;

-- one row per object and night: how it was loaded and what it cost
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

-- The legal entities (per-company systems) whose API failed on a night: their rows in that night's
-- snapshot are carried from the last night they were fetched (data_as_of; NULL if never), and the
-- entity is not reconciled that night.
CREATE TABLE IF NOT EXISTS raw.unavailable_entities (
    snapshot_date DATE NOT NULL,
    system VARCHAR NOT NULL,
    object VARCHAR NOT NULL,
    entity VARCHAR NOT NULL,
    reason VARCHAR NOT NULL,
    data_as_of DATE
);

-- The quality layer (docs/data-model.md): what each night's contracts kept out of the valid layer,
-- and how the vendors' payloads drifted from the contracts. One night of one object at a time.
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
-- but a data steward should look. Same columns as the quarantine.
CREATE TABLE IF NOT EXISTS quality.warnings AS SELECT * FROM quality.quarantine WITH NO DATA;

CREATE TABLE IF NOT EXISTS quality.schema_drift (
    snapshot_date DATE NOT NULL,
    system VARCHAR NOT NULL,
    object VARCHAR NOT NULL,
    field VARCHAR NOT NULL,       -- a top-level key of the payload
    change VARCHAR NOT NULL,      -- new (kept, reported) | missing (a required key: records quarantined)
    records BIGINT NOT NULL
);

-- The findings of every night (shared/contracts/findings.md's columns, plus what they are derived
-- from), and the aging ledger the next night reads: one row per finding open or resolved that night.
CREATE TABLE IF NOT EXISTS recon.findings (
    snapshot_date DATE NOT NULL,
    finding_id VARCHAR NOT NULL,
    code VARCHAR NOT NULL,
    category VARCHAR NOT NULL,
    severity VARCHAR NOT NULL,
    owner_queue VARCHAR,
    legal_entity VARCHAR,
    customer_global_id VARCHAR,
    project_global_id VARCHAR,
    crm_id VARCHAR,
    psa_id VARCHAR,
    erp_id VARCHAR,
    document_number VARCHAR,
    currency VARCHAR,
    expected_value VARCHAR,
    actual_value VARCHAR,
    amount_difference DECIMAL(18, 2),
    detail VARCHAR,
    first_seen DATE NOT NULL,
    last_seen DATE NOT NULL,
    age_days INTEGER NOT NULL,
    status VARCHAR NOT NULL,
    correction_id VARCHAR,
    subject_key VARCHAR NOT NULL,
    money_at_risk DECIMAL(18, 2),
    event_date DATE,
    confidence DOUBLE,
    held_by VARCHAR               -- why an open finding is as last seen: 'quarantine' | 'legal entity not reconciled'
);
ALTER TABLE recon.findings ADD COLUMN IF NOT EXISTS held_by VARCHAR;  -- warehouses older than holds

CREATE TABLE IF NOT EXISTS recon.finding_history (
    snapshot_date DATE NOT NULL,
    finding_id VARCHAR NOT NULL,
    code VARCHAR NOT NULL,
    subject_key VARCHAR NOT NULL,
    first_seen DATE NOT NULL,
    last_seen DATE NOT NULL,
    age_days INTEGER NOT NULL,
    status VARCHAR NOT NULL
);

-- The corrections outbox, its audit log and the per-record sync log (docs/data-model.md, issue 5).
CREATE TABLE IF NOT EXISTS corrections.outbox (
    correction_id VARCHAR PRIMARY KEY,
    finding_id VARCHAR,
    code VARCHAR,
    proposed_on DATE,
    target_system VARCHAR,   -- salesforce | harvest | quickbooks
    target_object VARCHAR,   -- the vendor's object name: Account, clients, invoices, Customer, TimeActivity
    legal_entity VARCHAR,
    record_id VARCHAR,       -- the target record's own id (QuickBooks: the Id within the entity's realm)
    field VARCHAR,           -- the vendor's field name
    value_before VARCHAR,    -- the target's value when proposed; a different value at send time supersedes
    value_after VARCHAR,     -- the owner's value
    rule VARCHAR,            -- the proposal rule (corrections/proposals.py) that justifies it
    policy VARCHAR,          -- auto | approval | never
    note VARCHAR,            -- what a person checks before approving, or does where tieout never writes
    idempotency_key VARCHAR, -- a hash of what the correction changes, never of when
    state VARCHAR,           -- proposed | approved | rejected | sending | applied | failed | superseded
    approved_by VARCHAR,
    approved_at TIMESTAMP,
    attempts INTEGER,
    last_error VARCHAR,
    applied_at TIMESTAMP,
    verified_at TIMESTAMP,
    updated_at TIMESTAMP
);
ALTER TABLE corrections.outbox ADD COLUMN IF NOT EXISTS note VARCHAR;  -- outboxes older than notes

CREATE TABLE IF NOT EXISTS corrections.audit_log (
    "at" TIMESTAMP,          -- quoted: AT is a keyword in DuckDB
    actor VARCHAR,           -- a person, `policy` or `writeback`
    action VARCHAR,          -- proposed | approved | rejected | sending | applied | failed | superseded | verified ...
    correction_id VARCHAR,
    detail VARCHAR
);

CREATE TABLE IF NOT EXISTS corrections.sync_log (
    "at" TIMESTAMP,          -- quoted: AT is a keyword in DuckDB
    correction_id VARCHAR,
    target_system VARCHAR,
    method VARCHAR,
    url VARCHAR,
    request_body VARCHAR,
    status INTEGER,
    response_body VARCHAR,
    error VARCHAR
);
