package metrics

import (
	"math"
	"slices"

	"github.com/carer-outcomes/carer-outcomes/costmodel"
	"github.com/carer-outcomes/carer-outcomes/pipeline"
	"github.com/carer-outcomes/carer-outcomes/pipeline/standard"
	"github.com/carer-outcomes/carer-outcomes/pipeline/stats"
)

// Units of the figures of sections 5 to 8.
const (
	UnitMeanChange = "mean_change"
	UnitGBP        = "gbp"
	UnitRatio      = "ratio"
	UnitDifference = "difference"
)

const (
	baselineWave = "BASELINE"
	minPairs     = 10 // paired changes with fewer pairs are not shown (section 5)
	// improvedCents is the rise in SWEMWBS metric score, in hundredths, that
	// counts as improved. Scores have two decimals, so comparing hundredths
	// keeps a rise of exactly 3.00 from being lost to rounding.
	improvedCents = 300
)

// ComputeMore returns the figures of metrics.md sections 5 to 8 for one
// quarter and one scope, in section order. It reads ds as Compute does, and
// model is the cost model of section 7 (nil for costmodel.Latest).
//
// It is separate from Compute so that the figures of sections 1 to 4, and
// their hand-worked fixture, stay as they are; a report shows both.
//
// Figures that metrics.md says are not shown are left out, not emitted
// empty: paired changes with fewer than 10 pairs, and the cost and savings
// figures of an organisation lacking a finance return for one of the four
// quarters (MissingFinance names them).
func ComputeMore(std *standard.Standard, ds Dataset, period pipeline.Period, scope string, model *costmodel.Model) ([]Figure, error) {
	c, err := codesOf(std)
	if err != nil {
		return nil, err
	}
	if err := checkScope(std, scope); err != nil {
		return nil, err
	}
	groups, err := referralGroups(std)
	if err != nil {
		return nil, err
	}
	if model == nil {
		if model, err = costmodel.Load(costmodel.Latest); err != nil {
			return nil, err
		}
	}
	r := newReport(c, ds, period, scope)
	var figs []Figure
	figs = append(figs, r.soft()...)
	figs = append(figs, r.experience(groups)...)
	figs = append(figs, costs(c, ds, period, scope, model)...)
	figs = append(figs, r.budgets()...)
	return figs, nil
}

func newReport(c *codes, ds Dataset, period pipeline.Period, scope string) *report {
	r := &report{
		codes:  c,
		scope:  scope,
		period: period,
		start:  pipeline.DaysOf(period.Start()),
		end:    pipeline.DaysOf(period.End()),
	}
	r.load(ds)
	return r
}

// fourQuartersStart is the first day of the four quarters ending with the
// report's quarter.
func (r *report) fourQuartersStart() pipeline.Days {
	return pipeline.DaysOf(firstOfFour(r.period).Start())
}

func firstOfFour(p pipeline.Period) pipeline.Period {
	q := pipeline.Period{Year: p.Year, Quarter: p.Quarter - 3}
	if q.Quarter < 1 {
		q.Quarter += 4
		q.Year--
	}
	return q
}

// later reports whether follow-up f comes after g: a later survey date, or
// on the same day the later row.
func later(f, g *Followup) bool {
	return f.Date > g.Date || f.Date == g.Date && laterRow(f.Return, f.Row, g.Return, g.Row)
}

// soft is metrics.md section 5.
func (r *report) soft() []Figure {
	carers := make([]string, 0, len(r.followups))
	for id := range r.followups {
		carers = append(carers, id)
	}
	slices.Sort(carers)
	var confidence, it, wellbeing []float64
	improved := 0
	for _, id := range carers {
		var base, last *Followup
		fs := r.followups[id]
		for i := range fs {
			f := &fs[i]
			switch {
			case f.Wave == baselineWave:
				base = f
			case last == nil || later(f, last):
				last = f
			}
		}
		if base == nil || last == nil {
			continue
		}
		if base.Confidence != nil && last.Confidence != nil {
			confidence = append(confidence, float64(*last.Confidence-*base.Confidence))
		}
		if base.ITSkills != nil && last.ITSkills != nil {
			it = append(it, float64(*last.ITSkills-*base.ITSkills))
		}
		if base.SWEMWBSMetric != nil && last.SWEMWBSMetric != nil {
			wellbeing = append(wellbeing, *last.SWEMWBSMetric-*base.SWEMWBSMetric)
			if math.Round(*last.SWEMWBSMetric*100)-math.Round(*base.SWEMWBSMetric*100) >= improvedCents {
				improved++
			}
		}
	}
	var figs []Figure
	for _, m := range []struct {
		id     string
		change []float64
	}{{"soft.confidence.change", confidence}, {"soft.it_skills.change", it}, {"soft.swemwbs.change", wellbeing}} {
		if len(m.change) < minPairs {
			continue
		}
		f := r.figure(m.id, UnitMeanChange)
		mean, lo, hi, n, ok := stats.MeanT(m.change)
		f.Denominator = num(float64(n))
		if ok {
			f.Value, f.CILow, f.CIHigh = num(mean), num(lo), num(hi)
		}
		figs = append(figs, f)
	}
	if len(wellbeing) >= minPairs {
		figs = append(figs, r.rate("soft.swemwbs.improved", improved, len(wellbeing)))
	}
	return figs
}
