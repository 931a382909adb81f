package metrics

import (
	"slices"

	"github.com/carer-outcomes/carer-outcomes/costmodel"
	"github.com/carer-outcomes/carer-outcomes/pipeline"
)

// Check points of the savings claims (metrics.md section 7), in weeks.
const (
	halfYearWeeks = 26
	yearWeeks     = 52
)

// MissingFinance returns, in order, the organisations in scope that have
// some row in ds but lack a finance return for one of the four quarters
// ending with period: their cost and savings figures are not shown and the
// consortium's leave them out, which the report must say.
func MissingFinance(ds Dataset, period pipeline.Period, scope string) []string {
	_, missing := financeComplete(ds, period, scope)
	return missing
}

// financeComplete splits the organisations in scope into those with a
// finance return for each of the four quarters and those without.
func financeComplete(ds Dataset, period pipeline.Period, scope string) (complete, missing []string) {
	orgs := map[string]bool{}
	add := func(org string) {
		if scope == Consortium || org == scope {
			orgs[org] = true
		}
	}
	for _, c := range ds.Carers {
		add(c.Org)
	}
	for _, s := range ds.Support {
		add(s.Org)
	}
	for _, o := range ds.Outcomes {
		add(o.Org)
	}
	for _, f := range ds.Followups {
		add(f.Org)
	}
	returned := map[string]map[pipeline.Period]bool{}
	for _, f := range ds.Finance {
		add(f.Org)
		if returned[f.Org] == nil {
			returned[f.Org] = map[pipeline.Period]bool{}
		}
		returned[f.Org][f.Return] = true
	}
	for org := range orgs {
		ok := true
		for q, i := firstOfFour(period), 0; i < 4; q, i = q.Next(), i+1 {
			ok = ok && returned[org][q]
		}
		if ok {
			complete = append(complete, org)
		} else {
			missing = append(missing, org)
		}
	}
	slices.Sort(complete)
	slices.Sort(missing)
	return complete, missing
}

// latestFinance keeps one finance row per organisation and quarter, the
// later row, for returns up to period.
func latestFinance(rows []Finance, period pipeline.Period) map[string]map[pipeline.Period]Finance {
	out := map[string]map[pipeline.Period]Finance{}
	for _, f := range rows {
		if laterRow(f.Return, 0, period, 0) {
			continue
		}
		if out[f.Org] == nil {
			out[f.Org] = map[pipeline.Period]Finance{}
		}
		if g, ok := out[f.Org][f.Return]; !ok || f.Row >= g.Row {
			out[f.Org][f.Return] = f
		}
	}
	return out
}

// costs is metrics.md section 7: the cost and savings figures over the
// organisations with every finance return of the four quarters, then the
// funding runway of an organisation's latest finance return (shown even when
// a return is missing, since it does not depend on the four quarters; the
// consortium has none).
func costs(c *codes, ds Dataset, period pipeline.Period, scope string, model *costmodel.Model) []Figure {
	finance := latestFinance(ds.Finance, period)
	var figs []Figure
	if complete, _ := financeComplete(ds, period, scope); len(complete) > 0 {
		in := map[string]bool{}
		for _, org := range complete {
			in[org] = true
		}
		keep := func(org string) bool { return in[org] }
		sub := Dataset{
			Carers:    filter(ds.Carers, func(x Carer) bool { return keep(x.Org) }),
			Support:   filter(ds.Support, func(x Support) bool { return keep(x.Org) }),
			Outcomes:  filter(ds.Outcomes, func(x Outcome) bool { return keep(x.Org) }),
			Followups: filter(ds.Followups, func(x Followup) bool { return keep(x.Org) }),
		}
		cost := 0.0
		for _, org := range complete {
			for q, i := firstOfFour(period), 0; i < 4; q, i = q.Next(), i+1 {
				cost += finance[org][q].DeliveryCost
			}
		}
		figs = newReport(c, sub, period, scope).costFigures(cost, model)
	}
	if scope != Consortium {
		var last *Finance
		for q, f := range finance[scope] {
			if last == nil || laterRow(q, 0, last.Return, 0) {
				f := f
				last = &f
			}
		}
		if last != nil && last.FundingSecuredUntil != nil {
			r := newReport(c, Dataset{}, period, scope)
			figs = append(figs, r.count("funding.runway_months", wholeMonths(r.end, *last.FundingSecuredUntil)))
		}
	}
	return figs
}

func filter[T any](rows []T, keep func(T) bool) []T {
	var out []T
	for _, x := range rows {
		if keep(x) {
			out = append(out, x)
		}
	}
	return out
}

// wholeMonths is the completed calendar months from a month's last day to
// date to; a month ending on to's month's last day is complete. It is 0
// when to is before from.
func wholeMonths(from, to pipeline.Days) int {
	if to < from {
		return 0
	}
	y1, m1, d1 := from.Civil()
	y2, m2, d2 := to.Civil()
	n := (y2-y1)*12 + m2 - m1
	if d2 < d1 && d2 != pipeline.DaysIn(y2, m2) {
		n--
	}
	return n
}

// perUnit is a cost per unit: the cost in numerator, the units in
// denominator, and their quotient when there are units.
func (r *report) perUnit(id string, cost float64, units int) Figure {
	f := r.figure(id, UnitGBP)
	f.Numerator, f.Denominator = num(cost), num(float64(units))
	if units > 0 {
		f.Value = num(cost / float64(units))
	}
	return f
}

func (r *report) money(id string, v float64) Figure {
	f := r.figure(id, UnitGBP)
	f.Value = num(v)
	return f
}

// sustainedAt reports whether outcome o is due and sustained at n weeks.
func (r *report) sustainedAt(o Outcome, n int) bool {
	check := o.Date + pipeline.Days(week*n)
	return check+windowAfter <= r.end && r.statusAt(o.CarerID, check) == sustainedStatus
}

// evidencedYears is the years of outcome o evidenced at date t.
func (r *report) evidencedYears(o Outcome, t pipeline.Days) float64 {
	switch {
	case r.sustainedAt(o, yearWeeks) && o.Date+pipeline.Days(week*yearWeeks) <= t:
		return 1
	case r.sustainedAt(o, halfYearWeeks) && o.Date+pipeline.Days(week*halfYearWeeks) <= t:
		return 0.5
	}
	return 0
}

func (r *report) costFigures(cost float64, model *costmodel.Model) []Figure {
	from := r.fourQuartersStart()
	in4 := func(d pipeline.Days) bool { return from <= d && d <= r.end }
	supported := map[string]bool{}
	for _, s := range r.support {
		if in4(s.Date) {
			supported[s.CarerID] = true
		}
	}
	hard, sustained := 0, 0
	gross := 0.0
	for _, o := range r.outcomes {
		if r.codes.isHard[o.Code] && in4(o.Date) {
			hard++
		}
		var yearly float64
		switch {
		case r.codes.jobStart[o.Code]:
			yearly = model.JobStartYearlyGain.Value
		case r.codes.jobKept[o.Code]:
			yearly = model.JobKeptYearlyCost.Value
		default:
			continue
		}
		if in4(o.Date+pipeline.Days(week*halfYearWeeks)) && r.sustainedAt(o, halfYearWeeks) {
			sustained++
		}
		gross += (r.evidencedYears(o, r.end) - r.evidencedYears(o, from-1)) * yearly
	}
	figs := []Figure{
		r.perUnit("cost.per_carer_supported", cost, len(supported)),
		r.perUnit("cost.per_hard_outcome", cost, hard),
		r.perUnit("cost.per_sustained_job_w26", cost, sustained),
		r.money("savings.gross", gross),
	}
	var central float64
	for _, k := range []string{"low", "central", "high"} {
		factor, _ := model.NetFactor(k)
		figs = append(figs, r.money("savings.net."+k, gross*factor))
		if k == "central" {
			central = gross * factor
		}
	}
	f := r.figure("savings.ratio.central", UnitRatio)
	f.Numerator, f.Denominator = num(central), num(cost)
	if cost > 0 {
		f.Value = num(central / cost)
	}
	return append(figs, f)
}
