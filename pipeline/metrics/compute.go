package metrics

import (
	"cmp"
	"slices"
	"strconv"

	"github.com/carer-outcomes/carer-outcomes/pipeline"
	"github.com/carer-outcomes/carer-outcomes/pipeline/standard"
	"github.com/carer-outcomes/carer-outcomes/pipeline/stats"
)

// Lengths of time that metrics.md fixes, in days.
const (
	week          = 7
	windowBefore  = 28 // days before a check point that a window starts
	windowAfter   = 56 // days after a check point that a window ends
	responseGrace = 56 // days after a wave is due that a reply may arrive
)

// Answers of a yes/no column.
const (
	yes = "Y"
	no  = "N"
)

// cohortWeeks are the weeks after registration at which cohort hard-outcome
// rates are shown (metrics.md section 2).
func cohortWeeks() []int { return []int{26, 52} }

// sustainedWeeks are the weeks after a job start or kept job at which it is
// checked for being sustained (metrics.md section 3).
func sustainedWeeks() []int { return []int{13, 26, 52} }

// report is one computation: one quarter, one scope.
type report struct {
	codes      *codes
	scope      string
	period     pipeline.Period
	start, end pipeline.Days // the quarter's first and last day; end is the report date

	carers    []Carer // profiles registered on or before the report date
	support   []Support
	outcomes  []Outcome // deduplicated, dated on or before the report date
	followups map[string][]Followup
	byCarer   map[string][]Outcome
}

// Compute returns the figures of metrics.md sections 1 to 4 for one quarter
// and one scope (an organisation code or Consortium), in section order.
//
// It uses every row of ds: choosing which returns a report reads is the
// caller's business. Rows dated after the report date are left out before
// anything else, so that the figures are those known on that date.
func Compute(std *standard.Standard, ds Dataset, period pipeline.Period, scope string) ([]Figure, error) {
	c, err := codesOf(std)
	if err != nil {
		return nil, err
	}
	if err := checkScope(std, scope); err != nil {
		return nil, err
	}
	r := &report{
		codes:  c,
		scope:  scope,
		period: period,
		start:  pipeline.DaysOf(period.Start()),
		end:    pipeline.DaysOf(period.End()),
	}
	r.load(ds)
	var figs []Figure
	figs = append(figs, r.reach()...)
	figs = append(figs, r.hardOutcomes()...)
	figs = append(figs, r.sustained()...)
	figs = append(figs, r.responses()...)
	return figs, nil
}

func (r *report) load(ds Dataset) {
	for _, p := range profiles(inScope(ds.Carers, r.scope, func(c Carer) string { return c.Org })) {
		if p.Registered <= r.end {
			r.carers = append(r.carers, p)
		}
	}
	r.support = inScope(ds.Support, r.scope, func(s Support) string { return s.Org })
	var outcomes []Outcome
	for _, o := range inScope(ds.Outcomes, r.scope, func(o Outcome) string { return o.Org }) {
		if o.Date <= r.end {
			outcomes = append(outcomes, o)
		}
	}
	r.outcomes = dedupeOutcomes(outcomes)
	r.byCarer = map[string][]Outcome{}
	for _, o := range r.outcomes {
		r.byCarer[o.CarerID] = append(r.byCarer[o.CarerID], o)
	}
	var followups []Followup
	for _, f := range inScope(ds.Followups, r.scope, func(f Followup) string { return f.Org }) {
		if f.Date <= r.end {
			followups = append(followups, f)
		}
	}
	r.followups = map[string][]Followup{}
	for _, f := range dedupeFollowups(followups) {
		r.followups[f.CarerID] = append(r.followups[f.CarerID], f)
	}
}

func (r *report) inQuarter(d pipeline.Days) bool { return r.start <= d && d <= r.end }

func (r *report) figure(id, unit string) Figure {
	return Figure{ID: id, Scope: r.scope, Period: r.period.String(), Unit: unit}
}

func (r *report) count(id string, n int) Figure {
	f := r.figure(id, UnitCount)
	f.Value = num(float64(n))
	return f
}

// rate is x out of n with its Wilson interval; with n = 0 it has no value.
func (r *report) rate(id string, x, n int) Figure {
	f := r.figure(id, UnitRate)
	f.Numerator, f.Denominator = num(float64(x)), num(float64(n))
	if n > 0 {
		f.Value = num(float64(x) / float64(n))
		f.CILow, f.CIHigh = interval(x, n)
	}
	return f
}

// interval is the 95% Wilson score interval of x out of n, or none.
func interval(x, n int) (lo, hi *float64) {
	l, h, ok := stats.Wilson(x, n)
	if !ok {
		return nil, nil
	}
	return num(l), num(h)
}

func num(v float64) *float64 { return &v }

// reach is metrics.md section 1.
func (r *report) reach() []Figure {
	registered := 0
	for _, p := range r.carers {
		if r.inQuarter(p.Registered) {
			registered++
		}
	}
	supported := map[string]bool{}
	contacts, minutes, ooh, answered := 0, 0, 0, 0
	for _, s := range r.support {
		if !r.inQuarter(s.Date) {
			continue
		}
		supported[s.CarerID] = true
		contacts++
		minutes += s.Minutes
		switch s.OutsideOfficeHours {
		case yes:
			ooh++
			answered++
		case no:
			answered++
		}
	}
	return []Figure{
		r.count("reach.registered", registered),
		r.count("reach.registered_cumulative", len(r.carers)),
		r.count("reach.supported", len(supported)),
		r.count("support.contacts", contacts),
		r.count("support.minutes", minutes),
		r.rate("support.outside_office_hours", ooh, answered),
	}
}

// hardOutcomes is metrics.md section 2.
func (r *report) hardOutcomes() []Figure {
	byCode := map[string]map[string]bool{}
	anyHard := map[string]bool{}
	for _, o := range r.outcomes {
		if !r.codes.isHard[o.Code] || !r.inQuarter(o.Date) {
			continue
		}
		if byCode[o.Code] == nil {
			byCode[o.Code] = map[string]bool{}
		}
		byCode[o.Code][o.CarerID] = true
		anyHard[o.CarerID] = true
	}
	var figs []Figure
	for _, code := range r.codes.hard {
		figs = append(figs, r.count("outcomes.quarter."+code, len(byCode[code])))
	}
	figs = append(figs, r.count("outcomes.quarter.any_hard", len(anyHard)))

	cohorts := map[pipeline.Period][]Carer{}
	for _, p := range r.carers {
		q := pipeline.PeriodOf(p.Registered.Time())
		cohorts[q] = append(cohorts[q], p)
	}
	quarters := make([]pipeline.Period, 0, len(cohorts))
	for q := range cohorts {
		quarters = append(quarters, q)
	}
	slices.SortFunc(quarters, func(a, b pipeline.Period) int {
		return cmp.Or(cmp.Compare(a.Year, b.Year), cmp.Compare(a.Quarter, b.Quarter))
	})
	for _, n := range cohortWeeks() {
		days := pipeline.Days(week * n)
		for _, q := range quarters {
			members := cohorts[q]
			complete := true
			hit := 0
			for _, p := range members {
				if p.Registered+days > r.end {
					complete = false
					break
				}
				if r.hardBetween(p.ID, p.Registered, p.Registered+days) {
					hit++
				}
			}
			if !complete {
				continue
			}
			f := r.rate("hard_outcome_rate.w"+strconv.Itoa(n), hit, len(members))
			f.Cohort = q.String()
			figs = append(figs, f)
		}
	}
	return figs
}

func (r *report) hardBetween(carer string, from, to pipeline.Days) bool {
	for _, o := range r.byCarer[carer] {
		if r.codes.isHard[o.Code] && from <= o.Date && o.Date <= to {
			return true
		}
	}
	return false
}

// Kinds of employment at a check point.
const (
	sustainedStatus = iota
	notSustainedStatus
	unknownStatus
)

// sustained is metrics.md section 3.
func (r *report) sustained() []Figure {
	kinds := []struct {
		name string
		is   map[string]bool
	}{{"starts", r.codes.jobStart}, {"kept", r.codes.jobKept}}
	var figs []Figure
	for _, k := range kinds {
		for _, n := range sustainedWeeks() {
			counts := map[string]int{"due": 0, "sustained": 0, "not_sustained": 0, "unknown": 0}
			for _, o := range r.outcomes {
				if !k.is[o.Code] {
					continue
				}
				check := o.Date + pipeline.Days(week*n)
				if check+windowAfter > r.end {
					continue
				}
				counts["due"]++
				switch r.statusAt(o.CarerID, check) {
				case sustainedStatus:
					counts["sustained"]++
				case notSustainedStatus:
					counts["not_sustained"]++
				default:
					counts["unknown"]++
				}
			}
			f := r.rate("sustained."+k.name+".w"+strconv.Itoa(n), counts["sustained"], counts["sustained"]+counts["not_sustained"])
			if counts["due"] > 0 {
				f.LowerBound = num(float64(counts["sustained"]) / float64(counts["due"]))
			}
			f.Counts = counts
			figs = append(figs, f)
		}
	}
	return figs
}

// statusAt classifies the carer's follow-up nearest the check point within
// its window; on a tie the later one, and on the same day the later row.
func (r *report) statusAt(carer string, check pipeline.Days) int {
	var best *Followup
	bestDist := pipeline.Days(0)
	fs := r.followups[carer]
	for i := range fs {
		f := &fs[i]
		if f.Date < check-windowBefore || f.Date > check+windowAfter {
			continue
		}
		dist := f.Date - check
		if dist < 0 {
			dist = -dist
		}
		switch {
		case best == nil, dist < bestDist:
		case dist == bestDist && (f.Date > best.Date || f.Date == best.Date && laterRow(f.Return, f.Row, best.Return, best.Row)):
		default:
			continue
		}
		best, bestDist = f, dist
	}
	switch {
	case best == nil || !r.codes.knownWork[best.EmploymentStatus]:
		return unknownStatus
	case r.codes.inWork[best.EmploymentStatus]:
		return sustainedStatus
	}
	return notSustainedStatus
}

// responses is metrics.md section 4.
func (r *report) responses() []Figure {
	answered := map[[2]string]bool{}
	for carer, fs := range r.followups {
		for _, f := range fs {
			answered[[2]string{carer, f.Wave}] = true
		}
	}
	var figs []Figure
	for _, w := range r.codes.waves {
		due, responded := 0, 0
		for _, p := range r.carers {
			if p.ConsentFollowup != yes || p.Registered+pipeline.Days(week*w.weeks+responseGrace) > r.end {
				continue
			}
			due++
			if answered[[2]string{p.ID, w.code}] {
				responded++
			}
		}
		figs = append(figs, r.rate("followup.response."+w.code, responded, due))
	}
	return figs
}
