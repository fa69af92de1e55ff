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
