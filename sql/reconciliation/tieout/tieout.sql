-- The tie-out statement: per legal entity, month and currency, what the PSA billed and what the ERP
-- invoiced for it, the difference, how much of it the night's open invoice findings explain (and of
-- that, how much findings a person explained in the portal, with a reason), and the unexplained
-- remainder. An invoice group (a PSA invoice and its ERP postings, or an ERP invoice no
-- PSA invoice matches) moves money between cells or sides by (its ERP amounts - its PSA amount); the
-- groups that carry a finding explain their movement. ERP invoices outside the PSA (customers billed
-- straight in the ERP) are shown apart and are not part of the difference. A group one of whose
-- invoices the quarantine holds tonight (recon.quarantine_holds: absent from the valid layer, not
-- gone) is held, not unexplained: its movement is shown apart as held_by_quarantine. A legal entity
-- not reconciled tonight (recon.entity_coverage) has no cells: its ERP side is not tonight's.
WITH sides AS (
    SELECT * FROM tieout_sides($snapshot_date)  -- sql/reconciliation/tieout/sides.sql
),
-- the invoice findings a person explained in the portal, with a reason (workbench.night_explanations:
-- those standing when the night's tie-out ran)
explained_by_people AS (
    SELECT DISTINCT coalesce(f.psa_id, f.erp_id) AS invoice_group
    FROM recon.findings AS f
    JOIN workbench.night_explanations AS x ON x.snapshot_date = f.snapshot_date AND x.finding_id = f.finding_id
    WHERE f.snapshot_date = $snapshot_date AND f.status = 'open' AND f.category = 'invoice_cash'
),
-- the findings that say why an invoice's PSA and ERP sides differ in amount, currency or month (a
-- posting voided in the ERP, its total zero, is a status difference), and those people explained
explained AS (
    SELECT coalesce(psa_id, erp_id) AS invoice_group
    FROM recon.findings
    WHERE snapshot_date = $snapshot_date AND status = 'open'
      AND code IN ('INVOICE_MISSING_IN_ERP', 'INVOICE_MISSING_IN_PSA', 'INVOICE_AMOUNT_MISMATCH',
                   'INVOICE_CURRENCY_MISMATCH', 'INVOICE_DATE_MISMATCH', 'INVOICE_DUPLICATE',
                   'INVOICE_STATUS_MISMATCH', 'INVOICE_POSTED_IN_BOTH_ERPS')
    UNION
    SELECT invoice_group FROM explained_by_people
),
-- the groups (keyed as tieout_sides keys them) with an invoice the quarantine holds tonight, by its
-- id or document number, that no finding explains
holds AS (
    SELECT id_column, value FROM recon.quarantine_holds WHERE snapshot_date = $snapshot_date
),
held AS (
    SELECT DISTINCT coalesce(m.psa_invoice_id, m.erp_invoice_id) AS invoice_group
    FROM recon.invoice_match AS m
    JOIN holds AS h
      ON (h.id_column = 'psa_id' AND h.value = m.psa_invoice_id)
      OR (h.id_column = 'erp_id' AND h.value = m.erp_invoice_id)
      OR (h.id_column = 'document_number' AND h.value IN (m.psa_document_number, m.erp_document_number))
    WHERE m.snapshot_date = $snapshot_date
      AND coalesce(m.psa_invoice_id, m.erp_invoice_id) NOT IN (SELECT invoice_group FROM explained)
),
cells AS (
    SELECT s.legal_entity, s.month, s.currency,
           coalesce(sum(s.psa) FILTER (WHERE s.in_psa_scope), 0) AS psa_billed,
           coalesce(sum(s.erp) FILTER (WHERE s.in_psa_scope), 0) AS erp_invoiced,
           coalesce(sum(s.erp - s.psa) FILTER (WHERE s.in_psa_scope AND e.invoice_group IS NOT NULL), 0)
               AS explained_by_findings,
           count(DISTINCT s.invoice_group) FILTER (WHERE s.in_psa_scope AND e.invoice_group IS NOT NULL)
               AS invoices_with_findings,
           coalesce(sum(s.erp) FILTER (WHERE NOT s.in_psa_scope), 0) AS erp_outside_psa,
           coalesce(sum(s.erp - s.psa) FILTER (WHERE s.in_psa_scope AND p.invoice_group IS NOT NULL), 0)
               AS explained_by_people,
           count(DISTINCT s.invoice_group) FILTER (WHERE s.in_psa_scope AND p.invoice_group IS NOT NULL)
               AS invoices_explained_by_people,
           coalesce(sum(s.erp - s.psa) FILTER (WHERE s.in_psa_scope AND h.invoice_group IS NOT NULL), 0)
               AS held_by_quarantine,
           count(DISTINCT s.invoice_group) FILTER (WHERE s.in_psa_scope AND h.invoice_group IS NOT NULL)
               AS invoices_held_by_quarantine
    FROM sides AS s
    LEFT JOIN explained AS e USING (invoice_group)
    LEFT JOIN explained_by_people AS p USING (invoice_group)
    LEFT JOIN held AS h USING (invoice_group)
    GROUP BY 1, 2, 3
)
SELECT
    $snapshot_date::DATE AS snapshot_date,
    legal_entity,
    month,
    currency,
    psa_billed::DECIMAL(18, 2) AS psa_billed,
    erp_invoiced::DECIMAL(18, 2) AS erp_invoiced,
    (erp_invoiced - psa_billed)::DECIMAL(18, 2) AS difference,
    explained_by_findings::DECIMAL(18, 2) AS explained_by_findings,
    (erp_invoiced - psa_billed - explained_by_findings - held_by_quarantine)::DECIMAL(18, 2) AS unexplained,
    invoices_with_findings,
    erp_outside_psa::DECIMAL(18, 2) AS erp_outside_psa,
    explained_by_people::DECIMAL(18, 2) AS explained_by_people,
    invoices_explained_by_people,
    held_by_quarantine::DECIMAL(18, 2) AS held_by_quarantine,
    invoices_held_by_quarantine
FROM cells
WHERE NOT EXISTS (SELECT 1 FROM recon.entity_coverage AS coverage
                  WHERE coverage.snapshot_date = $snapshot_date AND NOT coverage.reconciled
                    AND coverage.legal_entity = cells.legal_entity)
