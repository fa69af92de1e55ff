-- Payment applications: one row per payment line, naming the invoice and/or credit memo it
-- settles (QuickBooks `Line[].LinkedTxn`), in the payment's currency.
WITH lines AS (
    SELECT p.entity, p.entity || ':' || p.record_id AS source_id, line.key AS line_key,
           (line.value ->> '$.Amount')::DECIMAL(18, 2) AS amount, line.value -> '$.LinkedTxn' AS linked
    FROM valid.quickbooks__payment AS p, json_each(p.payload -> '$.Line') AS line
    WHERE p.snapshot_date = $snapshot_date
),
applied AS (
    SELECT l.entity, l.source_id, l.line_key, any_value(l.amount) AS amount,
           min(txn.value ->> '$.TxnId') FILTER (WHERE txn.value ->> '$.TxnType' = 'Invoice') AS invoice_id,
           min(txn.value ->> '$.TxnId') FILTER (WHERE txn.value ->> '$.TxnType' = 'CreditMemo') AS credit_memo_id
    FROM lines AS l LEFT JOIN json_each(l.linked) AS txn ON true
    GROUP BY 1, 2, 3
)
SELECT
    $snapshot_date::DATE AS snapshot_date,
    'erp' AS system,
    a.source_id,
    a.entity AS legal_entity,
    payment.global_id AS payment_global_id,
    invoice.global_id AS invoice_global_id,
    a.entity || ':' || a.invoice_id AS invoice_source_id,
    a.entity || ':' || a.credit_memo_id AS credit_memo_source_id,
    a.amount
FROM applied AS a
JOIN canonical.payment AS payment
  ON payment.snapshot_date = $snapshot_date AND payment.source_id = a.source_id
LEFT JOIN canonical.invoice AS invoice
       ON invoice.snapshot_date = $snapshot_date AND invoice.system = 'erp'
      AND invoice.source_id = a.entity || ':' || a.invoice_id
