-- The night's detections, as every finding code's SQL file yields them (docs/data-model.md), before
-- ids, severity, owners and aging are derived.
CREATE OR REPLACE TEMP TABLE detected (
    category VARCHAR NOT NULL,
    code VARCHAR NOT NULL,
    subject_key VARCHAR NOT NULL,
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
    money_at_risk DECIMAL(18, 2),
    event_date DATE,
    detail VARCHAR,
    confidence DOUBLE
)
