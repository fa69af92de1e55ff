-- The corrections outbox, its audit log and the per-record sync log (docs/data-model.md, issue 5).
CREATE SCHEMA IF NOT EXISTS corrections;

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

-- outboxes made before corrections carried a note
ALTER TABLE corrections.outbox ADD COLUMN IF NOT EXISTS note VARCHAR;

CREATE TABLE IF NOT EXISTS corrections.audit_log (
    "at" TIMESTAMP,           -- quoted: AT is a keyword in DuckDB
    actor VARCHAR,           -- a person, `policy` or `writeback`
    action VARCHAR,          -- proposed | approved | rejected | sending | applied | failed | superseded | verified ...
    correction_id VARCHAR,
    detail VARCHAR
);

CREATE TABLE IF NOT EXISTS corrections.sync_log (
    "at" TIMESTAMP,           -- quoted: AT is a keyword in DuckDB
    correction_id VARCHAR,
    target_system VARCHAR,
    method VARCHAR,
    url VARCHAR,
    request_body VARCHAR,
    status INTEGER,
    response_body VARCHAR,
    error VARCHAR
);
