-- The findings workbench (docs/decisions.md 24): what people do to a finding in the portal, one row
-- per action, appended and never changed, keyed by the finding's id (stable across nights), so the
-- work carries to later nights by itself and the rows are the finding's history. A finding's
-- standing assignee and explanation are its latest such actions (sql/workbench/finding_work.sql).
CREATE SCHEMA workbench;

CREATE SEQUENCE workbench.finding_action_number;

CREATE TABLE workbench.finding_actions (
    action_number BIGINT PRIMARY KEY DEFAULT nextval('workbench.finding_action_number'),  -- orders actions of one instant
    "at" TIMESTAMP NOT NULL,  -- quoted: AT is a keyword in DuckDB; UTC, as corrections.audit_log
    finding_id VARCHAR NOT NULL,
    actor VARCHAR NOT NULL,   -- the portal user
    action VARCHAR NOT NULL CHECK (action IN ('assigned', 'commented', 'explained', 'unexplained')),
    assignee VARCHAR,         -- assigned: to whom (NULL: no one)
    note VARCHAR              -- commented: the comment; explained: the reason
);

-- The explanations a night's tie-out counted, as they stood when it ran: a report regenerated later
-- shows what the statement was built from, not the workbench of that day.
CREATE TABLE workbench.night_explanations (
    snapshot_date DATE NOT NULL,
    finding_id VARCHAR NOT NULL,
    explained_by VARCHAR NOT NULL,
    explained_at TIMESTAMP NOT NULL,
    explanation VARCHAR NOT NULL,
    PRIMARY KEY (snapshot_date, finding_id)
);
