-- The tie-out's two sides, defined for the session before the statement (tieout.sql) and the finding
-- codes (CERTIFIED_PERIOD_CHANGED compares a certified month with them) run, so both read one
-- definition. One row per PSA invoice and per ERP posting, in the cell (legal entity, month of issue,
-- currency) it falls in: an invoice group (a PSA invoice and its ERP postings, or an ERP invoice no
-- PSA invoice matches) and its amount on each side. `in_psa_scope` is false for ERP invoices of
-- customers billed straight in the ERP, which are shown apart and are not part of the difference.
CREATE OR REPLACE TEMP MACRO tieout_sides(night) AS TABLE
    SELECT psa_invoice_id AS invoice_group, legal_entity, date_trunc('month', psa_issue_date)::DATE AS month,
           psa_currency AS currency, psa_total AS psa, 0 AS erp, true AS in_psa_scope
    FROM recon.invoice_match
    WHERE snapshot_date = night AND psa_invoice_id IS NOT NULL AND posting_number = 1
    UNION ALL
    SELECT coalesce(psa_invoice_id, erp_invoice_id), split_part(erp_invoice_id, ':', 1),
           date_trunc('month', erp_issue_date)::DATE, erp_currency, 0, erp_total, psa_managed
    FROM recon.invoice_match
    WHERE snapshot_date = night AND erp_invoice_id IS NOT NULL;
