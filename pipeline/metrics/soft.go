package metrics

import (
	"github.com/carer-outcomes/carer-outcomes/costmodel"
	"github.com/carer-outcomes/carer-outcomes/pipeline"
	"github.com/carer-outcomes/carer-outcomes/pipeline/standard"
	"github.com/carer-outcomes/carer-outcomes/pipeline/stats"
)

const (
	baselineWave = "BASELINE"
	minPairs     = 10 // paired changes with fewer pairs are not shown (section 5)
	// improvedCents is the rise in SWEMWBS metric score, in hundredths, that
	// counts as improved. Scores have two decimals, so comparing hundredths
	// keeps a rise of exactly 3.00 from being lost to rounding.
	improvedCents = 300
)

// more is sections 5 to 8.
func (r *report) more(model *costmodel.Model) []Figure {
	var figs []Figure
	figs = append(figs, r.soft()...)
	figs = append(figs, r.experience()...)
	figs = append(figs, r.costs(model)...)
	return append(figs, r.budgets()...)
}

// Figures returns every figure of metrics.md sections 1 to 8 for one scope
// (an organisation code or Consortium), in section order. model is the cost
// model of section 7.
//
// Figures that metrics.md says are not shown are left out, not emitted
// empty: paired changes with fewer than 10 pairs, and the cost and savings
// figures of an organisation lacking a finance return for one of the four
// quarters (MissingFinance names them).
func (ix *Index) Figures(std *standard.Standard, scope string, model *costmodel.Model) ([]Figure, error) {
	if err := checkScope(std, scope); err != nil {
		return nil, err
	}
	if model == nil {
		return nil, pipeline.Errorf(pipeline.Invalid, "metrics: no cost model")
	}
	r := ix.report(scope)
	return append(r.basic(), r.more(model)...), nil
}

func firstOfFour(p pipeline.Period) pipeline.Period {
	return p.Prev().Prev().Prev()
}

// later reports whether follow-up f comes after g: a later survey date, or
// on the same day the one that came later (laterFollowup).
func later(f, g *Followup) bool {
	return f.Date > g.Date || f.Date == g.Date && laterFollowup(f, g)
}

// soft is metrics.md section 5.
func (r *report) soft() []Figure {
	var confidence, it, wellbeing []float64
	improved := 0
	r.each(func(c *carer) {
		if c.confidence != nil {
			confidence = append(confidence, *c.confidence)
		}
		if c.itSkills != nil {
			it = append(it, *c.itSkills)
		}
		if c.wellbeing != nil {
			wellbeing = append(wellbeing, *c.wellbeing)
			if c.improved {
				improved++
			}
		}
	})
	var figs []Figure
	for _, m := range []struct {
		id     string
		change []float64
	}{{SoftConfidenceChange, confidence}, {SoftITSkillsChange, it}, {SoftSWEMWBSChange, wellbeing}} {
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
		figs = append(figs, r.rate(SoftSWEMWBSImproved, improved, len(wellbeing)))
	}
	return figs
}
