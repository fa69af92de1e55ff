-- Invoices: one row per PSA invoice and ERP invoice. The PSA invoice anchors; an ERP invoice joins
-- it through `harvest_invoice:<id>` (QuickBooks' PrivateNote, Xero's Reference: erp_records.sql),
-- so the parts of a split invoice share its global id; an opening item migrated at an ERP cutover
-- (`migrated_from`) shares the old invoice's. Totals stay in the document's currency; the functional-currency view uses the ERP's
-- exchange rate (a PSA invoice borrows its postings' rate, or 1 in the home currency).
-- Each payload is parsed once (json_transform to the fields used), not once per field: the invoices'
-- payloads, lines included, are the fattest. A value not of its type reads as NULL (the contracts have
-- typed the amounts and dates that matter; the rest as validation's TRY_CASTs read them).
WITH psa_documents AS (
    SELECT record_id, json_transform(payload, '{"client": {"id": "VARCHAR"}, "number": "VARCHAR",
               "issue_date": "DATE", "due_date": "DATE", "currency": "VARCHAR", "amount": "DECIMAL(18, 2)",
               "due_amount": "DECIMAL(18, 2)", "state": "VARCHAR", "discount_amount": "DECIMAL(18, 2)",
               "tax_amount": "DECIMAL(18, 2)", "tax2_amount": "DECIMAL(18, 2)",
               "line_items": [{"amount": "DECIMAL(18, 2)", "project": {"id": "VARCHAR"}}]}') AS document
    FROM valid.harvest__invoices
    WHERE snapshot_date = $snapshot_date
),
psa AS (
    SELECT
        'psa' AS system,
        record_id AS source_id,
        'inv_' || left(md5('psa:' || record_id), 16) AS global_id,
        'anchor' AS link,
        document.client.id AS customer_source_id,
        document.line_items[1].project.id AS engagement_source_id,
        document.number AS document_number,
        document.issue_date,
        document.due_date,
        document.currency,
        document.amount AS total,
        document.due_amount AS amount_due,
        document.state AS status,
        coalesce(list_sum([line.amount FOR line IN document.line_items]), 0) AS lines_total,
        coalesce(document.discount_amount, 0) AS discount_total,
        (coalesce(document.tax_amount, 0) + coalesce(document.tax2_amount, 0))::DECIMAL(18, 2) AS tax_total,
        NULL::DECIMAL(18, 6) AS exchange_rate
    FROM psa_documents
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
