-- Helpers the finding codes share, defined for the session before they run.

-- The aging bucket of an age in days: `<lower>-<upper>` between the configured bounds (e.g. 30, 60,
-- 90 give 0-30, 31-60, 61-90), `<last>+` beyond them.
CREATE OR REPLACE TEMP MACRO aging_bucket(age_days, bounds) AS
    CASE WHEN age_days > list_last(bounds) THEN list_last(bounds) || '+'
         ELSE (coalesce(list_last(list_filter(bounds, lambda d: d < age_days)), -1) + 1)
              || '-' || list_filter(bounds, lambda d: d >= age_days)[1]
    END;
