-- The findings of every night (shared/contracts/findings.md's columns, plus what they are derived
-- from), and the aging ledger the next night reads: one row per finding open or resolved that night.
CREATE SCHEMA IF NOT EXISTS recon;

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
-- warehouses created before findings could be held
ALTER TABLE recon.findings ADD COLUMN IF NOT EXISTS held_by VARCHAR;

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
