-- The tie-out cells whose unexplained remainder is above the money tolerance, largest first.
SELECT legal_entity, month, currency, psa_billed, erp_invoiced, difference, explained_by_findings, unexplained
FROM recon.tieout
WHERE snapshot_date = $snapshot_date AND abs(unexplained) > $money_tolerance
ORDER BY abs(unexplained) DESC, legal_entity, month, currency
