package metrics

import (
	"slices"

	"github.com/carer-outcomes/carer-outcomes/pipeline"
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

// report is one computation: one scope (or subgroup of it) of an Index.
type report struct {
	*Index
	scope  string
	carers []int32 // the carers of the scope or subgroup, in pseudonym order
}

func (ix *Index) report(scope string) *report {
	return &report{Index: ix, scope: scope, carers: ix.carersOf(scope)}
}

// basic is sections 1 to 4.
func (r *report) basic() []Figure {
	t := r.newTally()
	r.each(func(c *carer) { r.add(t, c) })
	var figs []Figure
	figs = append(figs, r.reach(t)...)
	figs = append(figs, r.supportBreakdown()...)
	figs = append(figs, r.quarterOutcomes(t)...)
	figs = append(figs, r.cohortRates()...)
	figs = append(figs, r.sustained(t)...)
	return append(figs, r.responses()...)
}

// tally is the sums over carers behind sections 1 to 3 (all but the
// cohorts), which a scope and each of its subgroups add up alike.
type tally struct {
	registered, cumulative, supported, contacts, minutes, ooh, answered int
	byCode                                                              []int // carers with each hard outcome in the quarter
	anyHard                                                             int
	sustained                                                           [2][3][3]int // job starts, jobs kept × sustainedWeeks × status
}

func (r *report) newTally() *tally { return &tally{byCode: make([]int, len(r.codes.hard))} }

// add adds one carer to t.
func (r *report) add(t *tally, c *carer) {
	if r.registered(c) {
		t.cumulative++
		if r.inQuarter(c.reg) {
			t.registered++
		}
	}
	if c.contacts > 0 {
		t.supported++
	}
	t.contacts += c.contacts
	t.minutes += c.minutes
	t.ooh += c.ooh
	t.answered += c.oohAnswered
	var had uint64
	for i := range c.outcomes {
		o := &c.outcomes[i]
		if o.hard >= 0 && r.inQuarter(o.date) {
			had |= 1 << o.hard
		}
		if o.job < 0 {
			continue
		}
		for j, st := range o.status {
			if st != notDue {
				t.sustained[o.job][j][st]++
			}
		}
	}
	for i := range t.byCode {
		if had&(1<<i) != 0 {
			t.byCode[i]++
		}
	}
	if had != 0 {
		t.anyHard++
	}
}

// each calls fn for each carer of the report.
func (r *report) each(fn func(c *carer)) {
	for _, i := range r.carers {
		fn(&r.Index.carers[i])
	}
}

// registered reports whether a carer is registered on or before the
// report date: the carers that cohorts, reach and response rates count.
func (r *report) registered(c *carer) bool { return c.profile != nil && c.reg <= r.end }

func (r *report) inQuarter(d pipeline.Days) bool { return r.start <= d && d <= r.end }

func (r *report) figure(id string, unit Unit) Figure {
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
func (r *report) reach(t *tally) []Figure {
	return []Figure{
		r.count(ReachRegistered, t.registered),
		r.count(ReachRegisteredCumulative, t.cumulative),
		r.count(ReachSupported, t.supported),
		r.count(SupportContacts, t.contacts),
		r.count(SupportMinutes, t.minutes),
		r.rate(SupportOutsideOfficeHours, t.ooh, t.answered),
	}
}

// supportBreakdown is the rest of section 1: support contacts and minutes
// dated in the quarter by activity and by mode, as figures
// support.contacts.<column>.<code> and support.minutes.<column>.<code>.
// Every code of the standard is shown, and not_recorded for a column that
// may be left empty, so that each breakdown adds up to the totals. They
// count contacts, not carers, so they are not section 9's subgroups: an
// organisation's are suppressed in a consortium's report like its other
// figures, the consortium's are not.
func (r *report) supportBreakdown() []Figure {
	sum := map[Subgroup][2]int{}
	for org, by := range r.supportBy {
		if r.scope != Consortium && org != r.scope {
			continue
		}
		for k, n := range by {
			s := sum[k]
			sum[k] = [2]int{s[0] + n[0], s[1] + n[1]}
		}
	}
	var figs []Figure
	for _, b := range r.codes.supportBy {
		values := slices.Clone(b.codes)
		if b.optional {
			values = append(values, notRecordedCode)
		}
		var others []string // codes the standard no longer lists
		for k := range sum {
			if k.Dimension == b.column && !slices.Contains(values, k.Value) {
				others = append(others, k.Value)
			}
		}
		slices.Sort(others)
		for _, v := range append(values, others...) {
			n := sum[Subgroup{Dimension: b.column, Value: v}]
			figs = append(figs,
				r.count(ID(SupportContacts, b.column, v), n[0]),
				r.count(ID(SupportMinutes, b.column, v), n[1]))
		}
	}
	return figs
}

// cohort is the carers registered in one quarter, within a report.
type cohort struct {
	quarter pipeline.Period
	members []*carer
	latest  pipeline.Days // the latest registration of a member
}

// cohorts groups the report's registered carers by the quarter of their
// registration, in quarter order.
func (r *report) cohorts() []*cohort {
	by := map[pipeline.Period]*cohort{}
	var out []*cohort
	r.each(func(c *carer) {
		if !r.registered(c) {
			return
		}
		q := pipeline.PeriodOf(c.reg.Time())
		k := by[q]
		if k == nil {
			k = &cohort{quarter: q}
			by[q] = k
			out = append(out, k)
		}
		k.members = append(k.members, c)
		k.latest = max(k.latest, c.reg)
	})
	slices.SortFunc(out, func(a, b *cohort) int {
		return a.quarter.Compare(b.quarter)
	})
	return out
}

// shown reports whether a cohort is shown at n weeks: every member's
// registration + n weeks is on or before the report date.
func (r *report) shown(k *cohort, weeks int) bool {
	return k.latest+pipeline.Days(week*weeks) <= r.end
}

// quarterOutcomes is the first part of metrics.md section 2: carers with
// each hard outcome in the quarter.
func (r *report) quarterOutcomes(t *tally) []Figure {
	var figs []Figure
	for i, code := range r.codes.hard {
		figs = append(figs, r.count(ID(OutcomesQuarter, code), t.byCode[i]))
	}
	return append(figs, r.count(OutcomesAnyHard, t.anyHard))
}

// cohortRates is the second part of metrics.md section 2: each cohort's
// hard-outcome rate at 26 and 52 weeks.
func (r *report) cohortRates() []Figure {
	var figs []Figure
	cohorts := r.cohorts()
	for _, n := range cohortWeeks() {
		for _, k := range cohorts {
			if !r.shown(k, n) {
				continue
			}
			hit := 0
			for _, c := range k.members {
				if r.hardWithin(c, n) {
					hit++
				}
			}
			f := r.rate(ID(HardOutcomeRate, Weeks(n)), hit, len(k.members))
			f.Cohort = k.quarter.String()
			figs = append(figs, f)
		}
	}
	return figs
}

// hardWithin reports whether a registered carer has a hard outcome dated
// from their registration to n weeks after it.
func (r *report) hardWithin(c *carer, weeks int) bool {
	from := c.reg
	to := from + pipeline.Days(week*weeks)
	for _, o := range c.outcomes {
		if o.hard >= 0 && from <= o.date && o.date <= to {
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

// The two kinds of work outcome that section 3 follows, as indexes of
// tally.sustained and jobKinds.
const (
	jobStart = iota
	jobKept
)

// jobKinds are the kinds' prefixes of figure ids.
func jobKinds() []string { return []string{jobStart: SustainedStarts, jobKept: SustainedKept} }

// sustained is metrics.md section 3.
func (r *report) sustained(t *tally) []Figure {
	var figs []Figure
	for k, kind := range jobKinds() {
		for j, n := range sustainedWeeks() {
			by := t.sustained[k][j]
			counts := map[string]int{
				CountDue:          by[sustainedStatus] + by[notSustainedStatus] + by[unknownStatus],
				CountSustained:    by[sustainedStatus],
				CountNotSustained: by[notSustainedStatus],
				CountUnknown:      by[unknownStatus],
			}
			f := r.rate(ID(kind, Weeks(n)), counts[CountSustained], counts[CountSustained]+counts[CountNotSustained])
			if counts[CountDue] > 0 {
				f.LowerBound = num(float64(counts[CountSustained]) / float64(counts[CountDue]))
			}
			f.Counts = counts
			figs = append(figs, f)
		}
	}
	return figs
}

// responses is metrics.md section 4.
func (r *report) responses() []Figure {
	var figs []Figure
	for i, w := range r.codes.waves {
		due, responded := 0, 0
		r.each(func(c *carer) {
			if !r.registered(c) || c.profile.ConsentFollowup != yes || c.reg+pipeline.Days(week*w.weeks+responseGrace) > r.end {
				return
			}
			due++
			if c.waves&(1<<i) != 0 {
				responded++
			}
		})
		figs = append(figs, r.rate(ID(FollowupResponse, w.code), responded, due))
	}
	return figs
}
