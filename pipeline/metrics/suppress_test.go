package metrics

import (
	"math/rand/v2"
	"reflect"
	"strconv"
	"testing"
)

// rateFig is a rate figure of x out of n, for subgroup dim=val (none when
// dim is "").
func rateFig(id, dim, val string, x, n int) Figure {
	f := Figure{ID: id, Scope: Consortium, Period: "2026-Q3", Unit: UnitRate,
		Numerator: num(float64(x)), Denominator: num(float64(n))}
	if n > 0 {
		f.Value = num(float64(x) / float64(n))
		f.CILow, f.CIHigh = interval(x, n)
	}
	if dim != "" {
		f.Subgroup = &Subgroup{Dimension: dim, Value: val}
	}
	return f
}

func countFig(id, dim, val string, n int) Figure {
	f := Figure{ID: id, Scope: Consortium, Period: "2026-Q3", Unit: UnitCount, Value: num(float64(n))}
	if dim != "" {
		f.Subgroup = &Subgroup{Dimension: dim, Value: val}
	}
	return f
}

func sustainedFig(dim, val string, due, sus, not int) Figure {
	f := rateFig("sustained.starts.w26", dim, val, sus, sus+not)
	f.Counts = map[string]int{"due": due, "sustained": sus, "not_sustained": not, "unknown": due - sus - not}
	f.LowerBound = num(float64(sus) / float64(due))
	return f
}

func differenceFig(group string, x1, n1, x2, n2 int) Figure {
	return Figure{ID: "personal_budget." + group + ".difference", Scope: Consortium, Period: "2026-Q3",
		Unit: "difference", Value: num(float64(x1)/float64(n1) - float64(x2)/float64(n2)),
		CILow: num(-0.1), CIHigh: num(0.2),
		Counts: map[string]int{CountNumerator1: x1, CountDenominator1: n1, CountNumerator2: x2, CountDenominator2: n2}}
}

func hiddenOf(figs []Figure) []bool {
	h := make([]bool, len(figs))
	for i, f := range figs {
		h[i] = f.Suppressed
	}
	return h
}

func TestSuppressRules(t *testing.T) {
	const id = "hard_outcome_rate.w52"
	tests := []struct {
		name string
		in   []Figure
		want []bool // suppressed, per figure
	}{
		{"consortium total never suppressed",
			[]Figure{rateFig(id, "", "", 2, 5), countFig("reach.registered", "", "", 3)},
			[]bool{false, false}},
		{"subgroup denominator under 10",
			[]Figure{rateFig(id, "gender", "F", 5, 9), rateFig(id, "gender", "M", 5, 20), rateFig(id, "gender", "X", 6, 30)},
			[]bool{true, true, false}},
		{"subgroup denominator 10 is shown",
			[]Figure{rateFig(id, "gender", "F", 5, 10), rateFig(id, "gender", "M", 5, 20)},
			[]bool{false, false}},
		{"subgroup numerator from 1 to 4",
			[]Figure{rateFig(id, "gender", "F", 4, 50), rateFig(id, "gender", "M", 5, 40), rateFig(id, "gender", "X", 9, 60)},
			[]bool{true, true, false}},
		{"subgroup numerator 0 is shown",
			[]Figure{rateFig(id, "gender", "F", 0, 50), rateFig(id, "gender", "M", 5, 40)},
			[]bool{false, false}},
		{"subgroup numerator 1",
			[]Figure{rateFig(id, "gender", "F", 1, 50), rateFig(id, "gender", "M", 5, 40), rateFig(id, "gender", "X", 9, 60)},
			[]bool{true, true, false}},
		{"subgroup count from 1 to 4",
			[]Figure{countFig("reach.registered", "gender", "F", 3), countFig("reach.registered", "gender", "M", 30), countFig("reach.registered", "gender", "X", 12)},
			[]bool{true, false, true}},
		{"subgroup counts: unknown from 1 to 4",
			[]Figure{sustainedFig("gender", "F", 40, 20, 18), sustainedFig("gender", "M", 40, 20, 15), sustainedFig("gender", "X", 50, 20, 15)},
			[]bool{true, true, false}},
		{"subgroup counts all safe",
			[]Figure{sustainedFig("gender", "F", 40, 20, 15), sustainedFig("gender", "M", 50, 20, 15)},
			[]bool{false, false}},
		{"difference: group 1 denominator under 10",
			[]Figure{differenceFig("CARER", 5, 9, 50, 100)}, []bool{true}},
		{"difference: group 2 denominator under 10",
			[]Figure{differenceFig("BOTH", 5, 20, 5, 9)}, []bool{true}},
		{"difference: group 1 numerator from 1 to 4",
			[]Figure{differenceFig("CARER", 4, 20, 50, 100)}, []bool{true}},
		{"difference: group 2 numerator from 1 to 4",
			[]Figure{differenceFig("CARED_FOR", 10, 20, 1, 100)}, []bool{true}},
		{"difference: both groups safe",
			[]Figure{differenceFig("CARER", 5, 10, 0, 100)}, []bool{false}},
		{"difference without the groups' counts",
			[]Figure{{ID: "personal_budget.CARER.difference", Scope: Consortium, Period: "2026-Q3", Unit: "difference", Value: num(0.1)}},
			[]bool{true}},
		{"personal-budget group rate below 10",
			[]Figure{rateFig("personal_budget.CARER.rate", "", "", 5, 8)}, []bool{true}},
		{"already suppressed stays suppressed and forces a complement",
			[]Figure{{ID: id, Scope: Consortium, Period: "2026-Q3", Unit: UnitRate, Subgroup: &Subgroup{"gender", "F"}, Suppressed: true},
				rateFig(id, "gender", "M", 5, 40), rateFig(id, "gender", "X", 9, 60)},
			[]bool{true, true, false}},
		{"two suppressed need no complement",
			[]Figure{rateFig(id, "gender", "F", 2, 50), rateFig(id, "gender", "M", 3, 40), rateFig(id, "gender", "X", 9, 60), rateFig(id, "gender", "Y", 9, 70)},
			[]bool{true, true, false, false}},
		{"a suppressed one-figure group has no complement",
			[]Figure{rateFig(id, "gender", "F", 2, 50), rateFig(id, "age_band", "16-24", 9, 60)},
			[]bool{true, false}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := hiddenOf(Suppress(tt.in))
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("suppressed = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestSuppressComplementSmallestDenominator(t *testing.T) {
	const id = "hard_outcome_rate.w26"
	tests := []struct {
		name string
		in   []Figure
		want []bool
	}{
		{"next smallest is hidden",
			[]Figure{rateFig(id, "age_band", "16-24", 6, 8), rateFig(id, "age_band", "25-49", 30, 100),
				rateFig(id, "age_band", "50-64", 12, 25), rateFig(id, "age_band", "65+", 7, 15)},
			[]bool{true, false, false, true}},
		{"on a tie the earliest",
			[]Figure{rateFig(id, "age_band", "16-24", 6, 8), rateFig(id, "age_band", "25-49", 7, 15),
				rateFig(id, "age_band", "50-64", 8, 15)},
			[]bool{true, true, false}},
		{"counts compare by value",
			[]Figure{countFig("reach.registered", "la", "A", 2), countFig("reach.registered", "la", "B", 40),
				countFig("reach.registered", "la", "C", 11), countFig("reach.registered", "la", "D", 25)},
			[]bool{true, false, true, false}},
		{"groups are per id, cohort and dimension",
			[]Figure{
				withCohort(rateFig(id, "age_band", "16-24", 6, 8), "2025-Q1"),
				withCohort(rateFig(id, "age_band", "25-49", 30, 40), "2025-Q1"),
				withCohort(rateFig(id, "age_band", "16-24", 6, 11), "2025-Q2"),
				withCohort(rateFig(id, "age_band", "25-49", 30, 40), "2025-Q2"),
				rateFig(id, "gender", "F", 6, 12),
				rateFig(id, "gender", "M", 6, 13),
			},
			[]bool{true, true, false, false, false, false}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := hiddenOf(Suppress(tt.in))
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("suppressed = %v, want %v", got, tt.want)
			}
		})
	}
}

func withCohort(f Figure, c string) Figure {
	f.Cohort = c
	return f
}

func TestSuppressedFigureHasNoNumbers(t *testing.T) {
	in := []Figure{sustainedFig("gender", "F", 40, 3, 30), sustainedFig("gender", "M", 60, 30, 20)}
	in[0].Cohort, in[1].Cohort = "2025-Q1", "2025-Q1"
	out := Suppress(in)
	want := Figure{ID: "sustained.starts.w26", Scope: Consortium, Period: "2026-Q3", Unit: UnitRate,
		Subgroup: &Subgroup{"gender", "F"}, Cohort: "2025-Q1", Suppressed: true}
	if !reflect.DeepEqual(out[0], want) {
		t.Errorf("suppressed figure = %+v, want %+v", out[0], want)
	}
	if !out[1].Suppressed {
		t.Errorf("complement of the group not suppressed")
	}
}

func TestSuppressDoesNotModifyInput(t *testing.T) {
	in := []Figure{rateFig("x", "gender", "F", 2, 50), rateFig("x", "gender", "M", 20, 50), sustainedFig("gender", "X", 40, 20, 15), rateFig("x", "", "", 22, 100)}
	before := make([]Figure, len(in))
	for i, f := range in {
		before[i] = copyFigure(f)
	}
	out := Suppress(in)
	if !reflect.DeepEqual(in, before) {
		t.Fatalf("input modified")
	}
	// The output shares nothing with the input.
	*out[2].Numerator = 999
	out[2].Counts["due"] = 999
	*out[3].Value = 999
	if !reflect.DeepEqual(in, before) {
		t.Errorf("output shares memory with the input")
	}
	// Suppressing again changes nothing.
	if again := Suppress(out); !reflect.DeepEqual(again, out) {
		t.Errorf("not idempotent")
	}
}

// randomGroups builds a consortium report's worth of subgroup figures, each
// group with its consortium total, from small random numbers.
func randomGroups(r *rand.Rand, groups int) []Figure {
	var figs []Figure
	for g := range groups {
		id := "fig" + strconv.Itoa(g)
		cells := 2 + r.IntN(5)
		kind := r.IntN(3)
		var tx, tn, tdue, tsus, tnot int
		for c := range cells {
			val := strconv.Itoa(c)
			switch kind {
			case 0:
				n := r.IntN(40)
				x := r.IntN(n + 1)
				tx, tn = tx+x, tn+n
				figs = append(figs, rateFig(id, "dim", val, x, n))
			case 1:
				n := r.IntN(30)
				tn += n
				figs = append(figs, countFig(id, "dim", val, n))
			case 2:
				due := r.IntN(40)
				sus := r.IntN(due + 1)
				not := r.IntN(due - sus + 1)
				tdue, tsus, tnot = tdue+due, tsus+sus, tnot+not
				f := sustainedFig("dim", val, due, sus, not)
				f.ID = id
				figs = append(figs, f)
			}
		}
		switch kind {
		case 0:
			figs = append(figs, rateFig(id, "", "", tx, tn))
		case 1:
			figs = append(figs, countFig(id, "", "", tn))
		case 2:
			f := sustainedFig("", "", tdue, tsus, tnot)
			f.ID = id
			figs = append(figs, f)
		}
	}
	return figs
}

func TestSuppressNoSmallCountSurvives(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, f := range Suppress(randomGroups(r, 500)) {
		if f.Subgroup == nil || f.Suppressed {
			continue
		}
		if f.Denominator != nil && *f.Denominator < 10 {
			t.Errorf("%s %s: denominator %v shown", f.ID, f.Subgroup.Value, *f.Denominator)
		}
		if f.Numerator != nil && smallCount(*f.Numerator) {
			t.Errorf("%s %s: numerator %v shown", f.ID, f.Subgroup.Value, *f.Numerator)
		}
		if f.Unit == UnitCount && smallCount(*f.Value) {
			t.Errorf("%s %s: count %v shown", f.ID, f.Subgroup.Value, *f.Value)
		}
		for k, c := range f.Counts {
			if smallCount(float64(c)) {
				t.Errorf("%s %s: %s %d shown", f.ID, f.Subgroup.Value, k, c)
			}
		}
	}
}

// TestSuppressNotRecoverableFromTotals checks that wherever the shown cells
// of a group and its consortium total would let a reader subtract to a
// hidden cell, that is, wherever any cell of the group is hidden, at least
// two cells are hidden, so the subtraction gives only their sum.
func TestSuppressNotRecoverableFromTotals(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	hidden := map[string]int{}
	withTotal := map[string]bool{}
	sawHidden := false
	for _, f := range Suppress(randomGroups(r, 500)) {
		if f.Subgroup == nil {
			if f.Suppressed {
				t.Errorf("%s: consortium total suppressed", f.ID)
			}
			withTotal[f.ID] = true
			continue
		}
		if f.Suppressed {
			hidden[f.ID]++
			sawHidden = true
		}
	}
	if !sawHidden {
		t.Fatal("the random report suppressed nothing; the test proves nothing")
	}
	for id, n := range hidden {
		if !withTotal[id] {
			t.Errorf("%s: no consortium total", id)
		}
		if n == 1 {
			t.Errorf("%s: exactly one cell hidden; it can be worked out from the total", id)
		}
	}
}

// TestSuppress_OrganisationsInAConsortiumReport: an organisation's figures
// are below consortium level, and the organisations of one id form a group,
// since a hidden count could be worked out from the consortium's total.
func TestSuppress_OrganisationsInAConsortiumReport(t *testing.T) {
	count := func(scope string, v float64) Figure {
		return Figure{ID: "reach.registered", Scope: scope, Period: "2026-Q3", Unit: UnitCount, Value: &v}
	}
	in := []Figure{count(Consortium, 35), count("ORG-A", 12), count("ORG-B", 3), count("ORG-C", 20)}
	out := Suppress(in)
	want := []bool{false, true, true, false} // B for its count of 3; A, the smallest shown, so B's cannot be worked out
	for i, f := range out {
		if f.Suppressed != want[i] {
			t.Errorf("%s: suppressed %v, want %v", f.Scope, f.Suppressed, want[i])
		}
		if f.Suppressed && f.Value != nil {
			t.Errorf("%s: a suppressed figure keeps its value", f.Scope)
		}
	}
}
