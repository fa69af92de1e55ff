-- Records of {raw_table} whose parent chain (the parent reference, a JSON path's value or a derived
-- column's expression over the payload, put in for the placeholder below) comes back to them:
-- walked set-based from every record, at most 64 levels up. (A CTE of the typed frame's query.)
edges AS (
    SELECT entity, record_id AS child, ($parent_of_payload) AS parent
    FROM {raw_table}
    WHERE snapshot_date = $snapshot_date AND record_id IS NOT NULL
      AND ($parent_of_payload) IS NOT NULL
),
walk AS (
    SELECT entity, child AS start, parent AS node, 1 AS depth FROM edges
    UNION ALL
    SELECT walk.entity, walk.start, edges.parent, walk.depth + 1
    FROM walk JOIN edges ON edges.entity = walk.entity AND edges.child = walk.node
    WHERE walk.node <> walk.start AND walk.depth < 64
),
cycles AS (
    SELECT DISTINCT entity, start AS record_id FROM walk WHERE node = start
)
