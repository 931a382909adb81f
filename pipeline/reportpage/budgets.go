package reportpage

import "github.com/carer-outcomes/carer-outcomes/pipeline/metrics"

// budgets is metrics.md section 8: each personal-budget group's
// hard-outcome rate and its difference from carers without one.
func budgets(fs *figureSet) (*section, error) {
	return simpleSection(fs, "personal-budgets", "Personal budgets", "Hard outcome within 52 weeks of registration, carers not in work when registered, by personal budget",
		[]string{"Carers of every cohort shown at 52 weeks who were not in work when they registered, grouped by personal budget; each group's hard-outcome rate, and its difference from carers without one. This is an observational comparison, not evidence that personal budgets cause the difference."},
		[]item{
			{metrics.PersonalBudgetRate("NONE"), "No personal budget"},
			{metrics.PersonalBudgetRate("CARER"), "The carer's own personal budget or direct payment"},
			{metrics.PersonalBudgetRate("CARED_FOR"), "The cared-for person's personal budget"},
			{metrics.PersonalBudgetRate("BOTH"), "Both"},
			{metrics.PersonalBudgetDifference("CARER"), "The carer's own budget, difference from none"},
			{metrics.PersonalBudgetDifference("CARED_FOR"), "The cared-for person's budget, difference from none"},
			{metrics.PersonalBudgetDifference("BOTH"), "Both, difference from none"},
		}), nil
}
