-- The quarters figures are shown for (every quarter a return is for): each quarter's first and last day (the report date), and the first quarter and first day of the four quarters ending with it (metrics.md section 0).
SELECT
  period,
  CAST(substr(period, 1, 4) || CASE substr(period, 7, 1) WHEN '1' THEN '-01-01' WHEN '2' THEN '-04-01' WHEN '3' THEN '-07-01' ELSE '-10-01' END AS DATE) AS quarter_start,
  CAST(substr(period, 1, 4) || CASE substr(period, 7, 1) WHEN '1' THEN '-03-31' WHEN '2' THEN '-06-30' WHEN '3' THEN '-09-30' ELSE '-12-31' END AS DATE) AS quarter_end,
  CASE substr(period, 7, 1)
    WHEN '4' THEN substr(period, 1, 4) || '-Q1'
    ELSE CAST(CAST(substr(period, 1, 4) AS INTEGER) - 1 AS VARCHAR) || '-Q' || CAST(CAST(substr(period, 7, 1) AS INTEGER) + 1 AS VARCHAR)
  END AS first_of_four,
  CAST(CASE substr(period, 7, 1)
    WHEN '4' THEN substr(period, 1, 4) || '-01-01'
    ELSE CAST(CAST(substr(period, 1, 4) AS INTEGER) - 1 AS VARCHAR) || CASE substr(period, 7, 1) WHEN '1' THEN '-04-01' WHEN '2' THEN '-07-01' ELSE '-10-01' END
  END AS DATE) AS four_quarters_start
FROM (SELECT DISTINCT period FROM pointers) AS q
