package metrics

import (
	"strings"
	"testing"

	"github.com/carer-outcomes/carer-outcomes/pipeline"
	"github.com/carer-outcomes/carer-outcomes/pipeline/standard/standardtest"
)

// TestComputeSubgroups checks section 9 on the hand-worked fixture by a
// property that needs no second computation: every carer is in exactly one
// subgroup of each dimension, so each count's subgroups add up to the
// consortium's figure, and each sustainment count (due, sustained, …) too.
func TestComputeSubgroups(t *testing.T) {
	std := standardtest.Load(t)
	ds := loadDataset(t, "dataset.json")
	// Give the fixture's carers profiles to divide by, some left empty; a
	// carer with two rows may differ between them (the latest row counts).
	for i := range ds.Carers {
		c := &ds.Carers[i]
		pick := func(vs ...string) string { return vs[i%len(vs)] }
		c.AgeBand, c.Gender, c.Ethnicity = pick("16-24", "45-54", "65+", ""), pick("F", "M", ""), pick("WHITE", "ASIAN", "BLACK", "U", "")
		c.Condition, c.LimitingIllness, c.FinancialDifficulty = pick("DEMENTIA", "FRAILTY", ""), pick("Y", "N"), pick("N", "Y", "U")
		c.PersonalBudget, c.ReferralSource, c.LocalAuthority = pick("NONE", "CARER", ""), pick("GP", "ON_SITE", "OUTREACH", "OTHER", ""), pick("E08000035", "E06000014")
	}
	period := pipeline.Period{Year: 2026, Quarter: 2}
	total, err := Compute(std, ds, period, Consortium)
	if err != nil {
		t.Fatal(err)
	}
	subs, err := ComputeSubgroups(std, ds, period, Consortium)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]Figure{}
	cohorts := map[string]Figure{} // the consortium's cohort rates, by id and cohort
	for _, f := range total {
		if f.Cohort == "" {
			want[f.ID] = f
		} else {
			cohorts[f.ID+" "+f.Cohort] = f
		}
	}
	type key struct{ dim, id, part string }
	sums := map[key]float64{}
	dims := map[string]bool{}
	for _, f := range subs {
		if f.Subgroup == nil || f.Subgroup.Value == "" {
			t.Fatalf("%s has no subgroup", f.ID)
		}
		dims[f.Subgroup.Dimension] = true
		if f.Cohort != "" {
			// A subgroup's cohort rate is a breakdown of one the
			// consortium shows: its members and hits add up to it.
			if _, ok := cohorts[f.ID+" "+f.Cohort]; !ok {
				t.Errorf("%s cohort %s by %s: the consortium does not show that cohort", f.ID, f.Cohort, f.Subgroup.Dimension)
			}
			sums[key{f.Subgroup.Dimension, f.ID + " " + f.Cohort, "numerator"}] += *f.Numerator
			sums[key{f.Subgroup.Dimension, f.ID + " " + f.Cohort, "denominator"}] += *f.Denominator
		}
		if f.Value != nil && f.Unit == UnitCount {
			sums[key{f.Subgroup.Dimension, f.ID, "value"}] += *f.Value
		}
		for k, v := range f.Counts {
			sums[key{f.Subgroup.Dimension, f.ID, k}] += float64(v)
		}
	}
	if len(dims) != 9 {
		t.Errorf("%d dimensions, want 9", len(dims))
	}
	if n := len(subs); n < 9*2*len(subgroupIDs()) {
		t.Errorf("only %d subgroup figures", n)
	}
	for d := range dims {
		for _, id := range subgroupIDs() {
			if strings.HasPrefix(id, HardOutcomeRate+".") {
				continue // by cohort: below
			}
			w, ok := want[id]
			if !ok {
				t.Fatalf("no consortium figure %s", id)
			}
			if w.Unit == UnitCount {
				if got := sums[key{d, id, "value"}]; got != *w.Value {
					t.Errorf("%s by %s adds up to %v, the consortium's is %v", id, d, got, *w.Value)
				}
			}
			for k, v := range w.Counts {
				if got := sums[key{d, id, k}]; got != float64(v) {
					t.Errorf("%s %s by %s adds up to %v, the consortium's is %d", id, k, d, got, v)
				}
			}
		}
		for k, w := range cohorts {
			if got := sums[key{d, k, "numerator"}]; got != *w.Numerator {
				t.Errorf("%s by %s: numerators add up to %v, the consortium's is %v", k, d, got, *w.Numerator)
			}
			if got := sums[key{d, k, "denominator"}]; got != *w.Denominator {
				t.Errorf("%s by %s: denominators add up to %v, the consortium's is %v", k, d, got, *w.Denominator)
			}
		}
	}
	if len(cohorts) == 0 {
		t.Fatal("the fixture shows no cohort")
	}
}

func TestIndex_Subgroups_referralGroup(t *testing.T) {
	std := standardtest.Load(t)
	period := pipeline.Period{Year: 2026, Quarter: 2}
	reg := pipeline.DaysOf(period.Start())
	tests := []struct {
		source, want string
	}{
		{"GP", "partner"},
		{"ON_SITE", "own_channels"},
		{"SOCIAL_MEDIA", "outreach_social"},
		{"WORD_OF_MOUTH", "other"},
		{"U", "other"},
		{"", "other"}, // section 6: missing is other, never "not recorded"
	}
	for _, tt := range tests {
		t.Run(tt.source, func(t *testing.T) {
			ds := Dataset{Carers: []Carer{{ID: "c", Org: "ORG-A", Registered: reg, ReferralSource: tt.source}}}
			ix, err := NewIndex(std, ds, period)
			if err != nil {
				t.Fatal(err)
			}
			figs, err := ix.Subgroups(std, Consortium)
			if err != nil {
				t.Fatal(err)
			}
			found := false
			for _, f := range figs {
				if f.Subgroup.Dimension != "referral_group" {
					continue
				}
				if f.Subgroup.Value != tt.want {
					t.Fatalf("referral_group %q, want %q", f.Subgroup.Value, tt.want)
				}
				if f.ID == "reach.registered" {
					found = *f.Value == 1
				}
			}
			if !found {
				t.Errorf("no reach.registered = 1 in referral_group %s", tt.want)
			}
		})
	}
}
