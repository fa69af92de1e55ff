-- PROJECT_VALUE_MISMATCH: a project's fixed fee or budget differs from its opportunity's amount by
-- more than $money_tolerance (the CRM's amount is what was sold). One per opportunity and project.
SELECT
    'PROJECT_VALUE_MISMATCH' AS code,
    ids.*,
    opp.currency,
    opp.value::VARCHAR AS expected_value,
    project.value::VARCHAR AS actual_value,
    (project.value - opp.value)::DECIMAL(18, 2) AS amount_difference,
    abs(project.value - opp.value)::DECIMAL(18, 2) AS money_at_risk,
    opp.close_date AS event_date,
    format('{} was sold for {} {} but the PSA project {} has a {} of {}.', opp.name, opp.currency, opp.value,
           project.name, CASE project.billing_model WHEN 'fixed_fee' THEN 'fixed fee' ELSE 'budget' END,
           project.value) AS detail
FROM opportunity_projects($snapshot_date)
WHERE abs(project.value - opp.value) > $money_tolerance
