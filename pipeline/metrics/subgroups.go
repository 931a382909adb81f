package metrics

import (
	"slices"

	"github.com/carer-outcomes/carer-outcomes/pipeline"
	"github.com/carer-outcomes/carer-outcomes/pipeline/standard"
)

// NotRecorded is the subgroup of carers whose profile leaves a dimension
// empty: every carer is in exactly one subgroup of each dimension, so the
// subgroups of a count add up to its total.
const NotRecorded = "not recorded"

// subgroupIDs are the figures shown for each subgroup: who is reached, who
// reaches a hard outcome, and whether jobs last. Every other figure is shown
// for the whole consortium or organisation only.
func subgroupIDs() []string {
	return []string{"reach.registered", "reach.supported", "outcomes.quarter.any_hard", "sustained.starts.w26", "sustained.kept.w26"}
}

// dimension is one way of dividing carers, read from their profile.
type dimension struct {
	name  string
	value func(Carer) string
}

func dimensions(groups map[string]string) []dimension {
	return []dimension{
		{"age_band", func(c Carer) string { return c.AgeBand }},
		{"gender", func(c Carer) string { return c.Gender }},
		{"ethnicity", func(c Carer) string { return c.Ethnicity }},
		{"cared_for_condition", func(c Carer) string { return c.Condition }},
		{"limiting_illness", func(c Carer) string { return c.LimitingIllness }},
		{"financial_difficulty", func(c Carer) string { return c.FinancialDifficulty }},
		{"personal_budget", func(c Carer) string { return c.PersonalBudget }},
		{"referral_group", func(c Carer) string { return groups[c.ReferralSource] }},
		{"local_authority", func(c Carer) string { return c.LocalAuthority }},
	}
}

// ComputeSubgroups returns metrics.md section 9: the subgroup figures for
// one quarter and scope, each carer placed by their profile (section 0).
// They go through Suppress in a consortium's report like every figure below
// consortium level.
func ComputeSubgroups(std *standard.Standard, ds Dataset, period pipeline.Period, scope string) ([]Figure, error) {
	if err := checkScope(std, scope); err != nil {
		return nil, err
	}
	groups, err := referralGroups(std)
	if err != nil {
		return nil, err
	}
	profs := profiles(inScope(ds.Carers, scope, func(c Carer) string { return c.Org }))
	var out []Figure
	for _, dim := range dimensions(groups) {
		members := map[string]map[string]bool{} // value → carer IDs
		var values []string
		for _, p := range profs {
			v := dim.value(p)
			if v == "" {
				v = NotRecorded
			}
			if members[v] == nil {
				members[v] = map[string]bool{}
				values = append(values, v)
			}
			members[v][p.ID] = true
		}
		slices.Sort(values)
		for _, v := range values {
			in := members[v]
			sub := Dataset{
				Carers:    filter(ds.Carers, func(c Carer) bool { return in[c.ID] }),
				Support:   filter(ds.Support, func(s Support) bool { return in[s.CarerID] }),
				Outcomes:  filter(ds.Outcomes, func(o Outcome) bool { return in[o.CarerID] }),
				Followups: filter(ds.Followups, func(f Followup) bool { return in[f.CarerID] }),
			}
			figs, err := Compute(std, sub, period, scope)
			if err != nil {
				return nil, err
			}
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
