-- PSA invoices matched to ERP invoices for the night: first by reference (`harvest_invoice:<id>`
-- in the ERP PrivateNote, which canonical turns into a shared global id: one-to-one, or one-to-many
-- for a split invoice), then by number (DocNumber `<number>` or `<number>-<k>` in the same legal
-- entity), then by customer, amount within tolerance and issue date within the window (one-to-one,
-- mutual best candidates only). One row per matched pair, and one per invoice left unmatched.
WITH psa AS (
    SELECT source_id, global_id, legal_entity, customer_global_id, document_number, issue_date, currency, total,
           amount_due, status
    FROM canonical.invoice
    WHERE snapshot_date = $snapshot_date AND system = 'psa' AND coalesce(status, '') <> 'draft'
),
-- an opening item migrated at an ERP cutover carries its old invoice on: not a posting of its own, it
-- gives the old invoice the balance and status the current ERP now keeps (docs/decisions.md 33)
openings AS (
    SELECT migrated_from, sum(amount_due) AS amount_due, min(status) AS status
    FROM canonical.invoice
    WHERE snapshot_date = $snapshot_date AND system = 'erp' AND migrated_from IS NOT NULL
    GROUP BY 1
),
erp AS (
    SELECT i.source_id, i.global_id, i.legal_entity, i.customer_global_id, i.engagement_global_id,
           i.document_number, i.issue_date, i.currency, i.total, i.erp_vendor,
           -- (an old invoice voided since keeps its void: there is nothing left to carry on)
           CASE WHEN i.status = 'voided' THEN i.amount_due ELSE coalesce(o.amount_due, i.amount_due) END AS amount_due,
           CASE WHEN i.status = 'voided' THEN i.status ELSE coalesce(o.status, i.status) END AS status
    FROM canonical.invoice AS i
    LEFT JOIN openings AS o ON o.migrated_from = i.source_id
    WHERE i.snapshot_date = $snapshot_date AND i.system = 'erp' AND i.migrated_from IS NULL
),
by_reference AS (
    SELECT p.source_id AS psa_invoice_id, e.source_id AS erp_invoice_id, 'reference' AS method
    FROM psa AS p JOIN erp AS e ON e.global_id = p.global_id
),
-- an ERP invoice answers to its DocNumber and, for a split part `<number>-<k>`, to `<number>`
erp_numbers AS (
    SELECT source_id, legal_entity, unnest([document_number,
                                            nullif(regexp_extract(document_number, '^(.+)-[0-9]+$', 1), '')]) AS number
    FROM erp
    WHERE source_id NOT IN (SELECT erp_invoice_id FROM by_reference)
),
by_number AS (
    SELECT DISTINCT p.source_id AS psa_invoice_id, e.source_id AS erp_invoice_id, 'number' AS method
    FROM psa AS p
    JOIN erp_numbers AS e ON e.legal_entity = p.legal_entity AND e.number = p.document_number
    WHERE p.source_id NOT IN (SELECT psa_invoice_id FROM by_reference)
),
matched AS (
    SELECT * FROM by_reference UNION ALL SELECT * FROM by_number
),
candidates AS (
    SELECT p.source_id AS psa_invoice_id, e.source_id AS erp_invoice_id,
           row_number() OVER (PARTITION BY p.source_id ORDER BY abs(e.issue_date - p.issue_date), e.source_id)
               AS psa_rank,
           row_number() OVER (PARTITION BY e.source_id ORDER BY abs(e.issue_date - p.issue_date), p.source_id)
               AS erp_rank
    FROM psa AS p
    JOIN erp AS e
      ON e.customer_global_id = p.customer_global_id AND e.currency = p.currency
     AND abs(e.total - p.total)
         <= $money_tolerance
     AND abs(e.issue_date - p.issue_date) <= $invoice_date_window_days
    WHERE p.source_id NOT IN (SELECT psa_invoice_id FROM matched)
      AND e.source_id NOT IN (SELECT erp_invoice_id FROM matched)
),
pairs AS (
    SELECT * FROM matched
    UNION ALL
    SELECT psa_invoice_id, erp_invoice_id, 'customer_amount_date' FROM candidates WHERE psa_rank = 1 AND erp_rank = 1
),
psa_projects AS (
    SELECT DISTINCT global_id FROM canonical.engagement WHERE snapshot_date = $snapshot_date AND system = 'psa'
),
rows AS (
    SELECT psa_invoice_id, erp_invoice_id, method FROM pairs
    UNION ALL
    SELECT source_id, NULL, NULL FROM psa WHERE source_id NOT IN (SELECT psa_invoice_id FROM pairs)
    UNION ALL
    SELECT NULL, source_id, NULL FROM erp WHERE source_id NOT IN (SELECT erp_invoice_id FROM pairs)
),
-- across a legal entity's ERP cutover, the ERP a PSA invoice belongs in: the former one before the
-- cutover date, the current one from it on
homes AS (
    SELECT p.source_id AS psa_invoice_id,
           CASE WHEN p.issue_date < e.erp_cutover_date THEN e.erp_cutover_from ELSE e.erp_cutover_to END AS home_erp
    FROM psa AS p
    JOIN canonical.legal_entity AS e ON e.snapshot_date = $snapshot_date AND e.legal_entity = p.legal_entity
    WHERE e.erp_cutover_date IS NOT NULL
),
-- a PSA invoice posted in both ERPs of a cutover, for more than the invoice between them (a split whose
-- parts fall either side of the cutover sums to it), is INVOICE_POSTED_IN_BOTH_ERPS: its postings in the
-- other ERP are listed, for the tie-out, but are not among those the invoice's other codes compare
postings_by_erp AS (
    SELECT r.*, e.erp_vendor, h.home_erp,
           min(e.erp_vendor) OVER invoice <> max(e.erp_vendor) OVER invoice
               AND abs(sum(e.total) OVER invoice - p.total) > $money_tolerance AS in_both
    FROM rows AS r
    LEFT JOIN erp AS e ON e.source_id = r.erp_invoice_id
    LEFT JOIN psa AS p ON p.source_id = r.psa_invoice_id
    LEFT JOIN homes AS h USING (psa_invoice_id)
    WINDOW invoice AS (PARTITION BY r.psa_invoice_id)
),
placed AS (
    SELECT psa_invoice_id, erp_invoice_id, method,
           NOT coalesce(in_both AND home_erp IS NOT NULL AND erp_vendor <> home_erp, false) AS in_its_erp
    FROM postings_by_erp
)
SELECT
    $snapshot_date::DATE AS snapshot_date,
    coalesce(p.legal_entity, e.legal_entity) AS legal_entity,
    coalesce(p.global_id, e.global_id) AS invoice_global_id,
    r.method,
    -- an invoice of the PSA's, or an ERP invoice on a project the PSA runs
    p.source_id IS NOT NULL OR coalesce(e.engagement_global_id IN (SELECT global_id FROM psa_projects), false)
        AS psa_managed,
    r.psa_invoice_id,
    p.customer_global_id AS psa_customer_global_id,
    p.document_number AS psa_document_number,
    p.issue_date AS psa_issue_date,
    p.currency AS psa_currency,
    p.total AS psa_total,
    p.amount_due AS psa_amount_due,
    p.status AS psa_status,
    r.erp_invoice_id,
    e.customer_global_id AS erp_customer_global_id,
    e.engagement_global_id AS erp_engagement_global_id,
    e.document_number AS erp_document_number,
    e.issue_date AS erp_issue_date,
    e.currency AS erp_currency,
    e.total AS erp_total,
    e.amount_due AS erp_amount_due,
    e.status AS erp_status,
    -- the ERP invoice's place among the PSA invoice's postings, in the order they were created (by
    -- QuickBooks' numeric ids; Xero's are UUIDs, whose split parts are numbered `<number>-<k>`)
    e.erp_vendor,
    r.in_its_erp,
    -- the ERP invoice's place among the PSA invoice's postings, in the order they were created (by
    -- QuickBooks' numeric ids; Xero's are UUIDs, whose split parts are numbered `<number>-<k>`), those in
    -- the ERP it belongs in first
    row_number() OVER (PARTITION BY r.psa_invoice_id
                       ORDER BY NOT r.in_its_erp, e.legal_entity, TRY_CAST(split_part(e.source_id, ':', 2) AS BIGINT),
                                e.document_number, e.source_id)
        AS posting_number,
    count(r.erp_invoice_id) FILTER (WHERE r.in_its_erp) OVER psa_invoice AS postings,
    sum(e.total) FILTER (WHERE r.in_its_erp) OVER psa_invoice AS erp_total_sum,
    sum(e.amount_due) FILTER (WHERE r.in_its_erp) OVER psa_invoice AS erp_amount_due_sum,
    -- postings that each carry the whole PSA invoice: two or more are a duplicate, not a split
    count(*) FILTER (WHERE r.in_its_erp AND abs(e.total - p.total) <= $money_tolerance)
        OVER psa_invoice AS whole_postings,
    CASE WHEN bool_and(e.status = 'voided') FILTER (WHERE r.in_its_erp) OVER psa_invoice THEN 'voided'
         WHEN bool_and(e.status IN ('paid', 'voided')) FILTER (WHERE r.in_its_erp) OVER psa_invoice THEN 'paid'
         ELSE 'open' END AS erp_invoice_status
FROM placed AS r
LEFT JOIN psa AS p ON p.source_id = r.psa_invoice_id
LEFT JOIN erp AS e ON e.source_id = r.erp_invoice_id
WINDOW psa_invoice AS (PARTITION BY r.psa_invoice_id)
