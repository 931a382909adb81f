-- Experience (metrics.md section 6): for each quarter and question (times_suited, staff_understood), each carer's latest follow-up dated in the four quarters that answered it Y or N; the carers answering, and those answering Y.
WITH answers AS (
  SELECT org, carer_id, survey_date, period, source_row, replaced_from, 'times_suited' AS question, times_suited AS answer
  FROM followups_ranked
  WHERE times_suited IN ('Y', 'N')
  UNION ALL
  SELECT org, carer_id, survey_date, period, source_row, replaced_from, 'staff_understood' AS question, staff_understood AS answer
  FROM followups_ranked
  WHERE staff_understood IN ('Y', 'N')
),
latest AS (
  SELECT
    q.period, a.org, a.question, a.answer,
    ROW_NUMBER() OVER (
      PARTITION BY q.period, a.org, a.carer_id, a.question
      ORDER BY a.survey_date DESC, a.period DESC, a.source_row DESC
    ) AS recency
  FROM report_quarters AS q
  JOIN answers AS a
    ON a.survey_date BETWEEN q.four_quarters_start AND q.quarter_end
    AND (a.replaced_from IS NULL OR a.replaced_from > q.quarter_end)
),
counted AS (
  SELECT period, org, question, COUNT(*) AS answered, SUM(CASE WHEN answer = 'Y' THEN 1 ELSE 0 END) AS yes
  FROM latest
  WHERE recency = 1
  GROUP BY period, org, question
)
SELECT q.period, s.scope, k.question, CAST(SUM(COALESCE(n.answered, 0)) AS BIGINT) AS answered, CAST(SUM(COALESCE(n.yes, 0)) AS BIGINT) AS yes
FROM report_quarters AS q
CROSS JOIN report_scopes AS s
CROSS JOIN (SELECT 'times_suited' AS question UNION ALL SELECT 'staff_understood' AS question) AS k
LEFT JOIN counted AS n ON n.period = q.period AND n.org = s.org AND n.question = k.question
GROUP BY q.period, s.scope, k.question
