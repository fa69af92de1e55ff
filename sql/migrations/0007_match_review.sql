-- Match review (docs/decisions.md 25): people confirm or reject the customer pairs the matching
-- stage suggests, one row per decision, appended and never changed. A pair is keyed by its two
-- records' (system, source_id) in the canonical model's words (system crm | psa | erp), the lower
-- pair first, so A-B and B-A are one pair. A pair's standing decision is its latest: a confirmed
-- pair gets one global id in the next night's canonical model (sql/canonical/customer.sql, link
-- 'match_review'); a rejected pair is never suggested again (the customer_pairs macro).
CREATE SEQUENCE workbench.match_decision_number;

CREATE TABLE workbench.match_decisions (
    decision_number BIGINT PRIMARY KEY DEFAULT nextval('workbench.match_decision_number'),
    "at" TIMESTAMP NOT NULL,  -- UTC, as workbench.finding_actions
    actor VARCHAR NOT NULL,   -- the portal user
    decision VARCHAR NOT NULL CHECK (decision IN ('confirmed', 'rejected')),
    a_system VARCHAR NOT NULL,
    a_source_id VARCHAR NOT NULL,
    b_system VARCHAR NOT NULL,
    b_source_id VARCHAR NOT NULL,
    legal_entity VARCHAR,     -- the pair's legal entity as suggested
    note VARCHAR,             -- the reason (required to reject)
    CHECK (a_system < b_system OR (a_system = b_system AND a_source_id < b_source_id))
);

-- Each pair's standing decision (its latest), with the pair as the findings key it (both records'
-- system:source_id, the lower first): what the canonical model, the findings and the page read.
CREATE VIEW workbench.standing_match_decisions AS
SELECT a_system || ':' || a_source_id || '|' || b_system || ':' || b_source_id AS pair_key, *
FROM workbench.match_decisions
QUALIFY row_number() OVER (PARTITION BY a_system, a_source_id, b_system, b_source_id
                           ORDER BY decision_number DESC) = 1;
