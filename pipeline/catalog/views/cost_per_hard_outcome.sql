-- Cost per hard outcome (metrics.md section 7): for each quarter, over the organisations with a finance return for each of the four quarters ending with it (an organisation without is left out), their delivery cost of the four quarters, the hard outcomes (deduplicated) dated in the four quarters, and the cost per hard outcome.
WITH finance_returns AS (
  SELECT org, period, delivery_cost_gbp
  FROM (
    SELECT org, period, delivery_cost_gbp, ROW_NUMBER() OVER (PARTITION BY org, period ORDER BY source_row DESC) AS recency
    FROM finance
  ) AS f
  WHERE recency = 1
),
complete AS (
  SELECT q.period, f.org, SUM(f.delivery_cost_gbp) AS delivery_cost
  FROM report_quarters AS q
  JOIN finance_returns AS f ON f.period BETWEEN q.first_of_four AND q.period
  GROUP BY q.period, f.org
  HAVING COUNT(*) = 4
),
hard AS (
  SELECT q.period, o.org, COUNT(*) AS hard_outcomes
  FROM report_quarters AS q
  JOIN distinct_outcomes AS o ON o.hard AND o.outcome_date BETWEEN q.four_quarters_start AND q.quarter_end
  GROUP BY q.period, o.org
)
SELECT
  c.period,
  s.scope,
  COUNT(*) AS organisations,
  SUM(c.delivery_cost) AS delivery_cost,
  CAST(SUM(COALESCE(h.hard_outcomes, 0)) AS BIGINT) AS hard_outcomes,
  CASE WHEN SUM(COALESCE(h.hard_outcomes, 0)) > 0
    THEN CAST(SUM(c.delivery_cost) AS DOUBLE) / SUM(COALESCE(h.hard_outcomes, 0))
  END AS cost_per_hard_outcome
FROM complete AS c
JOIN report_scopes AS s ON s.org = c.org
LEFT JOIN hard AS h ON h.period = c.period AND h.org = c.org
GROUP BY c.period, s.scope
