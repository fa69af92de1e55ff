-- Legal entities: one per ERP company (a QuickBooks realm or a Xero organisation), with its home
-- currency, its ERP vendor and what that vendor can tell (erp_records.sql). The vendors do not repeat
-- the company's id inside its records: the raw layer keeps the company each entity was read from.
-- An entity in an ERP cutover is read from two companies: its row is the one that keeps its books on
-- the night (the former before the cutover date, the current from it on), with the cutover's ERPs and
-- date, which the reconciliation reads to tell which ERP a document belongs in (docs/decisions.md 33).
WITH companies AS (
    SELECT * FROM erp_companies($snapshot_date)
),
-- as extraction recorded them (raw.companies), so a quarantined company record does not hide the cutover
cutovers AS (
    SELECT entity AS legal_entity,
           min(system) FILTER (WHERE cutover_role = 'former') AS erp_cutover_from,
           min(system) FILTER (WHERE cutover_role = 'current') AS erp_cutover_to,
           min(cutover_date) AS erp_cutover_date
    FROM raw.companies
    WHERE snapshot_date = $snapshot_date AND cutover_role IS NOT NULL
    GROUP BY 1
)
SELECT
    $snapshot_date::DATE AS snapshot_date,
    'erp' AS system,
    c.source_id,
    c.legal_entity,
    c.company_id AS realm_id,
    c.name,
    c.home_currency,
    c.vendor AS erp_vendor,
    c.keeps_hierarchy AS erp_keeps_hierarchy,
    c.keeps_time AS erp_keeps_time,
    cut.erp_cutover_from,
    cut.erp_cutover_to,
    cut.erp_cutover_date
FROM companies AS c
LEFT JOIN cutovers AS cut USING (legal_entity)
WHERE erp_of_night(c.cutover_role, c.cutover_date, $snapshot_date)
