-- HIERARCHY_CYCLE: a parent chain (CRM ParentId, ERP ParentRef) that loops back on itself. The
-- chains are walked set-based from every record; a record that reaches itself is on a cycle, and
-- the cycle is the set of records it reaches. One per cycle, identified by its members.
WITH RECURSIVE edges AS (
    SELECT system, source_id AS child, parent_source_id AS parent
    FROM customer_records($snapshot_date)
    WHERE parent_source_id IS NOT NULL
),
-- UNION (not ALL) keeps each (start, node) once, so the walk ends even around a loop
reach(system, start, node) AS (
    SELECT system, child, parent FROM edges
    UNION
    SELECT r.system, r.start, e.parent
    FROM reach AS r JOIN edges AS e ON e.system = r.system AND e.child = r.node
),
cycles AS (
    SELECT DISTINCT r.system, list_sort(list(r.node)) AS members
    FROM reach AS r
    WHERE r.start IN (SELECT start FROM reach AS own WHERE own.system = r.system AND own.node = own.start)
    GROUP BY r.system, r.start
)
SELECT
    'HIERARCHY_CYCLE' AS code,
    array_to_string(list_transform(c.members, lambda m: c.system || ':' || m), '|') AS subject_key,
    first_member.legal_entity,
    first_member.global_id AS customer_global_id,
    CASE c.system WHEN 'crm' THEN c.members[1] END AS crm_id,
    CASE c.system WHEN 'erp' THEN c.members[1] END AS erp_id,
    0 AS money_at_risk,
    format('The {} parent chain loops through {} customers: {}.', upper(c.system), len(c.members), names.chain)
        AS detail
FROM cycles AS c
JOIN customer_records($snapshot_date) AS first_member
  ON first_member.system = c.system AND first_member.source_id = c.members[1]
JOIN (SELECT c2.system, c2.members, string_agg(m.name, ', ' ORDER BY m.source_id) AS chain
      FROM cycles AS c2
      JOIN customer_records($snapshot_date) AS m
        ON m.system = c2.system AND list_contains(c2.members, m.source_id)
      GROUP BY 1, 2) AS names
  ON names.system = c.system AND names.members = c.members
