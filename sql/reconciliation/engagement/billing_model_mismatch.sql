-- BILLING_MODEL_MISMATCH: the opportunity was sold as fixed fee and the project runs as time and
-- materials, or the reverse. One per opportunity and project.
SELECT
    'BILLING_MODEL_MISMATCH' AS code,
    ids.*,
    label.sold AS expected_value,
    label.run AS actual_value,
    0 AS money_at_risk,
    opp.close_date AS event_date,
    format('{} was sold as {} but the PSA project {} runs as {}.', opp.name, lower(label.sold), project.name,
           lower(label.run)) AS detail
FROM opportunity_projects($snapshot_date),
LATERAL (SELECT CASE opp.billing_model WHEN 'fixed_fee' THEN 'Fixed Fee' ELSE 'Time and Materials' END AS sold,
                CASE project.billing_model WHEN 'fixed_fee' THEN 'Fixed Fee' ELSE 'Time and Materials' END AS run)
    AS label
WHERE opp.billing_model <> project.billing_model
