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
// some row but lack a finance return for one of the four quarters ending
// with the index's quarter: their cost and savings figures are not shown
// and the consortium's leave them out, which the report must say.
func (ix *Index) MissingFinance(scope string) []string {
	_, missing := ix.financeComplete(scope)
	return missing
}

// financeComplete splits the organisations in scope into those with a
// finance return for each of the four quarters and those without.
func (ix *Index) financeComplete(scope string) (complete, missing []string) {
	for org := range ix.orgs {
		if scope != Consortium && org != scope {
			continue
		}
		ok := true
		for q, i := firstOfFour(ix.period), 0; i < 4; q, i = q.Next(), i+1 {
			_, has := ix.finance[org][q]
			ok = ok && has
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

// addFinance keeps one finance row per organisation and quarter, the
// later row, for returns up to period.
func addFinance(to map[string]map[pipeline.Period]Finance, f Finance, period pipeline.Period) {
	if laterRow(f.Return, 0, period, 0) {
		return
	}
	if to[f.Org] == nil {
		to[f.Org] = map[pipeline.Period]Finance{}
	}
	if g, ok := to[f.Org][f.Return]; !ok || f.Row >= g.Row {
		to[f.Org][f.Return] = f
	}
}

// costs is metrics.md section 7: the cost and savings figures over the
// organisations with every finance return of the four quarters, then the
// funding runway of an organisation's latest finance return (shown even when
// a return is missing, since it does not depend on the four quarters; the
// consortium has none).
func (r *report) costs(model *costmodel.Model) []Figure {
	var figs []Figure
	if complete, _ := r.financeComplete(r.scope); len(complete) > 0 {
		cost := 0.0
		for _, org := range complete {
			for q, i := firstOfFour(r.period), 0; i < 4; q, i = q.Next(), i+1 {
				cost += r.finance[org][q].DeliveryCost
			}
		}
		in := &report{Index: r.Index, scope: r.scope}
		for _, i := range r.carers {
			if slices.Contains(complete, r.Index.carers[i].org) {
				in.carers = append(in.carers, i)
			}
		}
		figs = in.costFigures(cost, model)
	}
	if r.scope != Consortium {
		var last *Finance
		for q, f := range r.finance[r.scope] {
			if last == nil || laterRow(q, 0, last.Return, 0) {
				f := f
				last = &f
			}
		}
		if last != nil && last.FundingSecuredUntil != nil {
			figs = append(figs, r.count(FundingRunwayMonths, wholeMonths(r.end, *last.FundingSecuredUntil)))
		}
	}
	return figs
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

// sustainedAt reports whether outcome o is due and sustained at n weeks
// (one of sustainedWeeks).
func sustainedAt(o *outcome, weeks int) bool {
	j := slices.Index(sustainedWeeks(), weeks)
	return j >= 0 && o.status[j] == sustainedStatus
}

// evidencedYears is the years of outcome o evidenced at date t.
func evidencedYears(o *outcome, t pipeline.Days) float64 {
	switch {
	case sustainedAt(o, yearWeeks) && o.date+pipeline.Days(week*yearWeeks) <= t:
		return 1
	case sustainedAt(o, halfYearWeeks) && o.date+pipeline.Days(week*halfYearWeeks) <= t:
		return 0.5
	}
	return 0
}

func (r *report) costFigures(cost float64, model *costmodel.Model) []Figure {
	in4 := func(d pipeline.Days) bool { return r.from <= d && d <= r.end }
	supported, hard, sustained := 0, 0, 0
	gross := 0.0
	r.each(func(c *carer) {
		if c.supportedYear {
			supported++
		}
		for i := range c.outcomes {
			o := &c.outcomes[i]
			if o.hard >= 0 && in4(o.date) {
				hard++
			}
			var yearly float64
			switch o.job {
			case jobStart:
				yearly = model.JobStartYearlyGain.Value
			case jobKept:
				yearly = model.JobKeptYearlyCost.Value
			default:
				continue
			}
			if in4(o.date+pipeline.Days(week*halfYearWeeks)) && sustainedAt(o, halfYearWeeks) {
				sustained++
			}
			gross += (evidencedYears(o, r.end) - evidencedYears(o, r.from-1)) * yearly
		}
	})
	figs := []Figure{
		r.perUnit(CostPerCarerSupported, cost, supported),
		r.perUnit(CostPerHardOutcome, cost, hard),
		r.perUnit(CostPerSustainedJobW26, cost, sustained),
		r.money(SavingsGross, gross),
	}
	var central float64
	for _, k := range []string{"low", "central", "high"} {
		factor, _ := model.NetFactor(k)
		figs = append(figs, r.money(ID(SavingsNet, k), gross*factor))
		if k == "central" {
			central = gross * factor
		}
	}
	f := r.figure(SavingsRatioCentral, UnitRatio)
	f.Numerator, f.Denominator = num(central), num(cost)
	if cost > 0 {
		f.Value = num(central / cost)
	}
	return append(figs, f)
}
