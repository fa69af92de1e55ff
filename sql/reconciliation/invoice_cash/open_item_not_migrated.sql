-- An invoice open in a legal entity's former ERP at its cutover date (its total less what was applied
-- to it before that date) with no opening item in the current ERP naming it (`migrated:<system>:<id>`),
-- or with one whose amount differs: one finding per former-ERP invoice, from the cutover date on. (A void
-- has nothing open: its opening item, if any, carries a balance that is not there.)
WITH cutovers AS (
    SELECT legal_entity, erp_cutover_from, erp_cutover_to, erp_cutover_date
    FROM canonical.legal_entity
    WHERE snapshot_date = $snapshot_date AND erp_cutover_date <= $snapshot_date
),
former_invoices AS (
    SELECT i.*, c.erp_cutover_to, c.erp_cutover_date
    FROM canonical.invoice AS i
    JOIN cutovers AS c ON c.legal_entity = i.legal_entity AND c.erp_cutover_from = i.erp_vendor
    WHERE i.snapshot_date = $snapshot_date AND i.system = 'erp' AND i.migrated_from IS NULL
      AND i.issue_date < c.erp_cutover_date
),
applied_before AS (
    SELECT a.invoice_source_id, sum(a.amount) AS amount
    FROM canonical.payment_application AS a
    JOIN former_invoices AS i ON i.source_id = a.invoice_source_id
    WHERE a.snapshot_date = $snapshot_date AND a.applied_on < i.erp_cutover_date
    GROUP BY 1
),
opening_items AS (
    SELECT o.migrated_from, sum(o.total) AS total
    FROM canonical.invoice AS o
    JOIN cutovers AS c ON c.legal_entity = o.legal_entity AND c.erp_cutover_to = o.erp_vendor
    WHERE o.snapshot_date = $snapshot_date AND o.system = 'erp' AND o.migrated_from IS NOT NULL
    GROUP BY 1
),
compared AS (
    SELECT i.*,
           CASE WHEN i.status = 'voided' THEN 0 ELSE i.total - coalesce(a.amount, 0) END AS open_at_cutover,
           o.total AS migrated_total
    FROM former_invoices AS i
    LEFT JOIN applied_before AS a ON a.invoice_source_id = i.source_id
    LEFT JOIN opening_items AS o ON o.migrated_from = i.source_id
)
SELECT
    'OPEN_ITEM_NOT_MIGRATED' AS code,
    c.source_id AS subject_key,
    c.legal_entity,
    coalesce(c.customer_global_id, m.psa_customer_global_id) AS customer_global_id,
    c.engagement_global_id AS project_global_id,
    m.psa_invoice_id AS psa_id,
    c.source_id AS erp_id,
    c.document_number,
    c.currency,
    format('{:.2f}', c.open_at_cutover) AS expected_value,
    format('{:.2f}', c.migrated_total) AS actual_value,
    (coalesce(c.migrated_total, 0) - c.open_at_cutover)::DECIMAL(18, 2) AS amount_difference,
    abs(coalesce(c.migrated_total, 0) - c.open_at_cutover)::DECIMAL(18, 2) AS money_at_risk,
    c.erp_cutover_date AS event_date,
    CASE WHEN c.status = 'voided'
         THEN format('Invoice {} is voided in {}; its opening item in {} is {:.2f} {}.', c.document_number,
                     c.erp_vendor, c.erp_cutover_to, c.migrated_total, c.currency)
         WHEN c.migrated_total IS NULL
         THEN format('Invoice {} ({:.2f} {} open at the {} cutover) has no opening item in {}.', c.document_number,
                     c.open_at_cutover, c.currency, c.erp_cutover_date, c.erp_cutover_to)
         ELSE format('Invoice {} was {:.2f} {} open at the {} cutover; its opening item in {} is {:.2f}.',
                     c.document_number, c.open_at_cutover, c.currency, c.erp_cutover_date, c.erp_cutover_to,
                     c.migrated_total) END AS detail
FROM compared AS c
LEFT JOIN recon.invoice_match AS m
       ON m.snapshot_date = $snapshot_date AND m.erp_invoice_id = c.source_id AND m.psa_invoice_id IS NOT NULL
WHERE CASE WHEN c.migrated_total IS NULL THEN c.open_at_cutover > $money_tolerance
           ELSE abs(c.migrated_total - c.open_at_cutover) > $money_tolerance END
