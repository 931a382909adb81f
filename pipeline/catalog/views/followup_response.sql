-- Follow-up response by wave (metrics.md section 4): carers whose profile says consent_followup = Y and whose registration + 7 × the wave's weeks + 56 days is on or before the quarter's last day are due; those with an answer to that wave dated on or before it have responded.
WITH answered AS (
  SELECT org, carer_id, wave, MIN(survey_date) AS first_answer
  FROM followups
  GROUP BY org, carer_id, wave
),
consenting AS (
  SELECT
    p.org, w.wave, w.weeks, p.registration_date,
    CAST(EXTRACT(YEAR FROM a.first_answer) AS VARCHAR) || '-Q' || CAST(EXTRACT(QUARTER FROM a.first_answer) AS VARCHAR) AS answered_in
  FROM carer_profiles AS p
  CROSS JOIN followup_waves AS w
  LEFT JOIN answered AS a ON a.org = p.org AND a.carer_id = p.carer_id AND a.wave = w.wave
  WHERE p.consent_followup = 'Y'
),
grouped AS (
  SELECT org, wave, weeks, registration_date, answered_in, COUNT(*) AS carers
  FROM consenting
  GROUP BY org, wave, weeks, registration_date, answered_in
),
counted AS (
  SELECT
    q.period, g.org, g.wave,
    SUM(g.carers) AS due,
    SUM(CASE WHEN g.answered_in <= q.period THEN g.carers ELSE 0 END) AS responded
  FROM report_quarters AS q
  JOIN grouped AS g ON date_diff('day', g.registration_date, q.quarter_end) >= 7 * g.weeks + 56
  GROUP BY q.period, g.org, g.wave
)
SELECT q.period, s.scope, w.wave, CAST(SUM(COALESCE(n.due, 0)) AS BIGINT) AS due, CAST(SUM(COALESCE(n.responded, 0)) AS BIGINT) AS responded
FROM report_quarters AS q
CROSS JOIN report_scopes AS s
CROSS JOIN followup_waves AS w
LEFT JOIN counted AS n ON n.period = q.period AND n.org = s.org AND n.wave = w.wave
GROUP BY q.period, s.scope, w.wave
