package quarterly_test

import (
	"context"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/carer-outcomes/carer-outcomes/duckdblake"
	"github.com/carer-outcomes/carer-outcomes/pipeline/quarterly"
	"github.com/carer-outcomes/carer-outcomes/pipeline/reportpage"
	"github.com/carer-outcomes/carer-outcomes/pipeline/standard/standardtest"
)

// BenchmarkHeadlineViews_DuckDB times, in one run on the 50 × 40 lake of
// BenchmarkBuild_Consortium, the anchor (the consortium's report:
// quarterly.Build and reportpage.Write, as outcomes report does) and then
// every headline view through DuckDB for the same quarter, as an analyst
// runs them with outcomes query (opening the lake included, each view's
// rows read to the end). It reports both and their ratio.
func BenchmarkHeadlineViews_DuckDB(b *testing.B) {
	ctx := context.Background()
	std := standardtest.Load(b)
	l, rows := benchLake(b, std)
	period, orgs, err := quarterly.Scope(ctx, l, std, "latest")
	if err != nil {
		b.Fatal(err)
	}
	dir := filepath.Join(benchDir(), "lake")
	views := []string{"reach_by_quarter", "hard_outcomes_by_quarter", "cohort_hard_outcome_rates", "sustained_jobs",
		"followup_response", "experience", "referral_groups", "cost_per_hard_outcome"}
	now := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	out := b.TempDir()
	var report, sql time.Duration
	for i := 0; i < b.N; i++ {
		runtime.GC()
		t0 := time.Now()
		r, err := quarterly.Build(ctx, l, std, period, orgs, "", now)
		if err != nil {
			b.Fatal(err)
		}
		if err := reportpage.Write(filepath.Join(out, "report"), r); err != nil {
			b.Fatal(err)
		}
		report += time.Since(t0)
		runtime.GC()

		t1 := time.Now()
		db, err := duckdblake.Open(ctx, dir, std)
		if err != nil {
			b.Fatal(err)
		}
		var each []string
		for _, v := range views {
			tv := time.Now()
			rs, err := db.QueryContext(ctx, "SELECT * FROM "+v+" WHERE period = ?", period.String())
			if err != nil {
				b.Fatal(err)
			}
			n := 0
			for rs.Next() {
				n++
			}
			if err := rs.Err(); err != nil {
				b.Fatal(err)
			}
			rs.Close()
			if n == 0 {
				b.Fatalf("%s: no rows for %s", v, period)
			}
			each = append(each, v+" "+time.Since(tv).Round(time.Millisecond).String())
		}
		db.Close()
		sql += time.Since(t1)
		if i == 0 {
			b.Logf("views: %s", strings.Join(each, ", "))
		}
	}
	n := float64(b.N)
	b.ReportMetric(float64(rows), "rows")
	b.ReportMetric(report.Seconds()/n, "report-s")
	b.ReportMetric(sql.Seconds()/n, "views-s")
	b.ReportMetric(sql.Seconds()/report.Seconds(), "views/report")
}
