package metrics

import (
	"github.com/carer-outcomes/carer-outcomes/pipeline"
	"github.com/carer-outcomes/carer-outcomes/pipeline/standard"
)

// referralGroupOrder is the order of the referral figures; otherGroup takes
// U, missing codes and codes the standard gives no group.
func referralGroupOrder() []string {
	return []string{"partner", "own_channels", "outreach_social", otherGroup}
}

const otherGroup = "other"

// referralGroups maps each referral_source code to its group, as the
// standard's code list says.
func referralGroups(std *standard.Standard) (map[string]string, error) {
	l, ok := std.CodeLists["referral_source"]
	if !ok {
		return nil, pipeline.Errorf(pipeline.Invalid, "metrics: the standard has no referral_source code list")
	}
	known := map[string]bool{}
	for _, g := range referralGroupOrder() {
		known[g] = true
	}
	out := map[string]string{}
	for _, e := range l.Entries {
		if !known[e.ReferralGroup] {
			return nil, pipeline.Errorf(pipeline.Invalid, "metrics: referral_source %s has group %q", e.Code, e.ReferralGroup)
		}
		out[e.Code] = e.ReferralGroup
	}
	return out, nil
}

// experience is metrics.md section 6.
func (r *report) experience() []Figure {
	var figs []Figure
	for _, q := range []struct {
		id     string
		answer func(*carer) string
	}{
		{ExperienceTimesSuited, func(c *carer) string { return c.timesSuited }},
		{ExperienceStaffUnderstood, func(c *carer) string { return c.staffUnderstood }},
	} {
		yesN, answered := 0, 0
		r.each(func(c *carer) {
			switch q.answer(c) {
			case yes:
				yesN++
				answered++
			case no:
				answered++
			}
		})
		figs = append(figs, r.rate(q.id, yesN, answered))
	}

	byGroup := map[string]int{}
	total := 0
	r.each(func(c *carer) {
		if !r.registered(c) || !r.inQuarter(c.profile.Registered) {
			return
		}
		total++
		byGroup[r.referralGroup(c.profile)]++
	})
	for _, g := range referralGroupOrder() {
		figs = append(figs, r.rate(ID(Referral, g), byGroup[g], total))
	}
	return figs
}

// referralGroup is the group of a profile's referral_source; U, missing
// codes and codes the standard gives no group are other.
func (ix *Index) referralGroup(p *Carer) string {
	if g, ok := ix.groups[p.ReferralSource]; ok {
		return g
	}
	return otherGroup
}
