-- Invoice lines: per invoice record, its lines in document order (PSA line items; ERP sales lines,
-- without QuickBooks' subtotal and discount lines). `source_id` is the invoice's; the line is
-- (source_id, line_number).
WITH lines AS (
    SELECT
        'psa' AS system,
        i.record_id AS source_id,
        line.key::INTEGER + 1 AS line_number,
        line.value ->> '$.kind' AS kind,
        line.value ->> '$.description' AS description,
        (line.value ->> '$.quantity')::DECIMAL(18, 4) AS quantity,
        (line.value ->> '$.unit_price')::DECIMAL(18, 2) AS unit_price,
        (line.value ->> '$.amount')::DECIMAL(18, 2) AS amount
    FROM valid.harvest__invoices AS i, json_each(i.payload -> '$.line_items') AS line
    WHERE i.snapshot_date = $snapshot_date
    UNION ALL
    SELECT 'erp', source_id, line_number, kind, description, quantity, unit_price, amount
    FROM erp_invoice_line_records($snapshot_date)
)
SELECT
    $snapshot_date::DATE AS snapshot_date,
    l.system,
    l.source_id,
    invoice.legal_entity,
    invoice.global_id AS invoice_global_id,
    l.line_number,
    l.kind,
    l.description,
    l.quantity,
    l.unit_price,
    l.amount
FROM lines AS l
JOIN canonical.invoice AS invoice
  ON invoice.snapshot_date = $snapshot_date AND invoice.system = l.system AND invoice.source_id = l.source_id
