-- The cash and credits the ERP applied to each matched PSA invoice's postings, and whether the
-- PSA's amount due reflects each one. The PSA records no receipts of its own (decision 4), only
-- what is left due, so what it reflects is read from it: the ERP has settled `erp_settled`, the PSA
-- knows of `psa_settled` (total - amount due), and the difference is taken to be the newest
-- receipts (the PSA lags behind the ERP, it does not skip a payment and record a later one).
-- One row per (PSA invoice, ERP payment); a Xero credit note's allocations count as one payment,
-- the credit note's (Xero applies credit without a payment).
-- Across an ERP cutover, an old invoice carried on by an opening item is settled in the current ERP from
-- the cutover date: what is applied to its opening item counts for it, and what the former ERP applied to
-- it from that date on (an entry clearing the migrated balance there) does not.
WITH carried_on AS (
    SELECT o.migrated_from AS source_id, min(e.erp_cutover_date) AS cutover_date
    FROM canonical.invoice AS o
    JOIN canonical.legal_entity AS e ON e.snapshot_date = o.snapshot_date AND e.legal_entity = o.legal_entity
    WHERE o.snapshot_date = $snapshot_date AND o.system = 'erp' AND o.migrated_from IS NOT NULL
    GROUP BY 1
),
applications AS (
    SELECT a.source_id AS payment_id, coalesce(opening.migrated_from, a.invoice_source_id) AS invoice_source_id,
           a.credit_memo_source_id, a.applied_on, a.amount
    FROM canonical.payment_application AS a
    LEFT JOIN canonical.invoice AS opening
           ON opening.snapshot_date = a.snapshot_date AND opening.system = 'erp'
          AND opening.source_id = a.invoice_source_id AND opening.migrated_from IS NOT NULL
    LEFT JOIN carried_on AS old ON old.source_id = a.invoice_source_id
    WHERE a.snapshot_date = $snapshot_date AND NOT coalesce(a.applied_on >= old.cutover_date, false)
),
-- a payment that applies a credit memo settles the invoice with that credit, not with cash
credit_of AS (
    SELECT payment_id, min(credit_memo_source_id) AS credit_memo_id
    FROM applications WHERE credit_memo_source_id IS NOT NULL
    GROUP BY 1
),
receipts AS (
    SELECT m.psa_invoice_id, any_value(m.legal_entity) AS legal_entity, a.payment_id,
           any_value(c.credit_memo_id) AS credit_memo_id, min(a.applied_on) AS payment_date,
           sum(a.amount) AS amount,
           any_value(m.psa_total - m.psa_amount_due) AS psa_settled,
           any_value(m.psa_currency) AS currency
    FROM applications AS a
    JOIN recon.invoice_match AS m
      ON m.snapshot_date = $snapshot_date AND m.erp_invoice_id = a.invoice_source_id AND m.psa_invoice_id IS NOT NULL
     AND m.in_its_erp
    LEFT JOIN credit_of AS c USING (payment_id)
    GROUP BY m.psa_invoice_id, a.payment_id
),
ordered AS (
    SELECT *,
           sum(amount) OVER (PARTITION BY psa_invoice_id) AS erp_settled,
           coalesce(sum(amount) OVER (PARTITION BY psa_invoice_id ORDER BY payment_date DESC, payment_id DESC
                                      ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS newer
    FROM receipts
)
SELECT
    $snapshot_date::DATE AS snapshot_date,
    legal_entity,
    psa_invoice_id,
    payment_id,
    credit_memo_id,
    CASE WHEN credit_memo_id IS NULL THEN 'cash' ELSE 'credit' END AS kind,
    payment_date,
    currency,
    amount,
    erp_settled,
    psa_settled,
    -- unreflected while newer receipts alone do not account for what the PSA is missing
    newer < erp_settled - psa_settled
        - $money_tolerance AS unreflected
FROM ordered
