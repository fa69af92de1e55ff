-- Legal entities: one per QuickBooks company (realm), named by CompanyInfo, with the home currency
-- of its Preferences. QuickBooks does not repeat the realm id inside the company's records: the raw
-- layer keeps the company each entity's CompanyInfo was read from (raw.companies).
SELECT
    $snapshot_date::DATE AS snapshot_date,
    'erp' AS system,
    info.entity || ':' || info.record_id AS source_id,
    info.entity AS legal_entity,
    company.company_id AS realm_id,
    coalesce(info.payload ->> '$.CompanyName', info.payload ->> '$.LegalName') AS name,
    prefs.payload ->> '$.CurrencyPrefs.HomeCurrency.value' AS home_currency
FROM valid.quickbooks__companyinfo AS info
LEFT JOIN valid.quickbooks__preferences AS prefs
       ON prefs.snapshot_date = info.snapshot_date AND prefs.entity = info.entity
LEFT JOIN raw.companies AS company
       ON company.snapshot_date = info.snapshot_date AND company.system = 'quickbooks'
      AND company.object = 'CompanyInfo' AND company.entity = info.entity
WHERE info.snapshot_date = $snapshot_date
