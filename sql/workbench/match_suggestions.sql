-- The match review page (docs/decisions.md 25): the night's suggested customer pairs that nobody has
-- decided, both records side by side as the canonical model has them, with the finding that
-- reports the pair (its queue decides who may confirm or reject it). `pair_key` is the finding's
-- subject key: both records' system:source_id, sorted.
WITH pairs AS (
    SELECT *,
           array_to_string(list_sort([keep_system || ':' || keep_source_id, other_system || ':' || other_source_id]),
                           '|') AS pair_key,
           CASE kind WHEN 'duplicate' THEN 'CUSTOMER_DUPLICATE' ELSE 'CUSTOMER_UNLINKED_MATCH' END AS code
    FROM recon.customer_match
    WHERE snapshot_date = $snapshot_date
)
SELECT
    p.pair_key, p.kind, p.code, p.method, p.confidence, p.name_similarity, p.accepted,
    p.legal_entity,
    {'system': p.keep_system, 'source_id': p.keep_source_id, 'name': p.keep_name, 'global_id': p.keep_global_id,
     'legal_entity': keep.legal_entity, 'currency': keep.currency} AS keep,
    {'system': p.other_system, 'source_id': p.other_source_id, 'name': p.other_name, 'global_id': p.other_global_id,
     'legal_entity': other.legal_entity, 'currency': other.currency} AS other,
    f.finding_id,
    f.owner_queue
FROM pairs AS p
LEFT JOIN canonical.customer AS keep
       ON keep.snapshot_date = p.snapshot_date AND keep.system = p.keep_system AND keep.source_id = p.keep_source_id
LEFT JOIN canonical.customer AS other
       ON other.snapshot_date = p.snapshot_date AND other.system = p.other_system AND other.source_id = p.other_source_id
LEFT JOIN recon.findings AS f
       ON f.snapshot_date = p.snapshot_date AND f.code = p.code AND f.subject_key = p.pair_key
WHERE p.pair_key NOT IN (SELECT pair_key FROM workbench.standing_match_decisions)
ORDER BY p.kind DESC, p.confidence DESC, p.pair_key
