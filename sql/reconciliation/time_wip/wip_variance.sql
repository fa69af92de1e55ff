-- A project's unbilled WIP differing between the systems beyond the tolerance: approved billable
-- PSA time not yet invoiced, at its billable rate, against the ERP's Billable TimeActivities on the
-- project. Expenses are not WIP (they are aged on their own). Not raised where the ERP keeps no time
-- (erp_without_time). One finding per project.
WITH wip AS (
    SELECT engagement_global_id,
           sum(billable_amount) FILTER (WHERE system = 'psa' AND billable AND approved AND NOT is_billed) AS psa,
           sum(billable_amount) FILTER (WHERE system = 'erp' AND billable_status = 'Billable') AS erp,
           min(spent_date) FILTER (WHERE (system = 'psa' AND billable AND approved AND NOT is_billed)
                                      OR (system = 'erp' AND billable_status = 'Billable')) AS oldest
    FROM canonical.time_entry
    WHERE snapshot_date = $snapshot_date AND engagement_global_id IS NOT NULL
    GROUP BY 1
),
projects AS (
    SELECT global_id,
           min(source_id) FILTER (WHERE system = 'psa') AS psa_id,
           min(source_id) FILTER (WHERE system = 'erp') AS erp_id,
           coalesce(min(name) FILTER (WHERE system = 'psa'), min(name)) AS name,
           coalesce(min(legal_entity) FILTER (WHERE system = 'erp'), min(legal_entity)) AS legal_entity,
           coalesce(min(currency) FILTER (WHERE system = 'erp'), min(currency)) AS currency,
           min(customer_global_id) AS customer_global_id
    FROM canonical.engagement
    WHERE snapshot_date = $snapshot_date AND system IN ('psa', 'erp')
    GROUP BY 1
),
variance AS (
    SELECT w.*, coalesce(w.psa, 0)::DECIMAL(18, 2) AS psa_wip, coalesce(w.erp, 0)::DECIMAL(18, 2) AS erp_wip,
           p.psa_id, p.erp_id, p.name, p.legal_entity, p.currency, p.customer_global_id
    FROM wip AS w JOIN projects AS p ON p.global_id = w.engagement_global_id
)
SELECT
    'WIP_VARIANCE' AS code,
    coalesce(psa_id, erp_id) AS subject_key,
    legal_entity,
    customer_global_id,
    engagement_global_id AS project_global_id,
    psa_id,
    erp_id,
    currency,
    format('{:.2f}', psa_wip) AS expected_value,
    format('{:.2f}', erp_wip) AS actual_value,
    (erp_wip - psa_wip)::DECIMAL(18, 2) AS amount_difference,
    abs(erp_wip - psa_wip)::DECIMAL(18, 2) AS money_at_risk,
    oldest AS event_date,
    format('Unbilled WIP of {} is {:.2f} {} in the PSA and {:.2f} in the ERP.', name, psa_wip, currency, erp_wip)
        AS detail
FROM variance
WHERE abs(erp_wip - psa_wip)
      > $money_tolerance
  AND coalesce(legal_entity, '') NOT IN (SELECT legal_entity FROM erp_without_time($snapshot_date))
