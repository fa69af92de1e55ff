-- The migrations a warehouse has had (sql/migrations), one row each: what ran, from which text, when.
CREATE SCHEMA IF NOT EXISTS meta;

CREATE TABLE IF NOT EXISTS meta.migrations (
    version INTEGER PRIMARY KEY,
    name VARCHAR NOT NULL,
    checksum VARCHAR NOT NULL,    -- sha256 of the file as applied
    applied_at TIMESTAMPTZ NOT NULL
);
