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
func (ix *Index) Subgroups(std *standard.Standard, scope string) ([]Figure, error) {
	if err := checkScope(std, scope); err != nil {
		return nil, err
	}
	r := ix.report(scope)
	var out []Figure
	for _, dim := range ix.dimensions() {
		tallies := map[string]*tally{}
		r.each(func(c *carer) {
			if c.profile == nil {
				return
			}
			v := dim.value(c.profile)
			if v == "" {
				v = NotRecorded
			}
			t := tallies[v]
			if t == nil {
				t = r.newTally()
				tallies[v] = t
			}
			r.add(t, c)
		})
		for _, v := range slices.Sorted(maps.Keys(tallies)) {
			t := tallies[v]
			var figs []Figure
			figs = append(figs, r.reach(t)...)
			figs = append(figs, r.quarterOutcomes(t)...)
			figs = append(figs, r.sustained(t)...)
			for _, f := range figs {
				if slices.Contains(subgroupIDs(), f.ID) {
					f.Subgroup = &Subgroup{Dimension: dim.name, Value: v}
					out = append(out, f)
				}
			}
		}
	}
	return out, nil
}
