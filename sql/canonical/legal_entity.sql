-- Legal entities: one per QuickBooks company (realm), named by CompanyInfo, with the home currency
-- of its Preferences. The realm id is configuration ($realms: {"<code>": "<realm id>"}), since
-- QuickBooks does not repeat it inside the company's records.
SELECT
    $snapshot_date::DATE AS snapshot_date,
    'erp' AS system,
    info.entity || ':' || info.record_id AS source_id,
    info.entity AS legal_entity,
    ($realms::JSON) ->> info.entity AS realm_id,
    coalesce(info.payload ->> '$.CompanyName', info.payload ->> '$.LegalName') AS name,
    prefs.payload ->> '$.CurrencyPrefs.HomeCurrency.value' AS home_currency
FROM valid.quickbooks__companyinfo AS info
LEFT JOIN valid.quickbooks__preferences AS prefs
       ON prefs.snapshot_date = info.snapshot_date AND prefs.entity = info.entity
WHERE info.snapshot_date = $snapshot_date
