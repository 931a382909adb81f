package metrics

import (
	"testing"
	"time"

	"github.com/carer-outcomes/carer-outcomes/costmodel"
	"github.com/carer-outcomes/carer-outcomes/pipeline"
	"github.com/carer-outcomes/carer-outcomes/pipeline/standard/standardtest"
)

// moreFixture is the JSON form of testdata/metrics/sections5-8/dataset.json.
type moreFixture struct {
	Carers []struct {
		ID, Org, Registered, Employment, Budget, Referral, Return string
		Row                                                       int
	}
	Support  []struct{ Carer, Org, Date string }
	Outcomes []struct {
		Carer, Org, Date, Code, Return string
		Row                            int
	}
	Followups []struct {
		Carer, Org, Date, Wave, Employment, TS, SU, Return string
		Confidence, IT                                     *int
		SWEMWBS                                            *float64
		Row                                                int
	}
	Finance []struct {
		Org, Return, Funded string
		Cost                float64
		Row                 int
	}
}

func loadMore(tb testing.TB) Dataset {
	tb.Helper()
	var fx moreFixture
	readJSON(tb, "sections5-8/dataset.json", &fx)
	day := func(s string) pipeline.Days {
		tb.Helper()
		t, err := time.Parse(time.DateOnly, s)
		if err != nil {
			tb.Fatal(err)
		}
		return pipeline.DaysOf(t)
	}
	period := func(s string) pipeline.Period {
		tb.Helper()
		p, err := pipeline.ParsePeriod(s)
		if err != nil {
			tb.Fatal(err)
		}
		return p
	}
	var ds Dataset
	for _, c := range fx.Carers {
		ds.Carers = append(ds.Carers, Carer{ID: c.ID, Org: c.Org, Registered: day(c.Registered), EmploymentStatus: c.Employment,
			PersonalBudget: c.Budget, ReferralSource: c.Referral, Return: period(c.Return), Row: c.Row})
	}
	for _, s := range fx.Support {
		ds.Support = append(ds.Support, Support{CarerID: s.Carer, Org: s.Org, Date: day(s.Date)})
	}
	for _, o := range fx.Outcomes {
		ds.Outcomes = append(ds.Outcomes, Outcome{CarerID: o.Carer, Org: o.Org, Date: day(o.Date), Code: o.Code, Return: period(o.Return), Row: o.Row})
	}
	for _, f := range fx.Followups {
		ds.Followups = append(ds.Followups, Followup{CarerID: f.Carer, Org: f.Org, Date: day(f.Date), Wave: f.Wave,
			EmploymentStatus: f.Employment, Return: period(f.Return), Row: f.Row, Confidence: f.Confidence, ITSkills: f.IT,
			SWEMWBSMetric: f.SWEMWBS, TimesSuited: f.TS, StaffUnderstood: f.SU})
	}
	for _, f := range fx.Finance {
		d := day(f.Funded)
		ds.Finance = append(ds.Finance, Finance{Org: f.Org, Return: period(f.Return), DeliveryCost: f.Cost, FundingSecuredUntil: &d, Row: f.Row})
	}
	return ds
}

// TestComputeMore_handWorked checks sections 5 to 8 against
// testdata/metrics/sections5-8, worked by hand in its WORKING.md.
func TestComputeMore_handWorked(t *testing.T) {
	std := standardtest.Load(t)
	ds := loadMore(t)
	model, err := costmodel.Load(costmodel.Latest)
	if err != nil {
		t.Fatal(err)
	}
	p := pipeline.Period{Year: 2026, Quarter: 2}
	matchExpected(t, "sections5-8/expected-2026-Q2.json", []string{Consortium, "ORG-A", "ORG-B"}, func(scope string) ([]Figure, error) {
		return ComputeMore(std, ds, p, scope, model)
	})
	ix, err := NewIndex(std, ds, p)
	if err != nil {
		t.Fatal(err)
	}
	if got := ix.MissingFinance(Consortium); len(got) != 1 || got[0] != "ORG-B" {
		t.Errorf("MissingFinance = %v, want [ORG-B]", got)
	}
}

func TestComputeMore_badScope(t *testing.T) {
	std := standardtest.Load(t)
	if _, err := ComputeMore(std, Dataset{}, pipeline.Period{Year: 2026, Quarter: 2}, "org a", nil); err == nil {
		t.Error("ComputeMore(scope org a) = nil error")
	}
}
