-- The CRM side of the canonical model in one shape, whichever CRM keeps a business unit's accounts:
-- Salesforce (its custom fields named by configuration, passed in as JSON paths) or HubSpot (an
-- acquired unit's companies and deals, properties as strings). Defined for the session before each
-- canonical table's SQL runs, as the ERP's are (erp_records.sql, docs/decisions.md 29). A HubSpot
-- record's id is `hubspot:<its id>`, the form a Harvest project's code uses to point at a deal, so it
-- never collides with a Salesforce Id. HubSpot specifics, from its CRM API: the parent company is the
-- association of type `child_to_parent_company`; a deal's company is its primary company (v3 names
-- the primary association `deal_to_company`, and every one, the primary again, `..._unlabeled`);
-- dates are ISO 8601 or epoch milliseconds; won and closed are HubSpot's calculated `hs_is_closed_won`
-- and `hs_is_closed` (a custom pipeline's stage ids mean nothing), else the default pipeline's stage;
-- a company states no currency, and a deal no legal entity (its company's applies).

CREATE OR REPLACE TEMP MACRO hubspot_date(value) AS
    CASE WHEN regexp_full_match(value, '[0-9]+') THEN epoch_ms(value::BIGINT)::DATE
         ELSE (TRY_CAST(value AS TIMESTAMPTZ) AT TIME ZONE 'UTC')::DATE END;

-- the id of the record a HubSpot record's associations name with one of `kinds`, as a CRM source id
CREATE OR REPLACE TEMP MACRO hubspot_associated(record, kinds) AS
    'hubspot:' || list_sort(
        [TRY_CAST(r ->> '$.id' AS BIGINT) FOR r IN CAST(record -> '$.associations.companies.results' AS JSON[])
         IF list_contains(kinds, r ->> '$.type')])[1]::VARCHAR;  -- the lowest id where several are named

CREATE OR REPLACE TEMP MACRO crm_account_records(
    night, legal_entity_field, tax_id_field, psa_client_id_field, erp_customer_id_field, open_ar_field
) AS TABLE
    SELECT 'salesforce' AS vendor, record_id AS source_id,
           payload ->> legal_entity_field AS legal_entity,
           payload ->> '$.Name' AS name,
           payload ->> '$.ParentId' AS parent_source_id,
           payload ->> '$.CurrencyIsoCode' AS currency,
           NOT coalesce((payload ->> '$.IsDeleted')::BOOLEAN, false) AS is_active,
           payload ->> tax_id_field AS tax_id,
           payload ->> '$.Website' AS website,
           nullif(payload ->> psa_client_id_field, '') AS crm_psa_client_id,
           nullif(payload ->> erp_customer_id_field, '') AS crm_erp_customer_id,
           (payload ->> open_ar_field)::DECIMAL(18, 2) AS crm_open_ar,
           -- the cross-reference a record this account names is tied by (canonical.xref's link)
           'crm.' || psa_client_id_field AS psa_client_link,
           'crm.' || erp_customer_id_field AS erp_customer_link
    FROM valid.salesforce__account
    WHERE snapshot_date = night
    UNION ALL
    SELECT 'hubspot', 'hubspot:' || record_id,
           nullif(payload ->> '$.properties.legal_entity', ''),
           payload ->> '$.properties.name',
           hubspot_associated(payload, ['child_to_parent_company']),
           NULL,
           NOT coalesce((payload ->> '$.archived')::BOOLEAN, false),
           nullif(payload ->> '$.properties.tax_id', ''),
           nullif(payload ->> '$.properties.domain', ''),
           nullif(payload ->> '$.properties.psa_client_id', ''),
           nullif(payload ->> '$.properties.erp_customer_id', ''),
           TRY_CAST(nullif(payload ->> '$.properties.open_ar', '') AS DECIMAL(18, 2)),
           'crm.hubspot.psa_client_id',
           'crm.hubspot.erp_customer_id'
    FROM valid.hubspot__companies
    WHERE snapshot_date = night;

CREATE OR REPLACE TEMP MACRO crm_opportunity_records(
    night, legal_entity_field, billing_model_field, psa_project_id_field
) AS TABLE
    SELECT 'salesforce' AS vendor, o.record_id AS source_id,
           o.payload ->> legal_entity_field AS legal_entity,
           o.payload ->> '$.AccountId' AS customer_source_id,
           o.payload ->> '$.Name' AS name,
           o.payload ->> billing_model_field AS billing_model,
           (o.payload ->> '$.Amount')::DECIMAL(18, 2) AS value,
           o.payload ->> '$.CurrencyIsoCode' AS currency,
           o.payload ->> '$.StageName' AS stage,
           (o.payload ->> '$.IsWon')::BOOLEAN AS is_won,
           (o.payload ->> '$.IsClosed')::BOOLEAN AS is_closed,
           (o.payload ->> '$.CloseDate')::DATE AS close_date,
           nullif(o.payload ->> psa_project_id_field, '') AS crm_psa_project_id,
           'crm.' || psa_project_id_field AS psa_project_link
    FROM valid.salesforce__opportunity AS o
    WHERE o.snapshot_date = night
    UNION ALL
    SELECT 'hubspot', 'hubspot:' || d.record_id,
           nullif(company.payload ->> '$.properties.legal_entity', ''),
           d.customer_source_id,
           d.payload ->> '$.properties.dealname',
           nullif(d.payload ->> '$.properties.billing_model', ''),
           TRY_CAST(nullif(d.payload ->> '$.properties.amount', '') AS DECIMAL(18, 2)),
           nullif(d.payload ->> '$.properties.deal_currency_code', ''),
           d.payload ->> '$.properties.dealstage',
           coalesce(TRY_CAST(d.payload ->> '$.properties.hs_is_closed_won' AS BOOLEAN),
                    d.payload ->> '$.properties.dealstage' = 'closedwon'),
           coalesce(TRY_CAST(d.payload ->> '$.properties.hs_is_closed' AS BOOLEAN),
                    d.payload ->> '$.properties.dealstage' IN ('closedwon', 'closedlost')),
           hubspot_date(nullif(d.payload ->> '$.properties.closedate', '')),
           nullif(d.payload ->> '$.properties.psa_project_id', ''),
           'crm.hubspot.psa_project_id'
    FROM (SELECT *, coalesce(hubspot_associated(payload, ['deal_to_company']),
                             hubspot_associated(payload, ['deal_to_company_unlabeled'])) AS customer_source_id
          FROM valid.hubspot__deals WHERE snapshot_date = night) AS d
    LEFT JOIN valid.hubspot__companies AS company
           ON company.snapshot_date = night AND 'hubspot:' || company.record_id = d.customer_source_id;
