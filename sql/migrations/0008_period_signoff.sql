-- Period sign-off (docs/decisions.md 26): finance certifies a legal entity's month from a night's
-- tie-out, once. One row per currency cell of the month, as the statement showed it, appended and
-- never changed; the rows of one sign-off share its number. The key is the lock: a month signed off
-- cannot be signed again (a second sign-off of any of its cells is refused by the key, and the portal
-- refuses it before that). A later night whose figures for the month differ is CERTIFIED_PERIOD_CHANGED.
CREATE SEQUENCE workbench.period_signoff_number;

CREATE TABLE workbench.period_signoffs (
    signoff_number BIGINT NOT NULL,   -- one number per sign-off, shared by its currency cells
    "at" TIMESTAMP NOT NULL,          -- UTC, as workbench.finding_actions
    actor VARCHAR NOT NULL,           -- the portal user who signed
    snapshot_date DATE NOT NULL,      -- the night whose tie-out was certified
    legal_entity VARCHAR NOT NULL,
    month DATE NOT NULL,              -- the month's first day, as recon.tieout
    currency VARCHAR NOT NULL,
    psa_billed DECIMAL(18, 2) NOT NULL,
    erp_invoiced DECIMAL(18, 2) NOT NULL,
    difference DECIMAL(18, 2) NOT NULL,
    explained DECIMAL(18, 2) NOT NULL,    -- recon.tieout.explained_by_findings (people's explanations included)
    unexplained DECIMAL(18, 2) NOT NULL,  -- within the money tolerance, or it could not be signed
    PRIMARY KEY (legal_entity, month, currency)
);
