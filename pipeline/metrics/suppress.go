package metrics

import (
	"math"
	"strings"
)

// Small-number thresholds of metrics.md section 10.
const (
	suppressMinDenominator = 10 // a denominator under this is suppressed
	suppressMinCount       = 1  // a count from suppressMinCount …
	suppressMaxCount       = 4  // … to suppressMaxCount is suppressed
)

// personalBudgetPrefix starts the id of every personal-budget figure.
const personalBudgetPrefix = PersonalBudget + "."

// Suppress applies metrics.md section 10 to the figures of a consortium
// report, and must be the last thing done to them. An organisation's own
// report shows its figures in full and is not passed through it.
//
// Only figures below consortium-total level are considered: those with a
// Subgroup, the personal-budget figures (ids personal_budget.*), and an
// organisation's figures shown in the consortium's report. Such a
// figure is suppressed whole when its denominator is under 10, or when any
// count it shows is from 1 to 4: its numerator (except for money, unit gbp,
// whose numerator is pounds), its value if it is a count, and every entry
// of Counts (due, sustained, not_sustained, unknown, …). A personal-budget
// difference is suppressed when either group's denominator is under 10 or
// either group's numerator is from 1 to 4, read from Counts under
// CountNumerator1, CountDenominator1, CountNumerator2 and
// CountDenominator2; a difference without all four is suppressed, since it
// cannot be shown to be safe.
//
// Then, for each group of figures (the same scope, period, id, cohort and
// subgroup dimension; the organisations' figures of one id form one group,
// since a hidden one could be worked out from the consortium's total and the
// others) in which exactly one figure is suppressed, the shown
// figure of that group with the smallest denominator (for a count, the
// smallest value; on a tie, the earliest) is suppressed too, so that the
// hidden one cannot be worked out from the total.
//
// A suppressed figure keeps its id, scope, period, unit, subgroup and
// cohort, has Suppressed true and no numbers. Figures at consortium-total
// level are returned unchanged. Suppress returns new figures in the order
// of figs and does not modify figs or anything it points to.
func Suppress(figs []Figure) []Figure {
	out := make([]Figure, len(figs))
	hidden := make([]bool, len(figs))
	type groupKey struct{ scope, period, id, cohort, dimension string }
	groups := map[groupKey][]int{}
	var order []groupKey
	for i, f := range figs {
		out[i] = copyFigure(f)
		if !belowConsortiumTotal(f) {
			continue
		}
		hidden[i] = f.Suppressed || unsafeFigure(f)
		k := groupKey{f.Scope, f.Period, f.ID, f.Cohort, ""}
		if f.Subgroup != nil {
			k.dimension = f.Subgroup.Dimension
		} else if f.Scope != Consortium && !strings.HasPrefix(f.ID, personalBudgetPrefix) {
			k.scope = "organisations"
		}
		if _, ok := groups[k]; !ok {
			order = append(order, k)
		}
		groups[k] = append(groups[k], i)
	}
	for _, k := range order {
		members := groups[k]
		n := 0
		for _, i := range members {
			if hidden[i] {
				n++
			}
		}
		if n != 1 {
			continue
		}
		pick, smallest := -1, math.Inf(1)
		for _, i := range members {
			if hidden[i] {
				continue
			}
			if s := figureSize(figs[i]); pick < 0 || s < smallest {
				pick, smallest = i, s
			}
		}
		if pick >= 0 {
			hidden[pick] = true
		}
	}
	for i := range out {
		if hidden[i] {
			out[i] = suppressed(figs[i])
		}
	}
	return out
}

// belowConsortiumTotal reports whether section 10 protects the figure.
func belowConsortiumTotal(f Figure) bool {
	return f.Subgroup != nil || strings.HasPrefix(f.ID, personalBudgetPrefix) || f.Scope != Consortium
}

// isPersonalBudgetDifference reports whether f compares two personal-budget
// groups.
func isPersonalBudgetDifference(f Figure) bool {
	return strings.HasPrefix(f.ID, personalBudgetPrefix) &&
		(f.Unit == UnitDifference || strings.HasSuffix(f.ID, "."+personalBudgetDifference))
}

// unsafeFigure reports whether f, below consortium-total level, must be
// suppressed for its own numbers.
func unsafeFigure(f Figure) bool {
	if f.Denominator != nil && *f.Denominator < suppressMinDenominator {
		return true
	}
	if f.Numerator != nil && f.Unit != UnitGBP && smallCount(*f.Numerator) {
		return true
	}
	if f.Value != nil && f.Unit == UnitCount && smallCount(*f.Value) {
		return true
	}
	for _, c := range f.Counts {
		if smallCount(float64(c)) {
			return true
		}
	}
	if isPersonalBudgetDifference(f) {
		for _, k := range []string{CountDenominator1, CountDenominator2} {
			d, ok := f.Counts[k]
			if !ok || d < suppressMinDenominator {
				return true
			}
		}
		for _, k := range []string{CountNumerator1, CountNumerator2} {
			if _, ok := f.Counts[k]; !ok {
				return true
			}
		}
	}
	return false
}

func smallCount(v float64) bool { return suppressMinCount <= v && v <= suppressMaxCount }

// figureSize is what complementary suppression compares: the denominator,
// or a count's value; a figure with neither comes last.
func figureSize(f Figure) float64 {
	switch {
	case f.Denominator != nil:
		return *f.Denominator
	case f.Unit == UnitCount && f.Value != nil:
		return *f.Value
	}
	return math.Inf(1)
}

// suppressed is f with its numbers removed.
func suppressed(f Figure) Figure {
	s := Figure{
		ID:         f.ID,
		Scope:      f.Scope,
		Period:     f.Period,
		Unit:       f.Unit,
		Cohort:     f.Cohort,
		Suppressed: true,
	}
	if f.Subgroup != nil {
		sg := *f.Subgroup
		s.Subgroup = &sg
	}
	return s
}

// copyFigure is a deep copy of f, sharing nothing with it.
func copyFigure(f Figure) Figure {
	c := f
	if f.Subgroup != nil {
		sg := *f.Subgroup
		c.Subgroup = &sg
	}
	for _, p := range []**float64{&c.Numerator, &c.Denominator, &c.Value, &c.CILow, &c.CIHigh, &c.LowerBound} {
		if *p != nil {
			v := **p
			*p = &v
		}
	}
	if f.Counts != nil {
		c.Counts = make(map[string]int, len(f.Counts))
		for k, v := range f.Counts {
			c.Counts[k] = v
		}
	}
	return c
}
