package metrics

import (
	"maps"
	"slices"

	"github.com/carer-outcomes/carer-outcomes/pipeline/standard"
)

// NotRecorded is the subgroup of carers whose profile leaves a dimension
// empty: every carer is in exactly one subgroup of each dimension, so the
// subgroups of a count add up to its total.
const NotRecorded = "not recorded"

// notRecordedCode stands for an empty code in a figure id.
const notRecordedCode = "not_recorded"

// dimension is one way of dividing carers, read from their profile.
type dimension struct {
	name  string
	value func(*Carer) string
}

// dimensions are section 9's, in its order. The referral group is section
// 6's, where a missing or U referral source is "other".
func (ix *Index) dimensions() []dimension {
	return []dimension{
		{"age_band", func(c *Carer) string { return c.AgeBand }},
		{"gender", func(c *Carer) string { return c.Gender }},
		{"ethnicity", func(c *Carer) string { return c.Ethnicity }},
		{"cared_for_condition", func(c *Carer) string { return c.Condition }},
		{"limiting_illness", func(c *Carer) string { return c.LimitingIllness }},
		{"financial_difficulty", func(c *Carer) string { return c.FinancialDifficulty }},
		{"personal_budget", func(c *Carer) string { return c.PersonalBudget }},
		{"referral_group", ix.referralGroup},
		{"local_authority", func(c *Carer) string { return c.LocalAuthority }},
	}
}

// Subgroups returns the subgroup figures of one scope (section 9). A carer
// is in a subgroup by their profile, whatever their registration date, so
// that the support and outcomes of every carer with a profile fall in
// exactly one subgroup of each dimension.
//
// A subgroup's cohort rates are given for the cohorts that the scope shows
// (section 2: every member of the cohort, in any subgroup, has had N
// weeks), each over the subgroup's members of that cohort; a subgroup with
// no member in a cohort has no figure for it. So a subgroup's cohort
// figures are always a breakdown of a figure the scope shows.
func (ix *Index) Subgroups(std *standard.Standard, scope string) ([]Figure, error) {
	if err := checkScope(std, scope); err != nil {
		return nil, err
	}
	r := ix.report(scope)
	shown := map[string]bool{} // id and cohort of each cohort rate the scope shows
	for _, f := range r.cohortRates(nil) {
		shown[f.ID+" "+f.Cohort] = true
	}
	var out []Figure
	for _, dim := range ix.dimensions() {
		members := map[string][]int32{}
		for _, i := range r.carers {
			c := ix.carers.at(i)
			if c.profile == nil {
				continue
			}
			v := dim.value(c.profile)
			if v == "" {
				v = NotRecorded
			}
			members[v] = append(members[v], i)
		}
		for _, v := range slices.Sorted(maps.Keys(members)) {
			sub := &report{Index: ix, scope: scope, carers: members[v]}
			t := sub.newTally()
			sub.each(func(c *carer) { sub.add(t, c) })
			var figs []Figure
			for _, f := range slices.Concat(sub.reach(t), sub.quarterOutcomes(t)) {
				if slices.Contains(subgroupIDs(), f.ID) {
					figs = append(figs, f)
				}
			}
			figs = append(figs, sub.cohortRates(shown)...)
			for _, f := range sub.sustained(t) {
				if slices.Contains(subgroupIDs(), f.ID) {
					figs = append(figs, f)
				}
			}
			for _, f := range figs {
				f.Subgroup = &Subgroup{Dimension: dim.name, Value: v}
				out = append(out, f)
			}
		}
	}
	return out, nil
}
