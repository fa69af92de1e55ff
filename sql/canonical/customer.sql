-- Customers: one row per CRM account (Salesforce or HubSpot: crm_records.sql), PSA client and ERP
-- customer (project sub-customers are engagements). A PSA client or ERP customer shares the global id of the one CRM account whose
-- cross-reference field names it; anything no account (or more than one) names keeps its own.
-- Then the pairs people confirmed in the portal's match review (workbench.match_decisions, the
-- pair's latest decision) join their two records' customers into one (link `match_review`).
WITH RECURSIVE accounts AS (
    SELECT
        'crm' AS system,
        a.* EXCLUDE (vendor),
        'cus_' || left(md5('crm:' || a.source_id), 16) AS global_id
    FROM crm_account_records($snapshot_date, $legal_entity_field, $tax_id_field, $psa_client_id_field,
                             $erp_customer_id_field, $open_ar_field) AS a
),
psa_claims AS (
    SELECT crm_psa_client_id AS source_id, min(global_id) AS global_id,
           min(psa_client_link) AS link
    FROM accounts WHERE crm_psa_client_id IS NOT NULL
    GROUP BY 1 HAVING count(*) = 1
),
erp_claims AS (
    SELECT crm_erp_customer_id AS source_id, min(global_id) AS global_id,
           min(erp_customer_link) AS link
    FROM accounts WHERE crm_erp_customer_id IS NOT NULL
    GROUP BY 1 HAVING count(*) = 1
),
clients AS (
    SELECT
        'psa' AS system,
        c.record_id AS source_id,
        c.payload ->> '$.name' AS name,
        c.payload ->> '$.currency' AS currency,
        (c.payload ->> '$.is_active')::BOOLEAN AS is_active,
        coalesce(claim.global_id, 'cus_' || left(md5('psa:' || c.record_id), 16)) AS global_id,
        coalesce(claim.link, 'anchor') AS link
    FROM valid.harvest__clients AS c
    LEFT JOIN psa_claims AS claim ON claim.source_id = c.record_id
    WHERE c.snapshot_date = $snapshot_date
),
erp_customers AS (
    SELECT
        'erp' AS system,
        q.source_id,
        q.legal_entity,
        q.name,
        q.parent_source_id,
        q.currency,
        q.is_active,
        q.tax_id,
        q.website,
        q.balance AS erp_balance,
        q.balance_with_jobs AS erp_balance_with_jobs,
        coalesce(claim.global_id, 'cus_' || left(md5('erp:' || q.source_id), 16)) AS global_id,
        coalesce(claim.link, 'anchor') AS link
    FROM erp_customer_records($snapshot_date) AS q
    LEFT JOIN erp_claims AS claim ON claim.source_id = q.source_id
),
-- Every ERP customer's ancestors, walked up the ParentRef chains: QuickBooks' stored Level is not
-- refreshed on the descendants of a reparented customer, so depth comes from the chain. UNION (not
-- ALL) keeps each (customer, ancestor) once, so the walk ends even around a loop.
erp_ancestors(source_id, ancestor) AS (
    SELECT source_id, parent_source_id FROM erp_customers WHERE parent_source_id IS NOT NULL
    UNION
    SELECT a.source_id, c.parent_source_id
    FROM erp_ancestors AS a JOIN erp_customers AS c ON c.source_id = a.ancestor
    WHERE c.parent_source_id IS NOT NULL
),
-- depth under the top-level customer; none for a customer whose chain loops back to it
erp_depth AS (
    SELECT c.source_id,
           CASE WHEN NOT coalesce(bool_or(a.ancestor = c.source_id), false) THEN count(a.ancestor) END AS erp_level
    FROM erp_customers AS c LEFT JOIN erp_ancestors AS a USING (source_id)
    GROUP BY c.source_id
),
linked AS (
    SELECT system, source_id, global_id, 'anchor' AS link, legal_entity, name, parent_source_id, currency,
           is_active, tax_id, website, crm_psa_client_id, crm_erp_customer_id, crm_open_ar
    FROM accounts
    UNION ALL BY NAME
    SELECT system, source_id, global_id, link, name, currency, is_active
    FROM clients
    UNION ALL BY NAME
    SELECT system, source_id, global_id, link, legal_entity, name, parent_source_id, currency, is_active, tax_id,
           website, erp_balance, erp_balance_with_jobs, erp_level
    FROM erp_customers LEFT JOIN erp_depth USING (source_id)
),
-- Match review (docs/decisions.md 25): each pair's standing decision is its latest; a confirmed pair
-- whose records have different customers tonight joins the two customers, and whatever else a
-- confirmed pair joins to either of them (reviewed_reach: every customer reachable over them).
confirmed AS (
    SELECT a_system, a_source_id, b_system, b_source_id
    FROM workbench.standing_match_decisions WHERE decision = 'confirmed'
),
reviewed_links AS (
    SELECT a.global_id AS from_id, b.global_id AS to_id
    FROM confirmed AS c
    JOIN linked AS a ON a.system = c.a_system AND a.source_id = c.a_source_id
    JOIN linked AS b ON b.system = c.b_system AND b.source_id = c.b_source_id
    WHERE a.global_id <> b.global_id
),
reviewed_edges AS (
    SELECT from_id, to_id FROM reviewed_links UNION SELECT to_id, from_id FROM reviewed_links
),
reviewed_reach(global_id, reached) AS (
    SELECT from_id, from_id FROM reviewed_edges
    UNION
    SELECT r.global_id, e.to_id FROM reviewed_reach AS r JOIN reviewed_edges AS e ON e.from_id = r.reached
),
-- the joined customers keep the global id of the one holding a CRM account, then the lowest: both
-- stay so from night to night (the findings about a customer are keyed by its global id)
customer_sizes AS (
    SELECT global_id, bool_or(system = 'crm') AS has_crm FROM linked GROUP BY 1
),
reviewed AS (
    SELECT r.global_id, first(s.global_id ORDER BY s.has_crm DESC, s.global_id) AS joined_id
    FROM reviewed_reach AS r JOIN customer_sizes AS s ON s.global_id = r.reached
    GROUP BY r.global_id
),
regrouped AS (
    SELECT l.* REPLACE (coalesce(r.joined_id, l.global_id) AS global_id,
                        CASE WHEN r.joined_id <> l.global_id THEN 'match_review' ELSE l.link END AS link)
    FROM linked AS l LEFT JOIN reviewed AS r USING (global_id)
),
-- A PSA client is billed by the ERP company of its customer, else contracted by the CRM's entity.
entity_of AS (
    SELECT global_id, coalesce(min(legal_entity) FILTER (WHERE system = 'erp'), min(legal_entity)) AS legal_entity
    FROM regrouped WHERE system IN ('crm', 'erp')
    GROUP BY global_id
),
records AS (
    SELECT r.* REPLACE (CASE WHEN r.system = 'psa' THEN e.legal_entity ELSE r.legal_entity END AS legal_entity)
    FROM regrouped AS r LEFT JOIN entity_of AS e USING (global_id)
)
SELECT
    $snapshot_date::DATE AS snapshot_date,
    r.global_id,
    r.system,
    r.source_id,
    r.legal_entity,
    r.link,
    r.name,
    customer_name_key(r.name) AS normalized_name,
    r.parent_source_id,
    parent.global_id AS parent_global_id,
    r.currency,
    r.is_active,
    r.tax_id,
    nullif(regexp_extract(lower(r.website), '^(?:[a-z][a-z0-9+.-]*://)?(?:www\.)?([^/:?#]+)', 1), '') AS web_domain,
    r.crm_psa_client_id,
    r.crm_erp_customer_id,
    r.crm_open_ar,
    r.erp_balance,
    r.erp_balance_with_jobs,
    r.erp_level
FROM records AS r
LEFT JOIN records AS parent ON parent.system = r.system AND parent.source_id = r.parent_source_id
