-- Legal entities: one per ERP company (a QuickBooks realm or a Xero organisation), with its home
-- currency, its ERP vendor and what that vendor can tell (erp_records.sql). The vendors do not repeat
-- the company's id inside its records: the raw layer keeps the company each entity was read from.
SELECT
    $snapshot_date::DATE AS snapshot_date,
    'erp' AS system,
    source_id,
    legal_entity,
    company_id AS realm_id,
    name,
    home_currency,
    vendor AS erp_vendor,
    keeps_hierarchy AS erp_keeps_hierarchy,
    keeps_time AS erp_keeps_time
FROM erp_companies($snapshot_date)
