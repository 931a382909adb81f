package metrics

import (
	"github.com/carer-outcomes/carer-outcomes/pipeline"
	"github.com/carer-outcomes/carer-outcomes/pipeline/standard"
)

// referralGroupOrder is the order of the referral figures; otherGroup takes
// U, missing codes and codes the standard gives no group.
var referralGroupOrder = []string{"partner", "own_channels", "outreach_social", otherGroup}

const otherGroup = "other"

// referralGroups maps each referral_source code to its group, as the
// standard's code list says.
func referralGroups(std *standard.Standard) (map[string]string, error) {
	l, ok := std.CodeLists["referral_source"]
	if !ok {
		return nil, pipeline.Errorf(pipeline.Invalid, "metrics: the standard has no referral_source code list")
	}
	known := map[string]bool{}
	for _, g := range referralGroupOrder {
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
func (r *report) experience(groups map[string]string) []Figure {
	from := r.fourQuartersStart()
	var figs []Figure
	for _, q := range []struct {
		id     string
		answer func(*Followup) string
	}{
		{"experience.times_suited", func(f *Followup) string { return f.TimesSuited }},
		{"experience.staff_understood", func(f *Followup) string { return f.StaffUnderstood }},
	} {
		yesN, answered := 0, 0
		for _, fs := range r.followups {
			var last *Followup
			for i := range fs {
				f := &fs[i]
				if f.Date < from || f.Date > r.end {
					continue
				}
				if a := q.answer(f); a != yes && a != no {
					continue
				}
				if last == nil || later(f, last) {
					last = f
				}
			}
			if last == nil {
				continue
			}
			answered++
			if q.answer(last) == yes {
				yesN++
			}
		}
		figs = append(figs, r.rate(q.id, yesN, answered))
	}

	byGroup := map[string]int{}
	total := 0
	for _, p := range r.carers {
		if !r.inQuarter(p.Registered) {
			continue
		}
		total++
		g, ok := groups[p.ReferralSource]
		if !ok {
			g = otherGroup
		}
		byGroup[g]++
	}
	for _, g := range referralGroupOrder {
		figs = append(figs, r.rate("referral."+g, byGroup[g], total))
	}
	return figs
}
