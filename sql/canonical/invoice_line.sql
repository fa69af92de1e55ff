-- Invoice lines: per invoice record, its lines in document order (PSA line items; ERP sales lines,
-- without QuickBooks' subtotal and discount lines). `source_id` is the invoice's; the line is
-- (source_id, line_number).
WITH lines AS (
    -- each payload's lines parsed once (json_transform), not once per field
    SELECT
        'psa' AS system,
        record_id AS source_id,
        line_number,
        line.kind,
        line.description,
        line.quantity,
        line.unit_price,
        line.amount
    FROM (
        SELECT record_id, unnest(items) AS line, generate_subscripts(items, 1)::INTEGER AS line_number
        FROM (
            SELECT record_id, json_transform(payload -> '$.line_items', '[{"kind": "VARCHAR", "description": "VARCHAR",
                       "quantity": "DECIMAL(18, 4)", "unit_price": "DECIMAL(18, 2)", "amount": "DECIMAL(18, 2)"}]') AS items
            FROM valid.harvest__invoices
            WHERE snapshot_date = $snapshot_date
        )
    )
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
