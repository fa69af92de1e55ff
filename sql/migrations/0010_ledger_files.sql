-- The on-premises ledger's exported files (docs/ledger.md, docs/decisions.md 34): each file a night
-- read or refused, by its sha256, so that an incremental night does not read a loaded file again.
-- `status` is loaded or quarantined (with the `reason`: not CSV/XLSX, an unknown table, a wrong
-- header, undecodable); a quarantined file's rows were not loaded. A full sweep reads every file
-- present and records each again under its night.
CREATE TABLE raw.ledger_files (
    sha256 VARCHAR NOT NULL,
    name VARCHAR NOT NULL,
    "table" VARCHAR NOT NULL,
    object VARCHAR NOT NULL,
    rows BIGINT NOT NULL,
    loaded_at TIMESTAMPTZ NOT NULL,
    snapshot_date DATE NOT NULL,
    status VARCHAR NOT NULL,
    reason VARCHAR
);
