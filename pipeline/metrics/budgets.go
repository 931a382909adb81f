package metrics

import (
	"github.com/carer-outcomes/carer-outcomes/pipeline/stats"
)

// budgetWeeks is the cohort age at which personal budgets are compared.
const budgetWeeks = 52

const noBudget = "NONE"

// budgetGroups are compared with noBudget, in this order.
func budgetGroups() []string { return []string{"CARER", "CARED_FOR", "BOTH"} }

// budgets is metrics.md section 8: each group's hard-outcome rate at 52
// weeks (personal_budget.<group>.rate, NONE first), then each group's
// difference from NONE. A difference's counts give both groups' numbers,
// which the small-number rules need. A missing employment status at
// registration counts as not in work, as U does.
func (r *report) budgets() []Figure {
	hit, n := map[string]int{}, map[string]int{}
	for _, k := range r.cohorts() {
		if !r.shown(k, budgetWeeks) {
			continue
		}
		for _, c := range k.members {
			p := c.profile
			if r.codes.inWork[p.EmploymentStatus] {
				continue
			}
			n[p.PersonalBudget]++
			if r.hardWithin(c, budgetWeeks) {
				hit[p.PersonalBudget]++
			}
		}
	}
	var figs []Figure
	for _, g := range append([]string{noBudget}, budgetGroups()...) {
		figs = append(figs, r.rate(PersonalBudgetRate(g), hit[g], n[g]))
	}
	for _, g := range budgetGroups() {
		f := r.figure(PersonalBudgetDifference(g), UnitDifference)
		f.Counts = map[string]int{
			CountNumerator1: hit[g], CountDenominator1: n[g],
			CountNumerator2: hit[noBudget], CountDenominator2: n[noBudget],
		}
		if d, lo, hi, ok := stats.Newcombe(hit[g], n[g], hit[noBudget], n[noBudget]); ok {
			f.Value, f.CILow, f.CIHigh = num(d), num(lo), num(hi)
		}
		figs = append(figs, f)
	}
	return figs
}
