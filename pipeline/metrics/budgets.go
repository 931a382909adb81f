package metrics

import (
	"github.com/carer-outcomes/carer-outcomes/pipeline"
	"github.com/carer-outcomes/carer-outcomes/pipeline/stats"
)

// budgetWeeks is the cohort age at which personal budgets are compared.
const budgetWeeks = 52

const noBudget = "NONE"

// budgetGroups are compared with noBudget, in this order.
func budgetGroups() []string { return []string{"CARER", "CARED_FOR", "BOTH"} }

// budgets is metrics.md section 8. Each figure's counts give both groups'
// numbers, which the rates and small-number rules need: numerator and
// denominator of the group, none_numerator and none_denominator of NONE.
// A missing employment status at registration counts as not in work, as U
// does.
func (r *report) budgets() []Figure {
	days := pipeline.Days(week * budgetWeeks)
	cohorts := map[pipeline.Period][]Carer{}
	for _, p := range r.carers {
		q := pipeline.PeriodOf(p.Registered.Time())
		cohorts[q] = append(cohorts[q], p)
	}
	hit, n := map[string]int{}, map[string]int{}
	for _, members := range cohorts {
		shown := true
		for _, p := range members {
			if p.Registered+days > r.end {
				shown = false
				break
			}
		}
		if !shown {
			continue
		}
		for _, p := range members {
			if r.codes.inWork[p.EmploymentStatus] {
				continue
			}
			n[p.PersonalBudget]++
			if r.hardBetween(p.ID, p.Registered, p.Registered+days) {
				hit[p.PersonalBudget]++
			}
		}
	}
	var figs []Figure
	for _, g := range budgetGroups() {
		f := r.figure("personal_budget."+g+".difference", UnitDifference)
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
