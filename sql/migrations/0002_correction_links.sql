-- Which correction answers each night's open finding, kept by the corrections stage in its own
-- schema: the findings stage replaces a night's recon.findings whenever it runs again, and a link
-- written there was lost with it. The links already written move here.
CREATE TABLE corrections.finding_links (
    snapshot_date DATE NOT NULL,
    finding_id VARCHAR NOT NULL,
    correction_id VARCHAR NOT NULL,
    PRIMARY KEY (snapshot_date, finding_id)
);

INSERT INTO corrections.finding_links
SELECT snapshot_date, finding_id, correction_id FROM recon.findings WHERE correction_id IS NOT NULL;

ALTER TABLE recon.findings DROP COLUMN correction_id;
