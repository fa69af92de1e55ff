-- Invoices: one row per PSA invoice and ERP invoice. The PSA invoice anchors; an ERP invoice joins
-- it through `harvest_invoice:<id>` (QuickBooks' PrivateNote, Xero's Reference: erp_records.sql),
-- so the parts of a split invoice share its global id; an opening item migrated at an ERP cutover
-- (`migrated_from`) shares the old invoice's. Totals stay in the document's currency; the functional-currency view uses the ERP's
-- exchange rate (a PSA invoice borrows its postings' rate, or 1 in the home currency).
WITH psa_lines AS (
    SELECT i.record_id, sum((line.value ->> '$.amount')::DECIMAL(18, 2)) AS lines_total
    FROM valid.harvest__invoices AS i, json_each(i.payload -> '$.line_items') AS line
    WHERE i.snapshot_date = $snapshot_date
    GROUP BY 1
),
psa AS (
    SELECT
        'psa' AS system,
        i.record_id AS source_id,
        'inv_' || left(md5('psa:' || i.record_id), 16) AS global_id,
        'anchor' AS link,
        i.payload ->> '$.client.id' AS customer_source_id,
        i.payload ->> '$.line_items[0].project.id' AS engagement_source_id,
        i.payload ->> '$.number' AS document_number,
        (i.payload ->> '$.issue_date')::DATE AS issue_date,
        (i.payload ->> '$.due_date')::DATE AS due_date,
        i.payload ->> '$.currency' AS currency,
        (i.payload ->> '$.amount')::DECIMAL(18, 2) AS total,
        (i.payload ->> '$.due_amount')::DECIMAL(18, 2) AS amount_due,
        i.payload ->> '$.state' AS status,
        coalesce(l.lines_total, 0) AS lines_total,
        coalesce((i.payload ->> '$.discount_amount')::DECIMAL(18, 2), 0) AS discount_total,
        (coalesce((i.payload ->> '$.tax_amount')::DECIMAL(18, 2), 0)
         + coalesce((i.payload ->> '$.tax2_amount')::DECIMAL(18, 2), 0))::DECIMAL(18, 2) AS tax_total,
        NULL::DECIMAL(18, 6) AS exchange_rate
    FROM valid.harvest__invoices AS i
    LEFT JOIN psa_lines AS l USING (record_id)
    WHERE i.snapshot_date = $snapshot_date
),
erp_records AS (
    SELECT * FROM erp_invoice_records($snapshot_date)
),
-- an opening item migrated at an ERP cutover carries an old invoice on: in the entity's current ERP, from
-- the cutover date, naming an invoice of the former ERP (anything else is an ordinary posting)
opening_items AS (
    SELECT i.source_id, carried.source_id AS migrated_from, carried.psa_invoice_ref
    FROM erp_records AS i
    JOIN canonical.legal_entity AS e
      ON e.snapshot_date = $snapshot_date AND e.legal_entity = i.legal_entity
     AND e.erp_cutover_to = i.vendor AND $snapshot_date >= e.erp_cutover_date
    JOIN erp_records AS carried
      ON carried.legal_entity = i.legal_entity AND carried.vendor = e.erp_cutover_from
     AND i.migrated_from = carried.legal_entity || ':' || carried.vendor || ':' || lower(carried.record_id)
    QUALIFY row_number() OVER (PARTITION BY i.source_id ORDER BY carried.source_id) = 1
),
-- which shares its global id
erp AS (
    SELECT
        'erp' AS system,
        i.source_id,
        coalesce(p.global_id, migrated_p.global_id,
                 'inv_' || left(md5('erp:' || coalesce(o.migrated_from, i.source_id)), 16)) AS global_id,
        CASE WHEN p.global_id IS NOT NULL THEN i.psa_link
             WHEN o.migrated_from IS NOT NULL THEN 'erp.migrated'
             ELSE 'anchor' END AS link,
        i.vendor AS erp_vendor,
        o.migrated_from,
        i.legal_entity,
        i.customer_source_id,
        i.document_number,
        i.issue_date,
        i.due_date,
        i.currency,
        i.total,
        i.amount_due,
        i.status,
        i.lines_total,
        i.discount_total,
        i.tax_total,
        i.exchange_rate
    FROM erp_records AS i
    LEFT JOIN psa AS p ON p.source_id = i.psa_invoice_ref
    LEFT JOIN opening_items AS o ON o.source_id = i.source_id
    LEFT JOIN psa AS migrated_p ON migrated_p.source_id = o.psa_invoice_ref
),
postings AS (
    SELECT global_id, min(legal_entity) AS legal_entity, min(exchange_rate) AS exchange_rate
    FROM erp GROUP BY 1
),
records AS (
    SELECT p.* REPLACE (coalesce(posted.exchange_rate, p.exchange_rate) AS exchange_rate),
           coalesce(posted.legal_entity, customer.legal_entity) AS legal_entity,
           customer.global_id AS customer_global_id,
           engagement.global_id AS engagement_global_id
    FROM psa AS p
    LEFT JOIN postings AS posted USING (global_id)
    LEFT JOIN canonical.customer AS customer
           ON customer.snapshot_date = $snapshot_date AND customer.system = 'psa'
          AND customer.source_id = p.customer_source_id
    LEFT JOIN canonical.engagement AS engagement
           ON engagement.snapshot_date = $snapshot_date AND engagement.system = 'psa'
          AND engagement.source_id = p.engagement_source_id
    UNION ALL BY NAME
    -- an ERP invoice is usually on a project sub-customer: the engagement, whose parent is the customer
    SELECT e.*,
           coalesce(engagement.customer_global_id, customer.global_id) AS customer_global_id,
           engagement.global_id AS engagement_global_id
    FROM erp AS e
    LEFT JOIN canonical.customer AS customer
           ON customer.snapshot_date = $snapshot_date AND customer.system = 'erp'
          AND customer.source_id = e.customer_source_id
    LEFT JOIN canonical.engagement AS engagement
           ON engagement.snapshot_date = $snapshot_date AND engagement.system = 'erp'
          AND engagement.source_id = e.customer_source_id
),
rated AS (
    SELECT r.* REPLACE (coalesce(r.exchange_rate,
                                 CASE WHEN r.currency = home.home_currency THEN 1 END)::DECIMAL(18, 6) AS exchange_rate)
    FROM records AS r
    LEFT JOIN canonical.legal_entity AS home
           ON home.snapshot_date = $snapshot_date AND home.legal_entity = r.legal_entity
)
SELECT
    $snapshot_date::DATE AS snapshot_date,
    global_id,
    system,
    source_id,
    legal_entity,
    link,
    erp_vendor,
    migrated_from,
    customer_global_id,
    engagement_global_id,
    document_number,
    issue_date,
    due_date,
    currency,
    total,
    amount_due,
    status,
    lines_total,
    discount_total,
    tax_total,
    exchange_rate,
    round(total * exchange_rate, 2)::DECIMAL(18, 2) AS home_currency_total
FROM rated
