-- Customer matching: pairs of customer records that no deterministic cross-reference ties but that
-- are very likely the same company: across systems (where neither record's customer has a record in
-- the other's system) or inside one system. Tiers, the first that holds decides: tax id, web domain,
-- normalised legal name (deterministic keys: customer_name_key spells out abbreviations and drops
-- legal forms), then fuzzy evidence: the similarity of the normalised names, weighted with currency
-- and legal entity agreement. Name similarity goes word by word: each word scores its best edit
-- similarity (1 - Damerau-Levenshtein distance / longer length) with a word of the other name, and
-- counts by how rare it is among the night's names (log(1 + records / records holding it)), so a
-- shared industry word ("Energy", "Group") weighs less than a shared brand, and a different brand
-- is not outvoted by them; the two names' scores are averaged. Two tax ids that disagree are strong
-- evidence of two companies (a group's subsidiaries share the parent's web domain, never its tax
-- id): they take a penalty off the confidence whatever the tier. Pairs are only compared
-- inside a block: the same first four letters of the normalised name (a typo further on), the same
-- letters of its first word in any order (two letters swapped anywhere in it, the commonest typo),
-- the same tax id or the same web domain. A block must stay small: the first letter alone put
-- 20,000 customers' 240 million pairs through the edit distance. Across systems a record links to
-- at most its best candidate in the other system (mutual best).
WITH records AS (
    SELECT
        global_id, system, source_id, legal_entity, name, normalized_name, currency,
        nullif(regexp_replace(upper(tax_id), '[^A-Z0-9]', '', 'g'), '') AS tax_key,
        web_domain,
        list(system) OVER (PARTITION BY global_id) AS linked_systems,
        count(*) OVER (PARTITION BY global_id) AS linked_records,
        CASE system WHEN 'crm' THEN 1 WHEN 'erp' THEN 2 ELSE 3 END AS authority
    FROM canonical.customer
    WHERE snapshot_date = $snapshot_date
),
word_weights AS (
    SELECT word, ln(1 + (SELECT count(*) FROM records) / count(*)) AS weight
    FROM (SELECT DISTINCT system, source_id, unnest(string_split(normalized_name, ' ')) AS word FROM records)
    GROUP BY word
),
blocks AS (
    SELECT system, source_id, block
    FROM (SELECT system, source_id,
                 unnest(['name:' || left(normalized_name, 4),
                         'letters:' || array_to_string(list_sort(string_split(split_part(normalized_name, ' ', 1), '')), ''),
                         'tax:' || tax_key, 'web:' || web_domain]) AS block
          FROM records)
    WHERE block IS NOT NULL
),
candidates AS (
    SELECT DISTINCT a.system AS a_system, a.source_id AS a_source_id, b.system AS b_system, b.source_id AS b_source_id
    FROM blocks AS a
    JOIN blocks AS b ON a.block = b.block AND (a.system, a.source_id) < (b.system, b.source_id)
),
-- `keep` is the record a person keeps: the authoritative system's across systems; inside one
-- system the record linked to more systems (then the lower id), so the other is the duplicate.
pairs AS (
    SELECT
        CASE WHEN a.system = b.system THEN 'duplicate' ELSE 'unlinked' END AS kind,
        CASE WHEN a.system <> b.system THEN a.authority <= b.authority
             ELSE a.linked_records > b.linked_records
                  OR (a.linked_records = b.linked_records AND a.source_id <= b.source_id) END AS a_keeps,
        a, b
    FROM candidates AS c
    JOIN records AS a ON a.system = c.a_system AND a.source_id = c.a_source_id
    JOIN records AS b ON b.system = c.b_system AND b.source_id = c.b_source_id
    WHERE a.global_id <> b.global_id
      AND (a.system = b.system
           OR (NOT list_contains(a.linked_systems, b.system) AND NOT list_contains(b.linked_systems, a.system)))
),
ordered AS (
    SELECT row_number() OVER () AS pair_id, kind,
           CASE WHEN a_keeps THEN a ELSE b END AS keep,
           CASE WHEN a_keeps THEN b ELSE a END AS other
    FROM pairs
),
pair_words AS (
    SELECT pair_id, 'keep' AS side, unnest(string_split(keep.normalized_name, ' ')) AS word,
           string_split(other.normalized_name, ' ') AS other_words
    FROM ordered
    UNION ALL
    SELECT pair_id, 'other', unnest(string_split(other.normalized_name, ' ')), string_split(keep.normalized_name, ' ')
    FROM ordered
),
name_scores AS (
    SELECT pair_id, avg(side_score) AS name_similarity
    FROM (SELECT pair_id, side, sum(w.weight * best) / sum(w.weight) AS side_score
          FROM (SELECT pair_id, side, word,
                       list_max(list_transform(other_words, lambda o: 1 - damerau_levenshtein(word, o)
                                                                  / greatest(length(word), length(o)))) AS best
                FROM pair_words)
          JOIN word_weights AS w USING (word)
          GROUP BY pair_id, side)
    GROUP BY pair_id
),
scored AS (
    SELECT
        kind, keep, other,
        CASE WHEN keep.tax_key = other.tax_key THEN 'tax_id'
             WHEN keep.web_domain = other.web_domain THEN 'web_domain'
             WHEN keep.normalized_name = other.normalized_name THEN 'normalized_name'
             ELSE 'fuzzy_name' END AS method,
        coalesce(n.name_similarity, 0) AS name_similarity,
        keep.tax_key <> other.tax_key AS tax_ids_conflict,
        CASE WHEN keep.currency IS NULL OR other.currency IS NULL THEN 0.5
             WHEN keep.currency = other.currency THEN 1.0 ELSE 0.0 END AS currency_agreement,
        CASE WHEN keep.legal_entity IS NULL OR other.legal_entity IS NULL THEN 0.5
             WHEN keep.legal_entity = other.legal_entity THEN 1.0 ELSE 0.0 END AS entity_agreement
    FROM ordered
    LEFT JOIN name_scores AS n USING (pair_id)
),
confident AS (
    SELECT *,
           round(CASE method
                     WHEN 'tax_id' THEN $match_tax_id_confidence
                     WHEN 'web_domain' THEN $match_web_domain_confidence
                     WHEN 'normalized_name' THEN $match_name_confidence
                     ELSE $match_name_weight * name_similarity + $match_currency_weight * currency_agreement
                          + $match_entity_weight * entity_agreement END
                 - CASE WHEN tax_ids_conflict THEN $match_tax_id_conflict_penalty ELSE 0 END, 4)::DOUBLE
               AS confidence
    FROM scored
),
ranked AS (
    SELECT *,
           rank() OVER (PARTITION BY kind, keep.system, keep.source_id, other.system ORDER BY confidence DESC)
               AS keep_rank,
           rank() OVER (PARTITION BY kind, other.system, other.source_id, keep.system ORDER BY confidence DESC)
               AS other_rank
    FROM confident
)
SELECT
    $snapshot_date::DATE AS snapshot_date,
    kind,
    keep.system AS keep_system,
    keep.source_id AS keep_source_id,
    keep.global_id AS keep_global_id,
    keep.name AS keep_name,
    other.system AS other_system,
    other.source_id AS other_source_id,
    other.global_id AS other_global_id,
    other.name AS other_name,
    coalesce(CASE WHEN keep.system = 'erp' THEN keep.legal_entity END,
             CASE WHEN other.system = 'erp' THEN other.legal_entity END,
             keep.legal_entity, other.legal_entity) AS legal_entity,
    method,
    round(name_similarity, 4)::DOUBLE AS name_similarity,
    currency_agreement::DOUBLE AS currency_agreement,
    entity_agreement::DOUBLE AS entity_agreement,
    confidence,
    kind = 'unlinked' AND confidence >= $match_accept_threshold AS accepted,
    -- the CRM field an accepted link stamps (by its canonical column name), and the value
    CASE WHEN kind = 'unlinked' AND confidence >= $match_accept_threshold AND keep.system = 'crm'
         THEN CASE other.system WHEN 'psa' THEN 'crm_psa_client_id' WHEN 'erp' THEN 'crm_erp_customer_id' END
    END AS link_field,
    CASE WHEN kind = 'unlinked' AND confidence >= $match_accept_threshold AND keep.system = 'crm'
         THEN other.source_id END AS link_value
FROM ranked
WHERE confidence >= $match_suggest_threshold
  AND (kind = 'duplicate' OR (keep_rank = 1 AND other_rank = 1))
