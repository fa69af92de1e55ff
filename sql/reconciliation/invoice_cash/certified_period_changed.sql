-- A month finance signed off in the portal (workbench.period_signoffs, docs/decisions.md 26) whose
-- figures tonight differ from the certified ones beyond the money tolerance: one finding per legal
-- entity, month and currency. Tonight's figures are the tie-out's sides (sql/reconciliation/tieout/
-- sides.sql) summed as the statement sums them; a currency cell that appeared or went away since the
-- sign-off counts from or to zero. Only nights after the certified one compare. The finding names no
-- invoice, so it explains no money in the tie-out (which counts invoice findings by their invoice): it
-- says that a closed month moved, while the invoice findings still say why the PSA and the ERP differ.
-- amount_difference is the signed change of the side that moved more (money_at_risk: its size).
-- A month holding an invoice the quarantine holds tonight (recon.quarantine_holds: absent from the
-- valid layer, not gone) is not compared: its figures are tonight's minus a record nobody removed.
WITH tonight AS (
    SELECT legal_entity, month, currency,
           coalesce(sum(psa) FILTER (WHERE in_psa_scope), 0) AS psa_billed,
           coalesce(sum(erp) FILTER (WHERE in_psa_scope), 0) AS erp_invoiced
    FROM tieout_sides($snapshot_date)
    GROUP BY ALL
),
signed AS (
    SELECT * FROM workbench.period_signoffs WHERE snapshot_date < $snapshot_date
),
-- who signed each certified month, when, and from which night (a sign-off's cells share them)
signature AS (
    SELECT DISTINCT legal_entity, month, actor, "at", snapshot_date AS certified_night FROM signed
),
-- the invoices of each certified month as its certified night had them, by the ids holds name
certified_invoices AS (
    SELECT [psa_invoice_id, psa_document_number] AS ids, legal_entity,
           date_trunc('month', psa_issue_date)::DATE AS month
    FROM recon.invoice_match
    WHERE snapshot_date IN (SELECT certified_night FROM signature) AND psa_invoice_id IS NOT NULL
    UNION ALL
    SELECT [erp_invoice_id, erp_document_number], split_part(erp_invoice_id, ':', 1),
           date_trunc('month', erp_issue_date)::DATE
    FROM recon.invoice_match
    WHERE snapshot_date IN (SELECT certified_night FROM signature) AND erp_invoice_id IS NOT NULL
),
held_months AS (
    SELECT DISTINCT legal_entity, month
    FROM certified_invoices
    WHERE list_has_any(ids, (SELECT list(value) FROM recon.quarantine_holds
                             WHERE snapshot_date = $snapshot_date
                               AND id_column IN ('psa_id', 'erp_id', 'document_number')))
),
cells AS (
    SELECT legal_entity, month, currency FROM signed
    UNION
    SELECT legal_entity, month, currency FROM tonight JOIN signature USING (legal_entity, month)
),
compared AS (
    SELECT c.legal_entity, c.month, c.currency, g.actor, g."at", g.certified_night,
           coalesce(s.psa_billed, 0) AS certified_psa, coalesce(s.erp_invoiced, 0) AS certified_erp,
           coalesce(t.psa_billed, 0) AS psa_now, coalesce(t.erp_invoiced, 0) AS erp_now,
           psa_now - certified_psa AS psa_change, erp_now - certified_erp AS erp_change
    FROM cells AS c
    JOIN signature AS g USING (legal_entity, month)
    ANTI JOIN held_months AS h USING (legal_entity, month)
    LEFT JOIN signed AS s USING (legal_entity, month, currency)
    LEFT JOIN tonight AS t USING (legal_entity, month, currency)
)
SELECT
    'CERTIFIED_PERIOD_CHANGED' AS code,
    legal_entity || ':' || strftime(month, '%Y-%m') || ':' || coalesce(currency, '') AS subject_key,
    legal_entity,
    currency,
    format('PSA {:.2f}, ERP {:.2f}', certified_psa, certified_erp) AS expected_value,
    format('PSA {:.2f}, ERP {:.2f}', psa_now, erp_now) AS actual_value,
    (CASE WHEN abs(erp_change) >= abs(psa_change) THEN erp_change ELSE psa_change END)::DECIMAL(18, 2)
        AS amount_difference,
    greatest(abs(psa_change), abs(erp_change))::DECIMAL(18, 2) AS money_at_risk,
    format('{} {} ({}) was signed off by {} on {} from the night of {}: PSA {:.2f}, ERP {:.2f}; '
           'tonight PSA {:.2f}, ERP {:.2f}.',
           legal_entity, strftime(month, '%B %Y'), coalesce(currency, 'no currency'), actor,
           strftime("at", '%Y-%m-%d %H:%M UTC'), certified_night, certified_psa, certified_erp, psa_now, erp_now)
        AS detail
FROM compared
WHERE abs(psa_change) > $money_tolerance OR abs(erp_change) > $money_tolerance
