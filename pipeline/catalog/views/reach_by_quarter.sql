-- Reach by quarter (metrics.md section 1): carers registered in the quarter and on or before its last day, carers supported in it, support contacts and minutes dated in it, and of those contacts the ones outside office hours among those answered Y or N.
WITH registered AS (
  SELECT org, registered_in, COUNT(*) AS carers
  FROM (
    SELECT org, CAST(EXTRACT(YEAR FROM registration_date) AS VARCHAR) || '-Q' || CAST(EXTRACT(QUARTER FROM registration_date) AS VARCHAR) AS registered_in
    FROM carer_profiles
  ) AS p
  GROUP BY org, registered_in
),
support_in AS (
  SELECT
    org,
    period,
    COUNT(DISTINCT carer_id) AS supported,
    COUNT(*) AS contacts,
    SUM(COALESCE(minutes, 0)) AS minutes,
    SUM(CASE WHEN outside_office_hours = 'Y' THEN 1 ELSE 0 END) AS outside_office_hours,
    SUM(CASE WHEN outside_office_hours IN ('Y', 'N') THEN 1 ELSE 0 END) AS office_hours_answered
  FROM (
    SELECT org, carer_id, minutes, outside_office_hours,
      CAST(EXTRACT(YEAR FROM s."date") AS VARCHAR) || '-Q' || CAST(EXTRACT(QUARTER FROM s."date") AS VARCHAR) AS period
    FROM support AS s
  ) AS s
  GROUP BY org, period
),
by_org AS (
  SELECT
    q.period,
    o.org,
    SUM(CASE WHEN r.registered_in = q.period THEN r.carers ELSE 0 END) AS registered,
    SUM(COALESCE(r.carers, 0)) AS registered_cumulative
  FROM report_quarters AS q
  CROSS JOIN (SELECT DISTINCT org FROM report_scopes) AS o
  LEFT JOIN registered AS r ON r.org = o.org AND r.registered_in <= q.period
  GROUP BY q.period, o.org
)
SELECT
  b.period,
  s.scope,
  CAST(SUM(b.registered) AS BIGINT) AS registered,
  CAST(SUM(b.registered_cumulative) AS BIGINT) AS registered_cumulative,
  CAST(SUM(COALESCE(u.supported, 0)) AS BIGINT) AS supported,
  CAST(SUM(COALESCE(u.contacts, 0)) AS BIGINT) AS contacts,
  CAST(SUM(COALESCE(u.minutes, 0)) AS BIGINT) AS minutes,
  CAST(SUM(COALESCE(u.outside_office_hours, 0)) AS BIGINT) AS outside_office_hours,
  CAST(SUM(COALESCE(u.office_hours_answered, 0)) AS BIGINT) AS office_hours_answered
FROM by_org AS b
JOIN report_scopes AS s ON s.org = b.org
LEFT JOIN support_in AS u ON u.org = b.org AND u.period = b.period
GROUP BY b.period, s.scope
