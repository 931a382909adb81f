-- Cohort hard-outcome rates at 26 and 52 weeks (metrics.md section 2): for each quarter, each cohort (the carers registered in one quarter) shown at N weeks, that is once every member's registration + 7N days is on or before the quarter's last day; its members, and those with a hard outcome dated from their registration to 7N days after.
WITH first_hard AS (
  SELECT p.org, p.carer_id, MIN(date_diff('day', p.registration_date, o.outcome_date)) AS days
  FROM carer_profiles AS p
  JOIN distinct_outcomes AS o ON o.org = p.org AND o.carer_id = p.carer_id
  WHERE o.hard AND o.outcome_date >= p.registration_date
  GROUP BY p.org, p.carer_id
),
members AS (
  SELECT
    p.org,
    p.registration_date,
    CAST(EXTRACT(YEAR FROM p.registration_date) AS VARCHAR) || '-Q' || CAST(EXTRACT(QUARTER FROM p.registration_date) AS VARCHAR) AS cohort,
    h.days AS first_hard_days
  FROM carer_profiles AS p
  LEFT JOIN first_hard AS h ON h.org = p.org AND h.carer_id = p.carer_id
),
cohorts AS (
  SELECT
    s.scope,
    m.cohort,
    w.weeks,
    COUNT(*) AS members,
    SUM(CASE WHEN m.first_hard_days <= 7 * w.weeks THEN 1 ELSE 0 END) AS with_hard_outcome,
    MAX(m.registration_date) AS latest_registration
  FROM members AS m
  JOIN report_scopes AS s ON s.org = m.org
  CROSS JOIN (SELECT 26 AS weeks UNION ALL SELECT 52 AS weeks) AS w
  GROUP BY s.scope, m.cohort, w.weeks
)
SELECT q.period, c.scope, c.cohort, c.weeks, CAST(c.members AS BIGINT) AS members, CAST(c.with_hard_outcome AS BIGINT) AS with_hard_outcome
FROM report_quarters AS q
JOIN cohorts AS c ON date_diff('day', c.latest_registration, q.quarter_end) >= 7 * c.weeks
