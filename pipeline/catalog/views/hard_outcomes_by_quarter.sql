-- Hard outcomes by quarter (metrics.md section 2): for each hard outcome code, and any_hard for any of them, the distinct carers with that outcome dated in the quarter.
WITH dated AS (
  SELECT org, carer_id, outcome,
    CAST(EXTRACT(YEAR FROM outcome_date) AS VARCHAR) || '-Q' || CAST(EXTRACT(QUARTER FROM outcome_date) AS VARCHAR) AS period
  FROM distinct_outcomes
  WHERE hard
),
counted AS (
  SELECT period, org, outcome, COUNT(DISTINCT carer_id) AS carers
  FROM dated
  GROUP BY period, org, outcome
  UNION ALL
  SELECT period, org, 'any_hard' AS outcome, COUNT(DISTINCT carer_id) AS carers
  FROM dated
  GROUP BY period, org
),
codes AS (
  SELECT code AS outcome FROM outcome_codes WHERE hard
  UNION ALL
  SELECT 'any_hard' AS outcome
)
SELECT q.period, s.scope, c.outcome, CAST(SUM(COALESCE(n.carers, 0)) AS BIGINT) AS carers
FROM report_quarters AS q
CROSS JOIN report_scopes AS s
CROSS JOIN codes AS c
LEFT JOIN counted AS n ON n.period = q.period AND n.org = s.org AND n.outcome = c.outcome
GROUP BY q.period, s.scope, c.outcome
