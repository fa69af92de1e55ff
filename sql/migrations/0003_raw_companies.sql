-- The company each legal entity's records were read from (QuickBooks: the realm), per object and
-- night: the vendor does not repeat it inside the records, and the canonical stage reads it here
-- instead of asking the connector. Nights extracted before this migration have no rows.
CREATE TABLE raw.companies (
    snapshot_date DATE NOT NULL,
    system VARCHAR NOT NULL,
    object VARCHAR NOT NULL,
    entity VARCHAR NOT NULL,
    company_id VARCHAR NOT NULL
);
