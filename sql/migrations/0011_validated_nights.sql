-- Each object's validation of a night (assets/validation/night.py, docs/decisions.md 45): the raw
-- load it read (raw.load_log's last load of the night) and a fingerprint of the contract and settings
-- it decided under. An incremental night re-checks only the records its load fetched (and those
-- without an id, sharing one, or quarantined or warned on the night it was folded onto), carrying
-- the other records' verdict from that night, when that night's row here names the load its raw
-- snapshot still holds and the same fingerprint.
CREATE TABLE quality.validated_nights (
    snapshot_date DATE NOT NULL,
    system VARCHAR NOT NULL,
    object VARCHAR NOT NULL,
    load_id VARCHAR,                  -- NULL: no load logged for the night (nothing to carry from)
    fingerprint VARCHAR NOT NULL,
    records BIGINT NOT NULL,          -- the night's records
    rechecked BIGINT NOT NULL,        -- of which typed and checked tonight (the others carried their verdict)
    carried_from DATE,                -- the night the verdicts were carried from (NULL: every record checked)
    validated_at TIMESTAMPTZ NOT NULL
);
