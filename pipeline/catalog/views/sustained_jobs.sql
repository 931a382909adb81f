-- Sustained job starts and jobs kept at 13, 26 and 52 weeks (metrics.md section 3), cumulative: for each quarter, the outcomes due by its last day (the window, 28 days before to 56 days after outcome date + 7N days, has closed), and of those the sustained, not sustained and unknown by the follow-up nearest the check point within the window (on a tie the later survey, then the later row).
WITH checks AS (
  SELECT o.org, o.carer_id, o.outcome, o.outcome_date, o.job, w.weeks
  FROM distinct_outcomes AS o
  CROSS JOIN (SELECT 13 AS weeks UNION ALL SELECT 26 AS weeks UNION ALL SELECT 52 AS weeks) AS w
  WHERE o.job IS NOT NULL
),
due AS (
  SELECT q.period, q.quarter_end, c.org, c.carer_id, c.outcome, c.outcome_date, c.job, c.weeks
  FROM checks AS c
  JOIN report_quarters AS q ON date_diff('day', c.outcome_date, q.quarter_end) >= 7 * c.weeks + 56
),
nearest AS (
  SELECT
    d.period, d.org, d.carer_id, d.outcome, d.outcome_date, d.weeks, f.employment_status,
    ROW_NUMBER() OVER (
      PARTITION BY d.period, d.org, d.carer_id, d.outcome, d.outcome_date, d.weeks
      ORDER BY abs(date_diff('day', d.outcome_date, f.survey_date) - 7 * d.weeks), f.survey_date DESC, f.period DESC, f.source_row DESC
    ) AS nearness
  FROM due AS d
  JOIN followups_ranked AS f
    ON f.org = d.org AND f.carer_id = d.carer_id
    AND date_diff('day', d.outcome_date, f.survey_date) BETWEEN 7 * d.weeks - 28 AND 7 * d.weeks + 56
    AND (f.replaced_from IS NULL OR f.replaced_from > d.quarter_end)
),
classified AS (
  SELECT
    d.period, d.org, d.job, d.weeks,
    CASE WHEN e.known AND e.in_work THEN 1 ELSE 0 END AS sustained,
    CASE WHEN e.known AND NOT e.in_work THEN 1 ELSE 0 END AS not_sustained
  FROM due AS d
  LEFT JOIN nearest AS n
    ON n.period = d.period AND n.org = d.org AND n.carer_id = d.carer_id AND n.outcome = d.outcome
    AND n.outcome_date = d.outcome_date AND n.weeks = d.weeks AND n.nearness = 1
  LEFT JOIN employment_codes AS e ON e.code = n.employment_status
),
counted AS (
  SELECT period, org, job, weeks, COUNT(*) AS due, SUM(sustained) AS sustained, SUM(not_sustained) AS not_sustained
  FROM classified
  GROUP BY period, org, job, weeks
),
kinds AS (
  SELECT DISTINCT c.job, w.weeks
  FROM outcome_codes AS c
  CROSS JOIN (SELECT 13 AS weeks UNION ALL SELECT 26 AS weeks UNION ALL SELECT 52 AS weeks) AS w
  WHERE c.job IS NOT NULL
)
SELECT
  q.period,
  s.scope,
  k.job,
  k.weeks,
  CAST(SUM(COALESCE(n.due, 0)) AS BIGINT) AS due,
  CAST(SUM(COALESCE(n.sustained, 0)) AS BIGINT) AS sustained,
  CAST(SUM(COALESCE(n.not_sustained, 0)) AS BIGINT) AS not_sustained,
  CAST(SUM(COALESCE(n.due - n.sustained - n.not_sustained, 0)) AS BIGINT) AS unknown
FROM report_quarters AS q
CROSS JOIN report_scopes AS s
CROSS JOIN kinds AS k
LEFT JOIN counted AS n ON n.period = q.period AND n.org = s.org AND n.job = k.job AND n.weeks = k.weeks
GROUP BY q.period, s.scope, k.job, k.weeks
