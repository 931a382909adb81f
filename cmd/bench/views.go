package main

import (
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/carer-outcomes/carer-outcomes/internal/benchlake"
)

// headlineSQL is the headline counts of the benchmark lake's latest
// quarter in SQL over its Parquet files, standing in for the analysts'
// views until they land: the carers' profiles (earliest registration),
// reach and support in the quarter, the deduplicated outcomes, the
// follow-ups deduplicated per carer and wave, sustained job outcomes at
// 13, 26 and 52 weeks (the follow-up nearest each check point within its
// window), and the soft-outcome pairs. Every file of the benchmark lake is
// current, so the files are read straight.
func headlineSQL(lake string) []string {
	from := func(kind string) string {
		return fmt.Sprintf("read_parquet(%s, hive_partitioning = true, union_by_name = true)", quote(filepath.ToSlash(filepath.Join(lake, "curated", kind, "*", "*", "*.parquet"))))
	}
	start := benchlake.Last.Start().Format("2006-01-02")
	end := benchlake.Last.End().Format("2006-01-02")
	year := benchlake.Last.Prev().Prev().Prev().Start().Format("2006-01-02")
	r := strings.NewReplacer("{carers}", from("carers"), "{support}", from("support"), "{outcomes}", from("outcomes"),
		"{followups}", from("followups"), "{start}", quote(start), "{end}", quote(end), "{year}", quote(year))
	qs := []string{
		`SELECT org, COUNT(*) AS carers, COUNT(*) FILTER (WHERE registered BETWEEN DATE {start} AND DATE {end}) AS new_carers
		 FROM (SELECT org, carer_id, MIN(registration_date) AS registered FROM {carers} GROUP BY org, carer_id) GROUP BY org`,
		`SELECT org, activity, mode, COUNT(*) AS contacts, SUM(COALESCE(minutes, 0)) AS minutes, COUNT(DISTINCT carer_id) AS carers,
		   COUNT(*) FILTER (WHERE outside_office_hours = 'Y') AS ooh
		 FROM {support} WHERE "date" BETWEEN DATE {start} AND DATE {end} GROUP BY GROUPING SETS ((org), (org, activity), (org, mode), ())`,
		`SELECT org, COUNT(DISTINCT carer_id) FROM {support} WHERE "date" BETWEEN DATE {year} AND DATE {end} GROUP BY org`,
		`SELECT org, outcome, COUNT(*) FROM (SELECT DISTINCT org, carer_id, outcome, outcome_date FROM {outcomes} WHERE outcome_date <= DATE {end})
		 GROUP BY GROUPING SETS ((org, outcome), (outcome))`,
		`WITH f AS (
		   SELECT org, carer_id, wave, survey_date, employment_status, confidence, it_skills, swemwbs_metric
		   FROM {followups} WHERE survey_date <= DATE {end}
		   QUALIFY row_number() OVER (PARTITION BY org, carer_id, wave ORDER BY period DESC, source_row DESC) = 1),
		 o AS (SELECT DISTINCT org, carer_id, outcome, outcome_date FROM {outcomes}
		   WHERE outcome_date <= DATE {end} AND outcome IN ('STAYED_IN_WORK', 'STARTED_WORK', 'STARTED_SELF_EMPLOYMENT')),
		 c AS (SELECT o.*, w, outcome_date + INTERVAL (7 * w) DAY AS check_day FROM o, (VALUES (13), (26), (52)) AS t(w)
		   WHERE outcome_date + INTERVAL (7 * w + 56) DAY <= DATE {end}),
		 n AS (SELECT c.org, c.carer_id, c.outcome, c.outcome_date, c.w, f.employment_status
		   FROM c LEFT JOIN f ON f.org = c.org AND f.carer_id = c.carer_id
		     AND f.survey_date BETWEEN c.check_day - INTERVAL 28 DAY AND c.check_day + INTERVAL 56 DAY
		   QUALIFY row_number() OVER (PARTITION BY c.org, c.carer_id, c.outcome, c.outcome_date, c.w
		     ORDER BY abs(date_diff('day', CAST(c.check_day AS DATE), f.survey_date)), f.survey_date DESC) = 1)
		 SELECT org, w, COUNT(*) AS due,
		   COUNT(*) FILTER (WHERE employment_status IN ('EMPLOYED_FT', 'EMPLOYED_PT', 'SELF_EMPLOYED')) AS sustained,
		   COUNT(*) FILTER (WHERE employment_status IS NOT NULL AND employment_status <> 'U') AS known
		 FROM n GROUP BY GROUPING SETS ((org, w), (w))`,
		`WITH f AS (
		   SELECT org, carer_id, wave, survey_date, confidence, it_skills, swemwbs_metric
		   FROM {followups} WHERE survey_date <= DATE {end}
		   QUALIFY row_number() OVER (PARTITION BY org, carer_id, wave ORDER BY period DESC, source_row DESC) = 1),
		 b AS (SELECT * FROM f WHERE wave = 'BASELINE'),
		 l AS (SELECT * FROM f WHERE wave <> 'BASELINE' QUALIFY row_number() OVER (PARTITION BY org, carer_id ORDER BY survey_date DESC) = 1)
		 SELECT b.org, COUNT(*), AVG(l.confidence - b.confidence), AVG(l.it_skills - b.it_skills), AVG(l.swemwbs_metric - b.swemwbs_metric)
		 FROM b JOIN l USING (org, carer_id) GROUP BY GROUPING SETS ((b.org), ())`,
	}
	for i, q := range qs {
		qs[i] = r.Replace(q)
	}
	return qs
}

// runHeadline runs each query to completion, reading every row.
func runHeadline(db *sql.DB, qs []string) error {
	for _, q := range qs {
		rows, err := db.Query(q)
		if err != nil {
			return fmt.Errorf("%s: %w", q, err)
		}
		cols, err := rows.Columns()
		if err != nil {
			rows.Close()
			return err
		}
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		for rows.Next() {
			if err := rows.Scan(ptrs...); err != nil {
				rows.Close()
				return err
			}
		}
		if err := rows.Err(); err != nil {
			rows.Close()
			return err
		}
		rows.Close()
	}
	return nil
}
