-- The source records behind one finding on one night, one row per system's record, side by side:
-- the customer's records, and the invoice or credit memo records carrying its document number.
SELECT 'customer' AS kind, system, source_id, legal_entity, name AS label, currency,
       NULL::DECIMAL(18, 2) AS amount, NULL::DATE AS "date", CASE WHEN is_active THEN 'active' ELSE 'inactive' END AS status
FROM {customers}
WHERE snapshot_date = $snapshot_date AND global_id = $customer_global_id
UNION ALL
SELECT 'document', system, source_id, legal_entity, document_number, currency, total, issue_date, status
FROM {invoices}
WHERE snapshot_date = $snapshot_date AND document_number = $document_number
ORDER BY kind, system, source_id
