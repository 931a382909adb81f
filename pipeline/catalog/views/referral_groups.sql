-- How carers came to the service (metrics.md section 6): carers whose (earliest) registration is in the quarter, by their profile's referral group (other for U, missing and codes with no group), and all of them.
WITH registered AS (
  SELECT
    p.org,
    CAST(EXTRACT(YEAR FROM p.registration_date) AS VARCHAR) || '-Q' || CAST(EXTRACT(QUARTER FROM p.registration_date) AS VARCHAR) AS period,
    COALESCE(r.referral_group, 'other') AS referral_group
  FROM carer_profiles AS p
  LEFT JOIN referral_codes AS r ON r.referral_source = p.referral_source
),
counted AS (
  SELECT period, org, referral_group, COUNT(*) AS carers
  FROM registered
  GROUP BY period, org, referral_group
),
groups AS (
  SELECT referral_group FROM referral_codes
  UNION
  SELECT 'other' AS referral_group
),
totals AS (
  SELECT period, org, SUM(carers) AS registered
  FROM counted
  GROUP BY period, org
)
SELECT
  q.period,
  s.scope,
  g.referral_group,
  CAST(SUM(COALESCE(n.carers, 0)) AS BIGINT) AS carers,
  CAST(SUM(COALESCE(t.registered, 0)) AS BIGINT) AS registered
FROM report_quarters AS q
CROSS JOIN report_scopes AS s
CROSS JOIN groups AS g
LEFT JOIN counted AS n ON n.period = q.period AND n.org = s.org AND n.referral_group = g.referral_group
LEFT JOIN totals AS t ON t.period = q.period AND t.org = s.org
GROUP BY q.period, s.scope, g.referral_group
