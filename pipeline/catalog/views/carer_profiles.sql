-- Each carer's profile (metrics.md section 0): the earliest registration date across their carers rows; every other field from their latest row (the latest return, within it the later row); the age band of the earliest-registered row that has one (on the same date, the later row). A carer is an organisation and a carer_id.
WITH ranked AS (
  SELECT
    c.*,
    MIN(c.registration_date) OVER (PARTITION BY c.org, c.carer_id) AS first_registration,
    ROW_NUMBER() OVER (PARTITION BY c.org, c.carer_id ORDER BY c.period DESC, c.source_row DESC) AS recency,
    ROW_NUMBER() OVER (
      PARTITION BY c.org, c.carer_id
      ORDER BY CASE WHEN c.age_band IS NULL THEN 1 ELSE 0 END, c.registration_date, c.period DESC, c.source_row DESC
    ) AS band_rank
  FROM carers AS c
)
SELECT
  r.org,
  r.carer_id,
  r.first_registration AS registration_date,
  b.age_band,
  r.consent_followup,
  r.employment_status,
  r.personal_budget,
  r.referral_source,
  r.gender,
  r.ethnicity,
  r.cared_for_condition,
  r.limiting_illness,
  r.financial_difficulty,
  r.local_authority
FROM ranked AS r
JOIN ranked AS b ON b.org = r.org AND b.carer_id = r.carer_id AND b.band_rank = 1
WHERE r.recency = 1
