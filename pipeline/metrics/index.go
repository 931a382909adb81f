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

	carers carerList
	order  []int32            // carers in pseudonym order, then organisation
	byOrg  map[string][]int32 // each organisation's carers, in pseudonym order

	orgs    map[string]bool // every organisation with any row
	finance map[string]map[pipeline.Period]Finance
	// support dated in the quarter by organisation, then by activity and
	// by mode (section 1): contacts and minutes.
	supportBy map[string]map[Subgroup]*[2]int

	strs []string // while building: the follow-ups' codes, by the number an answer holds
}

// carer is what the figures need of one carer for the Index's quarter.
type carer struct {
	id, org string
	profile *Carer        // nil when the carer has no carers row
	reg     pipeline.Days // the profile's registration date, kept here for the many checks of it
	latest  int64         // the place (seqOf) of the row the profile's fields come from
	band    struct {
		set bool
		reg pipeline.Days
		seq int64
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

	followups []answer // while building: the follow-ups dated on or before the report date
}

// carerList holds the carers in blocks that never move, so that adding a
// carer copies none of those before it and the list never stands at twice
// its size while it grows.
type carerList struct {
	blocks [][]carer
	n      int32
}

const carerBlock = 1 << 10

func (l *carerList) add(c carer) int32 {
	if l.n%carerBlock == 0 {
		l.blocks = append(l.blocks, make([]carer, 0, carerBlock))
	}
	b := &l.blocks[len(l.blocks)-1]
	*b = append(*b, c)
	l.n++
	return l.n - 1
}

// at is carer i, in the order they were added.
func (l *carerList) at(i int32) *carer { return &l.blocks[i/carerBlock][i%carerBlock] }

func (l *carerList) len() int { return int(l.n) }

// answer is what the Indexer keeps of one follow-up until its carer is
// settled. It holds no pointer, so that the collector never scans the
// hundreds of thousands of a large lake, and it is a quarter of a Followup:
// codes are numbers into the Indexer's strings, the row's place is one
// number (seq) and a missing score is noScore or NaN.
type answer struct {
	seq                  int64 // the return, returned or not, and row (followupSeq)
	swemwbs              float64
	date                 pipeline.Days
	confidence, itSkills int32
	wave, status         uint32 // index in Index.strs
	timesSuited          uint32
	staffUnderstood      uint32
}

// noScore is a confidence or IT-skills score not given. Scores are 1-5.
const noScore = math.MinInt32

// seqOf is a row's place, for comparing which of two rows is later: the
// return first, then the row within it.
func seqOf(ret pipeline.Period, row int) int64 {
	return int64(ret.Year*4+ret.Quarter-1)<<32 | int64(uint32(row))
}

// followupSeq is a follow-up's place, for comparing which of two came
// later (laterFollowup): the quarter first, then a returned row after the
// survey responses of its quarter, then the row.
func followupSeq(f *Followup) int64 {
	returned := int64(1)
	if f.Survey {
		returned = 0
	}
	return seqOf(f.Return, 0)<<1 | returned<<32 | int64(uint32(f.Row))
}

// fromSurvey reports whether the follow-up arrived as a survey response.
func (f *answer) fromSurvey() bool { return f.seq&(1<<32) == 0 }

// came reports whether follow-up f came after g, as laterFollowup orders
// two Followups.
func (f *answer) came(g *answer) bool {
	if f.fromSurvey() && g.fromSurvey() && f.seq>>33 == g.seq>>33 && f.date != g.date {
		return f.date > g.date
	}
	return f.seq > g.seq
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
	ix    *Index
	at    map[string]map[string]int32 // organisation → pseudonym → carer
	strAt map[string]uint32           // index in ix.strs

	// The organisation and carer last looked up: rows come an
	// organisation's file at a time, often a carer's rows together, and
	// comparing strings is cheaper than hashing them. An organisation's
	// map of carers is smaller than one of every carer, and quicker.
	lastOrg string
	orgAt   map[string]int32
	lastID  string
	lastAt  int32
}

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
			strs:      []string{""},
		},
		at:     map[string]map[string]int32{},
		strAt:  map[string]uint32{"": 0},
		lastAt: -1,
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
		x.addFollowup(&ds.Followups[i])
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
	for i := range int32(ix.carers.len()) {
		ix.settle(ix.carers.at(i))
	}
	ix.sort()
	ix.strs = nil
	x.ix, x.at, x.strAt, x.orgAt = nil, nil, nil, nil
	return ix
}

func (x *Indexer) carer(org, id string) *carer {
	if x.orgAt == nil || org != x.lastOrg {
		x.orgAt = x.at[org]
		if x.orgAt == nil {
			x.orgAt = map[string]int32{}
			x.at[org] = x.orgAt
		}
		x.lastOrg, x.lastAt = org, -1
	} else if x.lastAt >= 0 && id == x.lastID {
		return x.ix.carers.at(x.lastAt)
	}
	i, ok := x.orgAt[id]
	if !ok {
		i = x.ix.carers.add(carer{id: id, org: org})
		x.orgAt[id] = i
		x.ix.orgs[org] = true
	}
	x.lastID, x.lastAt = id, i
	return x.ix.carers.at(i)
}

// addCarer applies metrics.md section 0: the earliest registration date
// across a carer's rows stands, every other field comes from their latest
// row.
func (x *Indexer) addCarer(r *Carer) {
	c := x.carer(r.Org, r.ID)
	seq := seqOf(r.Return, r.Row)
	if c.profile == nil {
		p := *r
		c.profile = &p
		c.latest = seq
	} else {
		registered := min(c.profile.Registered, r.Registered)
		band := c.profile.AgeBand
		if c.latest <= seq {
			*c.profile = *r
			c.latest = seq
		}
		c.profile.Registered, c.profile.AgeBand = registered, band
	}
	// The age band is the age at the earliest registration (metrics.md
	// section 0). The lake keeps only each row's band, worked out at that
	// row's own registration date (the date of birth is not stored), so
	// the band stands of the earliest-registered row that has one; on the
	// same date, the later row's.
	if r.AgeBand != "" && (!c.band.set || r.Registered < c.band.reg ||
		r.Registered == c.band.reg && seq > c.band.seq) {
		c.band.set, c.band.reg, c.band.seq = true, r.Registered, seq
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

// addFollowup keeps what settle needs of a follow-up dated on or before the
// report date.
func (x *Indexer) addFollowup(f *Followup) {
	if c := x.carer(f.Org, f.CarerID); f.Date <= x.ix.end {
		c.followups = append(c.followups, x.answer(f))
	}
}

func (x *Indexer) answer(f *Followup) answer {
	a := answer{seq: followupSeq(f), date: f.Date, swemwbs: math.NaN(), confidence: noScore, itSkills: noScore,
		wave: x.str(f.Wave), status: x.str(f.EmploymentStatus), timesSuited: x.str(f.TimesSuited), staffUnderstood: x.str(f.StaffUnderstood)}
	if f.Confidence != nil {
		a.confidence = int32(*f.Confidence)
	}
	if f.ITSkills != nil {
		a.itSkills = int32(*f.ITSkills)
	}
	if f.SWEMWBSMetric != nil {
		a.swemwbs = *f.SWEMWBSMetric
	}
	return a
}

// str numbers a code, the same number for the same code.
func (x *Indexer) str(s string) uint32 {
	i, ok := x.strAt[s]
	if !ok {
		i = uint32(len(x.ix.strs))
		x.strAt[s] = i
		x.ix.strs = append(x.ix.strs, s)
	}
	return i
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
			o.status[j] = int8(statusAt(ix.codes, ix.strs, fs, check))
		}
	}
	var base, last *answer
	for i := range fs {
		f := &fs[i]
		wave := ix.strs[f.wave]
		for j, w := range ix.codes.waves {
			if wave == w.code {
				c.waves |= 1 << j
			}
		}
		switch {
		case wave == baselineWave:
			base = f
		case last == nil || f.later(last):
			last = f
		}
	}
	if base != nil && last != nil {
		if base.confidence != noScore && last.confidence != noScore {
			c.confidence = num(float64(int64(last.confidence) - int64(base.confidence)))
		}
		if base.itSkills != noScore && last.itSkills != noScore {
			c.itSkills = num(float64(int64(last.itSkills) - int64(base.itSkills)))
		}
		if !math.IsNaN(base.swemwbs) && !math.IsNaN(last.swemwbs) {
			c.wellbeing = num(last.swemwbs - base.swemwbs)
			c.improved = math.Round(last.swemwbs*100)-math.Round(base.swemwbs*100) >= improvedCents
		}
	}
	c.timesSuited = ix.latestAnswer(fs, func(f *answer) uint32 { return f.timesSuited })
	c.staffUnderstood = ix.latestAnswer(fs, func(f *answer) uint32 { return f.staffUnderstood })
	c.followups = nil
}

// later reports whether follow-up f comes after g: a later survey date, or
// on the same day the one that came later.
func (f *answer) later(g *answer) bool {
	return f.date > g.date || f.date == g.date && f.came(g)
}

// latestAnswer is the answer of the carer's latest follow-up dated in the
// four quarters that answered Y or N (metrics.md section 6).
func (ix *Index) latestAnswer(fs []answer, pick func(*answer) uint32) string {
	var last *answer
	for i := range fs {
		f := &fs[i]
		if f.date < ix.from || f.date > ix.end {
			continue
		}
		if a := ix.strs[pick(f)]; a != yes && a != no {
			continue
		}
		if last == nil || f.later(last) {
			last = f
		}
	}
	if last == nil {
		return ""
	}
	return ix.strs[pick(last)]
}

// dedupeFollowups keeps one follow-up per wave of one carer, in place: the
// one that came later.
func dedupeFollowups(all []answer) []answer {
	out := all[:0]
next:
	for _, f := range all {
		for j := range out {
			if out[j].wave == f.wave {
				if f.came(&out[j]) {
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
	ix.order = make([]int32, ix.carers.len())
	for i := range ix.order {
		ix.order[i] = int32(i)
	}
	// The first eight bytes of each pseudonym as a number, in the same
	// order: pseudonyms are random, so two almost always differ there and
	// most comparisons are of two numbers in one array.
	prefix := make([]uint64, len(ix.order))
	for i := range prefix {
		prefix[i] = prefixOf(ix.carers.at(int32(i)).id)
	}
	slices.SortFunc(ix.order, func(a, b int32) int {
		if c := cmp.Compare(prefix[a], prefix[b]); c != 0 {
			return c
		}
		x, y := ix.carers.at(a), ix.carers.at(b)
		return cmp.Or(cmp.Compare(x.id, y.id), cmp.Compare(x.org, y.org))
	})
	ix.byOrg = map[string][]int32{}
	for _, i := range ix.order {
		org := ix.carers.at(i).org
		ix.byOrg[org] = append(ix.byOrg[org], i)
	}
}

// prefixOf is the first eight bytes of s, big-endian, padded with zeros:
// when two prefixes differ they order as the strings do.
func prefixOf(s string) uint64 {
	var k uint64
	for i := range 8 {
		k <<= 8
		if i < len(s) {
			k |= uint64(s[i])
		}
	}
	return k
}

// latestAnswered is the follow-up latestAnswer reads, for the rows of an
// explanation, which keeps whole follow-ups rather than an Index's
// answers; or nil.
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

// nearest is the follow-up statusAt classifies, for the rows of an
// explanation: the one nearest the check point within its window; on a
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
		case dist == bestDist && later(f, best):
		default:
			continue
		}
		best, bestDist = f, dist
	}
	return best
}

// carersOf returns the carers of a scope, in pseudonym order.
func (ix *Index) carersOf(scope string) []int32 {
	if scope == Consortium {
		return ix.order
	}
	return ix.byOrg[scope]
}

// statusAt classifies the follow-up nearest the check point within its
// window; on a tie the later one, and on the same day the later row.
func statusAt(c *codes, strs []string, fs []answer, check pipeline.Days) int {
	var best *answer
	bestDist := pipeline.Days(0)
	for i := range fs {
		f := &fs[i]
		if f.date < check-windowBefore || f.date > check+windowAfter {
			continue
		}
		dist := f.date - check
		if dist < 0 {
			dist = -dist
		}
		switch {
		case best == nil, dist < bestDist:
		case dist == bestDist && f.later(best):
		default:
			continue
		}
		best, bestDist = f, dist
	}
	if best == nil {
		return unknownStatus
	}
	switch status := strs[best.status]; {
	case !c.knownWork[status]:
		return unknownStatus
	case c.inWork[status]:
		return sustainedStatus
	}
	return notSustainedStatus
}
