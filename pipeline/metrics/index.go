package metrics

import (
	"cmp"
	"math"
	"slices"

	"github.com/carer-outcomes/carer-outcomes/pipeline"
	"github.com/carer-outcomes/carer-outcomes/pipeline/standard"
)

// Index is a Dataset prepared once for the figures of one quarter: every
// row is read once and folded into its carer, and everything a figure needs
// of a carer that does not depend on the scope (the profile, the
// deduplicated outcomes and whether each is sustained, the soft-outcome
// pair, the latest experience answers, the support in the quarter) is worked
// out then. A scope or subgroup is then a list of carers, and its figures
// are sums over that list.
//
// This is what keeps a consortium's report (its own figures, every
// organisation's and every subgroup's, about a hundred computations) to
// one pass over the rows rather than one pass per computation.
//
// A carer is an organisation and a pseudonym: the pseudonym is keyed by the
// organisation's code (data standard: carer_id), so the same carer never
// appears under two organisations.
type Index struct {
	codes      *codes
	groups     map[string]string // referral_source → referral group
	period     pipeline.Period
	start, end pipeline.Days // the quarter's first and last day; end is the report date
	from       pipeline.Days // the first day of the four quarters

	carers []carer
	order  []int32            // carers in pseudonym order, then organisation
	byOrg  map[string][]int32 // each organisation's carers, in pseudonym order

	orgs    map[string]bool // every organisation with any row
	finance map[string]map[pipeline.Period]Finance
	// support dated in the quarter by organisation, then by activity and
	// by mode (section 1): contacts and minutes.
	supportBy map[string]map[Subgroup]*[2]int
}

// carer is what the figures need of one carer for the Index's quarter.
type carer struct {
	id, org string
	profile *Carer        // nil when the carer has no carers row
	reg     pipeline.Days // the profile's registration date, kept here for the many checks of it
	latest  struct {
		ret pipeline.Period
		row int
	} // the row the profile's fields come from
	band struct {
		set bool
		reg pipeline.Days
		ret pipeline.Period
		row int
	} // the row the profile's age band comes from

	// Support dated in the quarter, and whether any is dated in the four
	// quarters.
	contacts, minutes, ooh, oohAnswered int
	supportedYear                       bool

	outcomes []outcome // deduplicated, dated on or before the report date

	// Derived from the follow-ups dated on or before the report date.
	waves                        uint64 // bit i: answered codes.waves[i]
	confidence                   *float64
	itSkills                     *float64
	wellbeing                    *float64 // change in SWEMWBS metric score
	improved                     bool
	timesSuited, staffUnderstood string // latest Y or N in the four quarters; "" for none

	followups []Followup // while building: the follow-ups dated on or before the report date
}

// outcome is one deduplicated outcome with its sustained status at 13, 26
// and 52 weeks (notDue when its window has not closed by the report date).
type outcome struct {
	date   pipeline.Days
	code   string
	hard   int8 // index in codes.hard, or -1
	job    int8 // jobStart, jobKept or -1
	status [3]int8
}

const notDue = -1

// NewIndex prepares ds for the figures of period: an Indexer given all of
// ds at once.
func NewIndex(std *standard.Standard, ds Dataset, period pipeline.Period) (*Index, error) {
	x, err := NewIndexer(std, period)
	if err != nil {
		return nil, err
	}
	x.Add(ds)
	return x.Index(), nil
}

// Indexer builds an Index from rows given in batches, in any order, so that
// a reader of the lake can hand over one file's rows at a time and never
// hold them all: it keeps no row it is given, only copies of what the
// figures need. It uses every row: choosing which returns a report reads is
// the caller's business. Rows dated after the report date are left out, so
// that the figures are those known on that date.
type Indexer struct {
	ix *Index
	at map[carerKey]int32
}

type carerKey struct{ org, id string }

// NewIndexer starts an Index of the figures of period.
func NewIndexer(std *standard.Standard, period pipeline.Period) (*Indexer, error) {
	c, err := codesOf(std)
	if err != nil {
		return nil, err
	}
	groups, err := referralGroups(std)
	if err != nil {
		return nil, err
	}
	if len(c.waves) > 64 || len(c.hard) > 64 {
		return nil, pipeline.Errorf(pipeline.Invalid, "metrics: the standard has %d follow-up waves and %d hard outcomes, at most 64 of each are supported", len(c.waves), len(c.hard))
	}
	return &Indexer{
		ix: &Index{
			codes:     c,
			groups:    groups,
			period:    period,
			start:     pipeline.DaysOf(period.Start()),
			end:       pipeline.DaysOf(period.End()),
			from:      pipeline.DaysOf(firstOfFour(period).Start()),
			orgs:      map[string]bool{},
			finance:   map[string]map[pipeline.Period]Finance{},
			supportBy: map[string]map[Subgroup]*[2]int{},
		},
		at: map[carerKey]int32{},
	}, nil
}

// Add folds a batch of rows into the index. It keeps nothing of ds itself.
func (x *Indexer) Add(ds Dataset) {
	for i := range ds.Carers {
		x.addCarer(&ds.Carers[i])
	}
	for i := range ds.Support {
		x.addSupport(&ds.Support[i])
	}
	for i := range ds.Outcomes {
		x.addOutcome(&ds.Outcomes[i])
	}
	for i := range ds.Followups {
		f := ds.Followups[i]
		if c := x.carer(f.Org, f.CarerID); f.Date <= x.ix.end {
			f.CarerID, f.Org = "", "" // the carer's own
			c.followups = append(c.followups, f)
		}
	}
	for _, f := range ds.Finance {
		x.ix.orgs[f.Org] = true
		addFinance(x.ix.finance, f, x.ix.period)
	}
}

// Index settles what depends on every row of a carer and returns the
// index; the Indexer is spent.
func (x *Indexer) Index() *Index {
	ix := x.ix
	for i := range ix.carers {
		ix.settle(&ix.carers[i])
	}
	ix.sort()
	x.ix, x.at = nil, nil
	return ix
}

func (x *Indexer) carer(org, id string) *carer {
	k := carerKey{org, id}
	i, ok := x.at[k]
	if !ok {
		i = int32(len(x.ix.carers))
		x.at[k] = i
		x.ix.carers = append(x.ix.carers, carer{id: id, org: org})
		x.ix.orgs[org] = true
	}
	return &x.ix.carers[i]
}

// addCarer applies metrics.md section 0: the earliest registration date
// across a carer's rows stands, every other field comes from their latest
// row.
func (x *Indexer) addCarer(r *Carer) {
	c := x.carer(r.Org, r.ID)
	if c.profile == nil {
		p := *r
		c.profile = &p
		c.latest.ret, c.latest.row = r.Return, r.Row
	} else {
		registered := min(c.profile.Registered, r.Registered)
		band := c.profile.AgeBand
		if !laterRow(c.latest.ret, c.latest.row, r.Return, r.Row) {
			*c.profile = *r
			c.latest.ret, c.latest.row = r.Return, r.Row
		}
		c.profile.Registered, c.profile.AgeBand = registered, band
	}
	// The age band is the age at the earliest registration (metrics.md
	// section 0). The lake keeps only each row's band, worked out at that
	// row's own registration date (the date of birth is not stored), so
	// the band stands of the earliest-registered row that has one; on the
	// same date, the later row's.
	if r.AgeBand != "" && (!c.band.set || r.Registered < c.band.reg ||
		r.Registered == c.band.reg && laterRow(r.Return, r.Row, c.band.ret, c.band.row)) {
		c.band.set, c.band.reg, c.band.ret, c.band.row = true, r.Registered, r.Return, r.Row
		c.profile.AgeBand = r.AgeBand
	}
}

func (x *Indexer) addSupport(s *Support) {
	ix := x.ix
	c := x.carer(s.Org, s.CarerID)
	if s.Date < ix.from || s.Date > ix.end {
		return
	}
	c.supportedYear = true
	if s.Date < ix.start {
		return
	}
	c.contacts++
	c.minutes += s.Minutes
	by := ix.supportBy[s.Org]
	if by == nil {
		by = map[Subgroup]*[2]int{}
		ix.supportBy[s.Org] = by
	}
	for _, b := range ix.codes.supportBy {
		k := Subgroup{Dimension: b.column, Value: b.value(s)}
		if k.Value == "" {
			k.Value = notRecordedCode
		}
		n := by[k]
		if n == nil {
			n = new([2]int)
			by[k] = n
		}
		n[0]++
		n[1] += s.Minutes
	}
	switch s.OutsideOfficeHours {
	case yes:
		c.ooh++
		c.oohAnswered++
	case no:
		c.oohAnswered++
	}
}

// addOutcome keeps one outcome per carer, code and date (metrics.md
// section 0), the first met.
func (x *Indexer) addOutcome(o *Outcome) {
	c := x.carer(o.Org, o.CarerID)
	if o.Date > x.ix.end {
		return
	}
	for _, k := range c.outcomes {
		if k.date == o.Date && k.code == o.Code {
			return
		}
	}
	c.outcomes = append(c.outcomes, outcome{date: o.Date, code: o.Code})
}

// settle works out what depends on a carer's follow-ups, once all rows are
// in, and drops the follow-ups.
func (ix *Index) settle(c *carer) {
	if c.profile != nil {
		c.reg = c.profile.Registered
	}
	fs := dedupeFollowups(c.followups)
	for i := range c.outcomes {
		o := &c.outcomes[i]
		o.hard = int8(slices.Index(ix.codes.hard, o.code))
		switch {
		case ix.codes.jobStart[o.code]:
			o.job = jobStart
		case ix.codes.jobKept[o.code]:
			o.job = jobKept
		default:
			o.job = -1
		}
		for j, n := range sustainedWeeks() {
			check := o.date + pipeline.Days(week*n)
			if check+windowAfter > ix.end {
				o.status[j] = notDue
				continue
			}
			o.status[j] = int8(statusAt(ix.codes, fs, check))
		}
	}
	var base, last *Followup
	for _, f := range fs {
		for i, w := range ix.codes.waves {
			if f.Wave == w.code {
				c.waves |= 1 << i
			}
		}
		switch {
		case f.Wave == baselineWave:
			base = f
		case last == nil || later(f, last):
			last = f
		}
	}
	if base != nil && last != nil {
		if base.Confidence != nil && last.Confidence != nil {
			c.confidence = num(float64(*last.Confidence - *base.Confidence))
		}
		if base.ITSkills != nil && last.ITSkills != nil {
			c.itSkills = num(float64(*last.ITSkills - *base.ITSkills))
		}
		if base.SWEMWBSMetric != nil && last.SWEMWBSMetric != nil {
			c.wellbeing = num(*last.SWEMWBSMetric - *base.SWEMWBSMetric)
			c.improved = math.Round(*last.SWEMWBSMetric*100)-math.Round(*base.SWEMWBSMetric*100) >= improvedCents
		}
	}
	c.timesSuited = ix.latestAnswer(fs, func(f *Followup) string { return f.TimesSuited })
	c.staffUnderstood = ix.latestAnswer(fs, func(f *Followup) string { return f.StaffUnderstood })
	c.followups = nil
}

// latestAnswer is the answer of the carer's latest follow-up dated in the
// four quarters that answered Y or N (metrics.md section 6).
func (ix *Index) latestAnswer(fs []*Followup, answer func(*Followup) string) string {
	if last := ix.latestAnswered(fs, answer); last != nil {
		return answer(last)
	}
	return ""
}

// latestAnswered is the follow-up latestAnswer reads, or nil.
func (ix *Index) latestAnswered(fs []*Followup, answer func(*Followup) string) *Followup {
	var last *Followup
	for _, f := range fs {
		if f.Date < ix.from || f.Date > ix.end {
			continue
		}
		if a := answer(f); a != yes && a != no {
			continue
		}
		if last == nil || later(f, last) {
			last = f
		}
	}
	return last
}

// dedupeFollowups keeps one follow-up per wave of one carer: the one that
// came later (laterFollowup).
func dedupeFollowups(all []Followup) []*Followup {
	out := make([]*Followup, 0, len(all))
next:
	for i := range all {
		f := &all[i]
		for j, g := range out {
			if g.Wave == f.Wave {
				if laterFollowup(f, g) {
					out[j] = f
				}
				continue next
			}
		}
		out = append(out, f)
	}
	return out
}

// sort orders the carers by pseudonym (then organisation), so that figures
// summing floating-point values add them in the same order every time.
func (ix *Index) sort() {
	ix.order = make([]int32, len(ix.carers))
	for i := range ix.order {
		ix.order[i] = int32(i)
	}
	slices.SortFunc(ix.order, func(a, b int32) int {
		x, y := &ix.carers[a], &ix.carers[b]
		return cmp.Or(cmp.Compare(x.id, y.id), cmp.Compare(x.org, y.org))
	})
	ix.byOrg = map[string][]int32{}
	for _, i := range ix.order {
		org := ix.carers[i].org
		ix.byOrg[org] = append(ix.byOrg[org], i)
	}
}

// carersOf returns the carers of a scope, in pseudonym order.
func (ix *Index) carersOf(scope string) []int32 {
	if scope == Consortium {
		return ix.order
	}
	return ix.byOrg[scope]
}

// statusAt classifies the follow-up nearest the check point within its
// window (nearest).
func statusAt(c *codes, fs []*Followup, check pipeline.Days) int {
	best := nearest(fs, check)
	switch {
	case best == nil || !c.knownWork[best.EmploymentStatus]:
		return unknownStatus
	case c.inWork[best.EmploymentStatus]:
		return sustainedStatus
	}
	return notSustainedStatus
}

// nearest is the follow-up nearest the check point within its window; on a
// tie the later one, and on the same day the later row. Nil when there is
// none.
func nearest(fs []*Followup, check pipeline.Days) *Followup {
	var best *Followup
	bestDist := pipeline.Days(0)
	for _, f := range fs {
		if f.Date < check-windowBefore || f.Date > check+windowAfter {
			continue
		}
		dist := f.Date - check
		if dist < 0 {
			dist = -dist
		}
		switch {
		case best == nil, dist < bestDist:
		case dist == bestDist && (f.Date > best.Date || f.Date == best.Date && laterFollowup(f, best)):
		default:
			continue
		}
		best, bestDist = f, dist
	}
	return best
}

// laterFollowup reports whether follow-up f came after g, for "a second one
// for the same wave replaces the first" (docs/surveys.md): the later
// quarter; in one quarter, a returned row after the survey responses
// submitted in it (the return comes at the quarter's end); within a return,
// the later row; among a quarter's survey responses, the later survey date,
// then the one received later, so that responses a tool delivers out of
// order still count in the order they were answered.
func laterFollowup(f, g *Followup) bool {
	if c := f.Return.Compare(g.Return); c != 0 {
		return c > 0
	}
	if f.Survey != g.Survey {
		return g.Survey
	}
	if f.Survey && f.Date != g.Date {
		return f.Date > g.Date
	}
	return f.Row > g.Row
}
