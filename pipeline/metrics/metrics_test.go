package metrics

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/carer-outcomes/carer-outcomes/pipeline"
	"github.com/carer-outcomes/carer-outcomes/pipeline/standard/standardtest"
)

const fixtures = "../../testdata/metrics"

// fixture is the JSON form of a Dataset in testdata/metrics.
type fixture struct {
	Carers []struct {
		ID, Org, Registered, Consent, Employment, Return string
		Row                                              int
	}
	Support []struct {
		Carer, Org, Date, OOH, Activity, Mode string
		Minutes                               int
	}
	Outcomes []struct {
		Carer, Org, Date, Code, Return string
		Row                            int
	}
	Followups []struct {
		Carer, Org, Date, Wave, Employment, Return string
		Row                                        int
	}
}

func loadDataset(tb testing.TB, name string) Dataset {
	tb.Helper()
	var fx fixture
	readJSON(tb, name, &fx)
	day := func(s string) pipeline.Days {
		tb.Helper()
		t, err := time.Parse(time.DateOnly, s)
		if err != nil {
			tb.Fatalf("%s: %v", name, err)
		}
		return pipeline.DaysOf(t)
	}
	period := func(s string) pipeline.Period {
		tb.Helper()
		p, err := pipeline.ParsePeriod(s)
		if err != nil {
			tb.Fatalf("%s: %v", name, err)
		}
		return p
	}
	var ds Dataset
	for _, c := range fx.Carers {
		ds.Carers = append(ds.Carers, Carer{ID: c.ID, Org: c.Org, Registered: day(c.Registered), ConsentFollowup: c.Consent,
			EmploymentStatus: c.Employment, Return: period(c.Return), Row: c.Row})
	}
	for _, s := range fx.Support {
		ds.Support = append(ds.Support, Support{CarerID: s.Carer, Org: s.Org, Date: day(s.Date), Minutes: s.Minutes,
			OutsideOfficeHours: s.OOH, Activity: s.Activity, Mode: s.Mode})
	}
	for _, o := range fx.Outcomes {
		ds.Outcomes = append(ds.Outcomes, Outcome{CarerID: o.Carer, Org: o.Org, Date: day(o.Date), Code: o.Code,
			Return: period(o.Return), Row: o.Row})
	}
	for _, f := range fx.Followups {
		ds.Followups = append(ds.Followups, Followup{CarerID: f.Carer, Org: f.Org, Date: day(f.Date), Wave: f.Wave,
			EmploymentStatus: f.Employment, Return: period(f.Return), Row: f.Row})
	}
	return ds
}

func readJSON(tb testing.TB, name string, v any) {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join(fixtures, name))
	if err != nil {
		tb.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		tb.Fatalf("%s: %v", name, err)
	}
}

func figureKey(f Figure) string {
	k := f.Scope + " " + f.ID
	if f.Cohort != "" {
		k += " cohort=" + f.Cohort
	}
	if f.Subgroup != nil {
		k += " " + f.Subgroup.Dimension + "=" + f.Subgroup.Value
	}
	return k
}

// compareFigures reports how got differs from want: whole numbers exactly,
// proportions and interval limits to 1e-4.
func compareFigures(got, want Figure) []string {
	var diffs []string
	str := func(what, g, w string) {
		if g != w {
			diffs = append(diffs, fmt.Sprintf("%s = %q, want %q", what, g, w))
		}
	}
	str("unit", string(got.Unit), string(want.Unit))
	str("period", got.Period, want.Period)
	if got.Suppressed != want.Suppressed {
		diffs = append(diffs, fmt.Sprintf("suppressed = %v, want %v", got.Suppressed, want.Suppressed))
	}
	number := func(what string, g, w *float64, tol float64) {
		switch {
		case g == nil && w == nil:
		case g == nil || w == nil:
			diffs = append(diffs, fmt.Sprintf("%s = %s, want %s", what, show(g), show(w)))
		case math.Abs(*g-*w) > tol:
			diffs = append(diffs, fmt.Sprintf("%s = %v, want %v", what, *g, *w))
		}
	}
	number("numerator", got.Numerator, want.Numerator, 0)
	number("denominator", got.Denominator, want.Denominator, 0)
	tol := 1e-4
	if got.Unit == UnitCount {
		tol = 0
	}
	number("value", got.Value, want.Value, tol)
	number("ci_low", got.CILow, want.CILow, 1e-4)
	number("ci_high", got.CIHigh, want.CIHigh, 1e-4)
	number("lower_bound", got.LowerBound, want.LowerBound, 1e-4)
	if fmt.Sprint(got.Counts) != fmt.Sprint(want.Counts) {
		diffs = append(diffs, fmt.Sprintf("counts = %v, want %v", got.Counts, want.Counts))
	}
	return diffs
}

func show(v *float64) string {
	if v == nil {
		return "none"
	}
	return fmt.Sprint(*v)
}

// matchExpected compares the figures compute gives for each scope with a
// hand-worked expected file: every figure expected, none more, none twice.
func matchExpected(t *testing.T, expected string, scopes []string, compute func(scope string) ([]Figure, error)) {
	t.Helper()
	var want []Figure
	readJSON(t, expected, &want)
	wantBy := map[string]Figure{}
	for _, f := range want {
		wantBy[figureKey(f)] = f
	}
	seen := map[string]bool{}
	for _, scope := range scopes {
		got, err := compute(scope)
		if err != nil {
			t.Fatalf("compute %s: %v", scope, err)
		}
		for _, g := range got {
			k := figureKey(g)
			if seen[k] {
				t.Errorf("%s: computed twice", k)
			}
			seen[k] = true
			w, ok := wantBy[k]
			if !ok {
				t.Errorf("%s: computed but not expected: %+v", k, g)
				continue
			}
			for _, d := range compareFigures(g, w) {
				t.Errorf("%s: %s", k, d)
			}
		}
	}
	for k := range wantBy {
		if !seen[k] {
			t.Errorf("%s: expected but not computed", k)
		}
	}
}

func TestCompute_handWorked(t *testing.T) {
	std := standardtest.Load(t)
	ds := loadDataset(t, "dataset.json")
	tests := []struct {
		period, expected string
		scopes           []string
	}{
		{"2026-Q2", "expected-2026-Q2.json", []string{Consortium, "ORG-A"}},
	}
	for _, tt := range tests {
		t.Run(tt.period, func(t *testing.T) {
			p, err := pipeline.ParsePeriod(tt.period)
			if err != nil {
				t.Fatal(err)
			}
			matchExpected(t, tt.expected, tt.scopes, func(scope string) ([]Figure, error) { return Compute(std, ds, p, scope) })
		})
	}
}

func TestCompute_badScope(t *testing.T) {
	std := standardtest.Load(t)
	tests := []string{"", "org a", "consortium!"}
	for _, scope := range tests {
		if _, err := Compute(std, Dataset{}, pipeline.Period{Year: 2026, Quarter: 2}, scope); err == nil {
			t.Errorf("Compute(scope %q) = nil error, want one", scope)
		}
	}
}

func TestNewIndex_profiles(t *testing.T) {
	std := standardtest.Load(t)
	q1, q2 := pipeline.Period{Year: 2026, Quarter: 1}, pipeline.Period{Year: 2026, Quarter: 2}
	tests := []struct {
		name    string
		rows    []Carer
		wantReg pipeline.Days
		consent string
		band    string // "" to leave unchecked
	}{
		{"later return wins, earliest date stands",
			[]Carer{{ID: "c", Org: "ORG-A", Registered: 10, ConsentFollowup: "N", Return: q1, Row: 5}, {ID: "c", Org: "ORG-A", Registered: 90, ConsentFollowup: "Y", Return: q2, Row: 1}},
			10, "Y", ""},
		{"order of rows does not matter",
			[]Carer{{ID: "c", Org: "ORG-A", Registered: 90, ConsentFollowup: "Y", Return: q2, Row: 1}, {ID: "c", Org: "ORG-A", Registered: 10, ConsentFollowup: "N", Return: q1, Row: 5}},
			10, "Y", ""},
		{"within one return the later row",
			[]Carer{{ID: "c", Org: "ORG-A", Registered: 30, ConsentFollowup: "Y", Return: q1, Row: 7}, {ID: "c", Org: "ORG-A", Registered: 20, ConsentFollowup: "U", Return: q1, Row: 2}},
			20, "Y", ""},
		{"three rows, the middle one latest",
			[]Carer{{ID: "c", Org: "ORG-A", Registered: 50, ConsentFollowup: "N", Return: q1, Row: 1}, {ID: "c", Org: "ORG-A", Registered: 40, ConsentFollowup: "Y", Return: q2, Row: 3}, {ID: "c", Org: "ORG-A", Registered: 30, ConsentFollowup: "U", Return: q2, Row: 2}},
			30, "Y", ""},
		{"age band at the earliest registration, not the latest row's",
			[]Carer{{ID: "c", Org: "ORG-A", Registered: 10, AgeBand: "45-54", Return: q1, Row: 2}, {ID: "c", Org: "ORG-A", Registered: 90, AgeBand: "55-64", ConsentFollowup: "Y", Return: q2, Row: 2}},
			10, "Y", "45-54"},
		{"age band of the earliest row that has one",
			[]Carer{{ID: "c", Org: "ORG-A", Registered: 10, Return: q1, Row: 2}, {ID: "c", Org: "ORG-A", Registered: 50, AgeBand: "25-34", Return: q1, Row: 3}, {ID: "c", Org: "ORG-A", Registered: 90, AgeBand: "35-44", ConsentFollowup: "N", Return: q2, Row: 2}},
			10, "N", "25-34"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ix, err := NewIndex(std, Dataset{Carers: tt.rows}, q2)
			if err != nil {
				t.Fatal(err)
			}
			if len(ix.carers) != 1 || ix.carers[0].profile == nil {
				t.Fatalf("NewIndex made carers %+v, want one with a profile", ix.carers)
			}
			if got := ix.carers[0].profile; got.Registered != tt.wantReg || got.ConsentFollowup != tt.consent {
				t.Errorf("profile = %+v, want registered %v with consent %s", got, tt.wantReg, tt.consent)
			}
			if got := ix.carers[0].profile.AgeBand; tt.band != "" && got != tt.band {
				t.Errorf("age band %q, want %q", got, tt.band)
			}
		})
	}
}

func TestStatusAt(t *testing.T) {
	std := standardtest.Load(t)
	c, err := codesOf(std)
	if err != nil {
		t.Fatal(err)
	}
	q := pipeline.Period{Year: 2026, Quarter: 1}
	const check = 1000 // the window is 28 days before to 56 after (metrics.md section 3), written out so a change of the constants fails here
	tests := []struct {
		name string
		fs   []Followup
		want int
	}{
		{"none", nil, unknownStatus},
		{"nearest wins", []Followup{{Date: check - 3, EmploymentStatus: "UNEMPLOYED"}, {Date: check + 1, EmploymentStatus: "EMPLOYED_FT"}}, sustainedStatus},
		{"tie goes to the later", []Followup{{Date: check + 5, EmploymentStatus: "RETIRED"}, {Date: check - 5, EmploymentStatus: "EMPLOYED_PT"}}, notSustainedStatus},
		{"same day goes to the later row", []Followup{{Date: check, EmploymentStatus: "EMPLOYED_PT", Return: q, Row: 9}, {Date: check, EmploymentStatus: "RETIRED", Return: q, Row: 2}}, sustainedStatus},
		{"window's first day", []Followup{{Date: check - 28, EmploymentStatus: "SELF_EMPLOYED"}}, sustainedStatus},
		{"day before the window", []Followup{{Date: check - 28 - 1, EmploymentStatus: "SELF_EMPLOYED"}}, unknownStatus},
		{"window's last day", []Followup{{Date: check + 56, EmploymentStatus: "UNEMPLOYED"}}, notSustainedStatus},
		{"day after the window", []Followup{{Date: check + 56 + 1, EmploymentStatus: "UNEMPLOYED"}}, unknownStatus},
		{"nearest says U", []Followup{{Date: check, EmploymentStatus: "U"}, {Date: check + 2, EmploymentStatus: "EMPLOYED_FT"}}, unknownStatus},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := make([]*Followup, len(tt.fs))
			for i := range tt.fs {
				fs[i] = &tt.fs[i]
			}
			if got := statusAt(c, fs, check); got != tt.want {
				t.Errorf("statusAt = %d, want %d", got, tt.want)
			}
		})
	}
}
