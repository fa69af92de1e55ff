-- What tonight's quarantine holds: the ids whose findings are not reconciled tonight. A record
-- quarantined tonight is absent from the valid layer, so its own findings would look resolved and
-- its linked records would look missing, orphaned or mismatched. A finding that names one of these
-- ids stays as last seen (recon.findings.held_by = 'quarantine') and tonight's detections that name
-- one are set aside. Held: the quarantined record's own id; for a customer (with its engagements),
-- an engagement or a document, also its group as last modelled (on the last night before tonight
-- that the record was valid): the global id and every record of the group, and the global ids those
-- records have tonight. One row per (id column, value).
WITH quarantined AS (
    SELECT DISTINCT
        object,
        CASE WHEN system IN ('salesforce', 'hubspot') THEN 'crm' WHEN system = 'harvest' THEN 'psa' ELSE 'erp' END
            AS system,
        CASE WHEN system IN ('quickbooks', 'xero', 'ledger') THEN entity || ':' || record_id
             WHEN system = 'hubspot' THEN 'hubspot:' || record_id
             ELSE record_id END AS source_id
    FROM quality.quarantine
    WHERE snapshot_date = $snapshot_date AND record_id IS NOT NULL
),
-- customers and engagements (whose global id findings name as project_global_id), every night so far
modelled AS (
    SELECT 'customer' AS kind, snapshot_date, system, source_id, global_id, global_id AS customer_global_id
    FROM canonical.customer WHERE snapshot_date <= $snapshot_date
    UNION ALL
    SELECT 'project', snapshot_date, system, source_id, global_id, customer_global_id
    FROM canonical.engagement WHERE snapshot_date <= $snapshot_date
),
-- each quarantined customer or engagement record as last modelled (quarantined for several nights,
-- it was last modelled before the first of them)
hit AS (
    SELECT m.kind, max(m.snapshot_date) AS snapshot_date, arg_max(m.global_id, m.snapshot_date) AS global_id
    FROM modelled AS m
    JOIN quarantined AS q ON q.system = m.system AND q.source_id = m.source_id
    WHERE m.snapshot_date < $snapshot_date
      AND list_contains(CASE m.kind WHEN 'customer' THEN ['Account', 'companies', 'clients', 'Customer', 'Contacts', 'customers']
                                    ELSE ['Opportunity', 'deals', 'projects', 'Customer'] END, q.object)
    GROUP BY m.kind, m.system, m.source_id
),
-- a customer's engagements go with it
groups AS (
    SELECT kind, snapshot_date, global_id FROM hit
    UNION
    SELECT e.kind, e.snapshot_date, e.global_id
    FROM modelled AS e
    JOIN hit AS c ON c.kind = 'customer' AND e.kind = 'project' AND e.snapshot_date = c.snapshot_date
                 AND e.customer_global_id = c.global_id
),
group_records AS (
    SELECT m.kind, m.system, m.source_id, m.global_id FROM modelled AS m JOIN groups USING (kind, snapshot_date, global_id)
),
held AS (
    SELECT system || '_id' AS id_column, source_id AS value FROM quarantined
    UNION
    SELECT system || '_id', source_id FROM group_records
    UNION
    SELECT kind || '_global_id', global_id FROM group_records
    UNION
    SELECT kind || '_global_id', tonight.global_id
    FROM modelled AS tonight JOIN group_records AS r USING (kind, system, source_id)
    WHERE tonight.snapshot_date = $snapshot_date
    UNION
    SELECT 'document_number', i.document_number
    FROM canonical.invoice AS i
    JOIN quarantined AS q ON q.system = i.system AND q.source_id = i.source_id
    WHERE q.object IN ('invoices', 'Invoice', 'Invoices') AND i.document_number IS NOT NULL AND i.snapshot_date < $snapshot_date
)
SELECT $snapshot_date::DATE AS snapshot_date, id_column, value FROM held
