package duckdblake_test

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/duckdb/duckdb-go/v2"

	"github.com/carer-outcomes/carer-outcomes/costmodel"
	"github.com/carer-outcomes/carer-outcomes/duckdblake"
	"github.com/carer-outcomes/carer-outcomes/internal/lakefixture"
	"github.com/carer-outcomes/carer-outcomes/pipeline"
	"github.com/carer-outcomes/carer-outcomes/pipeline/metrics"
	"github.com/carer-outcomes/carer-outcomes/pipeline/metrics/lakedata"
	"github.com/carer-outcomes/carer-outcomes/pipeline/standard"
	"github.com/carer-outcomes/carer-outcomes/pipeline/standard/standardtest"
)

// figure is what a view says of one figure of the report, or what the Go
// metrics say of it: the numbers a view gives (counts, numerators and
// denominators; intervals and suppression stay in Go).
type figure struct {
	num, den *float64
	counts   map[string]int
}

func (f figure) String() string {
	var b strings.Builder
	if f.num != nil {
		fmt.Fprintf(&b, "numerator %v ", *f.num)
	}
	if f.den != nil {
		fmt.Fprintf(&b, "denominator %v ", *f.den)
	}
	if f.counts != nil {
		fmt.Fprintf(&b, "counts %v", f.counts)
	}
	return strings.TrimSpace(b.String())
}

// viewFigures reads each headline view and says which figure of metrics.md
// each row gives, keyed as "id scope period [cohort]".
var viewFigures = []struct {
	view string
	ids  string // the figures the view gives, for the test's log
	sql  string
	read func(row []sql.NullString, add func(id, scope, period, cohort string, f figure))
}{
	{"reach_by_quarter", "reach.registered, reach.registered_cumulative, reach.supported, support.contacts, support.minutes, support.outside_office_hours",
		"SELECT period, scope, registered, registered_cumulative, supported, contacts, minutes, outside_office_hours, office_hours_answered FROM reach_by_quarter",
		func(r []sql.NullString, add func(string, string, string, string, figure)) {
			for i, id := range []string{"reach.registered", "reach.registered_cumulative", "reach.supported", "support.contacts", "support.minutes"} {
				add(id, r[1].String, r[0].String, "", figure{num: number(r[2+i])})
			}
			add("support.outside_office_hours", r[1].String, r[0].String, "", figure{num: number(r[7]), den: number(r[8])})
		}},
	{"hard_outcomes_by_quarter", "outcomes.quarter.<code>, outcomes.quarter.any_hard",
		"SELECT period, scope, outcome, carers FROM hard_outcomes_by_quarter",
		func(r []sql.NullString, add func(string, string, string, string, figure)) {
			add("outcomes.quarter."+r[2].String, r[1].String, r[0].String, "", figure{num: number(r[3])})
		}},
	{"cohort_hard_outcome_rates", "hard_outcome_rate.w26, hard_outcome_rate.w52 (each cohort shown)",
		"SELECT period, scope, cohort, weeks, with_hard_outcome, members FROM cohort_hard_outcome_rates",
		func(r []sql.NullString, add func(string, string, string, string, figure)) {
			add("hard_outcome_rate.w"+r[3].String, r[1].String, r[0].String, r[2].String, figure{num: number(r[4]), den: number(r[5])})
		}},
	{"sustained_jobs", "sustained.starts.w13/w26/w52, sustained.kept.w13/w26/w52 (due, sustained, not sustained, unknown)",
		"SELECT period, scope, job, weeks, due, sustained, not_sustained, unknown FROM sustained_jobs",
		func(r []sql.NullString, add func(string, string, string, string, figure)) {
			c := map[string]int{}
			for i, k := range []string{"due", "sustained", "not_sustained", "unknown"} {
				c[k] = int(*number(r[4+i]))
			}
			add("sustained."+r[2].String+".w"+r[3].String, r[1].String, r[0].String, "", figure{counts: c})
		}},
	{"followup_response", "followup.response.W13/W26/W52/W104",
		"SELECT period, scope, wave, responded, due FROM followup_response",
		func(r []sql.NullString, add func(string, string, string, string, figure)) {
			add("followup.response."+r[2].String, r[1].String, r[0].String, "", figure{num: number(r[3]), den: number(r[4])})
		}},
	{"experience", "experience.times_suited, experience.staff_understood",
		"SELECT period, scope, question, yes, answered FROM experience",
		func(r []sql.NullString, add func(string, string, string, string, figure)) {
			add("experience."+r[2].String, r[1].String, r[0].String, "", figure{num: number(r[3]), den: number(r[4])})
		}},
	{"referral_groups", "referral.partner, referral.own_channels, referral.outreach_social, referral.other",
		"SELECT period, scope, referral_group, carers, registered FROM referral_groups",
		func(r []sql.NullString, add func(string, string, string, string, figure)) {
			add("referral."+r[2].String, r[1].String, r[0].String, "", figure{num: number(r[3]), den: number(r[4])})
		}},
	{"cost_per_hard_outcome", "cost.per_hard_outcome (delivery cost, hard outcomes)",
		"SELECT period, scope, delivery_cost, hard_outcomes FROM cost_per_hard_outcome",
		func(r []sql.NullString, add func(string, string, string, string, figure)) {
			add("cost.per_hard_outcome", r[1].String, r[0].String, "", figure{num: number(r[2]), den: number(r[3])})
		}},
}

func number(s sql.NullString) *float64 {
	if !s.Valid {
		return nil
	}
	var v float64
	if _, err := fmt.Sscan(s.String, &v); err != nil {
		return nil
	}
	return &v
}

// goFigure is what the Go metrics say of a figure, in the view's terms: a
// count's value is its numerator.
func goFigure(f metrics.Figure) figure {
	out := figure{num: f.Numerator, den: f.Denominator, counts: f.Counts}
	if f.Unit == metrics.UnitCount {
		out.num = f.Value
	}
	if f.Counts != nil {
		out.num, out.den = nil, nil
	}
	return out
}

// TestViews_EqualMetrics computes, for every quarter the views show and
// every scope (the consortium and each organisation), the report's figures
// with the Go metrics, unsuppressed, and compares each figure a headline
// view gives with the view's row: counts, numerators and denominators
// exactly, money within a penny's millionth. Every figure of those ids the
// metrics give must be in the view, and every row of the view must be a
// figure the metrics give.
func TestViews_EqualMetrics(t *testing.T) {
	std := standardtest.Load(t)
	for _, tt := range []struct {
		name string
		lake func(testing.TB, *standard.Standard) *lakefixture.Lake
	}{
		{"hand-worked report fixture", lakefixture.Report},
		{"demo consortium", demo},
	} {
		t.Run(tt.name, func(t *testing.T) {
			l := tt.lake(t, std)
			compareViews(t, std, l)
		})
	}
}

func compareViews(t *testing.T, std *standard.Standard, l *lakefixture.Lake) {
	ctx := context.Background()
	db, err := duckdblake.Open(ctx, l.Dir, std)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	periods := strings.Fields(strings.Join(column(t, db.DB, "SELECT period FROM report_quarters ORDER BY period"), " "))
	scopes := column(t, db.DB, "SELECT DISTINCT scope FROM report_scopes ORDER BY scope")
	if len(periods) == 0 || len(scopes) < 2 {
		t.Fatalf("quarters %v, scopes %v: want some of each", periods, scopes)
	}
	model, err := costmodel.Load(costmodel.Latest)
	if err != nil {
		t.Fatal(err)
	}
	ds, err := lakedata.Load(ctx, l.Lake, std, "")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]map[string]figure{} // view → key → figure
	got := map[string]map[string]figure{}
	idView := func(id string) string {
		for _, v := range viewFigures {
			if prefixOf(v.view, id) {
				return v.view
			}
		}
		return ""
	}
	for _, p := range periods {
		period, err := pipeline.ParsePeriod(p)
		if err != nil {
			t.Fatal(err)
		}
		ix, err := metrics.NewIndex(std, ds, period)
		if err != nil {
			t.Fatal(err)
		}
		for _, scope := range scopes {
			figs, err := ix.Figures(std, scope, model)
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range figs {
				v := idView(f.ID)
				if v == "" {
					continue
				}
				if want[v] == nil {
					want[v] = map[string]figure{}
				}
				want[v][key(f.ID, f.Scope, f.Period, f.Cohort)] = goFigure(f)
			}
		}
	}
	for _, v := range viewFigures {
		got[v.view] = map[string]figure{}
		rows := queryRows(t, db.DB, v.sql)
		for _, r := range rows {
			v.read(r, func(id, scope, period, cohort string, f figure) {
				k := key(id, scope, period, cohort)
				if _, dup := got[v.view][k]; dup {
					t.Errorf("%s: %s twice", v.view, k)
				}
				got[v.view][k] = f
			})
		}
	}
	for _, v := range viewFigures {
		t.Run(v.view, func(t *testing.T) {
			g, w := got[v.view], want[v.view]
			if len(w) == 0 {
				t.Fatalf("the metrics give no figure of %s", v.ids)
			}
			keys := slices.Sorted(func(yield func(string) bool) {
				for k := range w {
					if !yield(k) {
						return
					}
				}
				for k := range g {
					if _, ok := w[k]; !ok && !yield(k) {
						return
					}
				}
			})
			for _, k := range keys {
				gf, inView := g[k]
				wf, inGo := w[k]
				switch {
				case !inView:
					t.Errorf("%s: not in the view (the metrics give %s)", k, wf)
				case !inGo:
					t.Errorf("%s: in the view (%s) but the metrics give no such figure", k, gf)
				case !sameFigure(gf, wf):
					t.Errorf("%s: view %s, metrics %s", k, gf, wf)
				}
			}
			t.Logf("%d figures of %s compared over %d quarters and %d scopes", len(w), v.ids, len(periods), len(scopes))
		})
	}
}

// prefixOf reports whether figure id is one the view gives.
func prefixOf(view, id string) bool {
	prefixes := map[string][]string{
		"reach_by_quarter":          {"reach.registered", "reach.registered_cumulative", "reach.supported", "support.contacts", "support.minutes", "support.outside_office_hours"},
		"hard_outcomes_by_quarter":  {"outcomes.quarter."},
		"cohort_hard_outcome_rates": {"hard_outcome_rate."},
		"sustained_jobs":            {"sustained."},
		"followup_response":         {"followup.response."},
		"experience":                {"experience."},
		"referral_groups":           {"referral."},
		"cost_per_hard_outcome":     {"cost.per_hard_outcome"},
	}
	for _, p := range prefixes[view] {
		if id == p || strings.HasSuffix(p, ".") && strings.HasPrefix(id, p) {
			return true
		}
	}
	return false
}

func key(id, scope, period, cohort string) string {
	k := id + " " + scope + " " + period
	if cohort != "" {
		k += " cohort " + cohort
	}
	return k
}

func sameFigure(a, b figure) bool {
	eq := func(x, y *float64) bool {
		return x == nil && y == nil || x != nil && y != nil && math.Abs(*x-*y) <= 1e-6
	}
	if !eq(a.num, b.num) || !eq(a.den, b.den) || len(a.counts) != len(b.counts) {
		return false
	}
	for k, v := range a.counts {
		if b.counts[k] != v {
			return false
		}
	}
	return true
}

func column(t *testing.T, db *sql.DB, q string) []string {
	t.Helper()
	var out []string
	for _, r := range queryRows(t, db, q) {
		out = append(out, r[0].String)
	}
	return out
}

// queryRows runs q and returns every value as text.
func queryRows(t *testing.T, db *sql.DB, q string) [][]sql.NullString {
	t.Helper()
	rs, err := db.Query(q)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rs.Close()
	cols, err := rs.Columns()
	if err != nil {
		t.Fatal(err)
	}
	var out [][]sql.NullString
	for rs.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rs.Scan(ptrs...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		row := make([]sql.NullString, len(cols))
		for i, v := range vals {
			switch v := v.(type) {
			case nil:
			case duckdb.Decimal:
				row[i] = sql.NullString{String: fmt.Sprint(v.Float64()), Valid: true}
			case time.Time:
				row[i] = sql.NullString{String: v.Format(time.DateOnly), Valid: true}
			default: // strings, whole numbers (*big.Int for HUGEINT), floats
				row[i] = sql.NullString{String: fmt.Sprint(v), Valid: true}
			}
		}
		out = append(out, row)
	}
	if err := rs.Err(); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return out
}
