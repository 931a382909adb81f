-- Follow-ups, each with the earliest survey date of a later answer to the same wave by the same carer (a later return, or later in the same table; survey responses before the return of their quarter, among themselves by survey date then as received: docs/surveys.md), replaced_from: a report whose last day is on or after that date counts the later answer instead (metrics.md section 0).
SELECT
  f.org,
  f.carer_id,
  f.wave,
  f.survey_date,
  f.employment_status,
  f.times_suited,
  f.staff_understood,
  f.period,
  f.source_row,
  MIN(f.survey_date) OVER (
    PARTITION BY f.org, f.carer_id, f.wave
    ORDER BY f.period,
      CASE WHEN f.via = 'survey' THEN 0 ELSE 1 END,
      CASE WHEN f.via = 'survey' THEN f.survey_date END,
      f.source_row
    ROWS BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING
  ) AS replaced_from
FROM followups AS f
