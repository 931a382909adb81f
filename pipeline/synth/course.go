package synth

import (
	"math"
	"math/rand/v2"

	"github.com/carer-outcomes/carer-outcomes/pipeline"
)

// sink receives the rows a carer's course produces. Rows dated after end have
// not happened yet and are never passed on; kinds not wanted are skipped. The
// row slices are scratch space, reused for the next row: keep a copy.
type sink struct {
	want [nKinds]bool
	end  pipeline.Days
	rows [nKinds][]value
	emit func(kind int, date pipeline.Days, row []value)
}

func (g *gen) newSink(end pipeline.Days, emit func(int, pipeline.Days, []value), kinds ...int) *sink {
	s := &sink{end: end, emit: emit}
	for k := range nKinds {
		s.rows[k] = make([]value, len(g.kinds[k].Fields))
	}
	for _, k := range kinds {
		s.want[k] = true
	}
	return s
}

func (s *sink) row(kind int) []value {
	r := s.rows[kind]
	clear(r)
	return r
}

func (s *sink) put(kind int, date pipeline.Days, row []value) {
	if s.want[kind] && date <= s.end {
		s.emit(kind, date, row)
	}
}

// carerRow fills a carers row with the carer's profile.
func (g *gen) carerRow(c *carer, row []value) {
	clear(row)
	k := g.car
	row[k.ref] = textV(c.ref)
	row[k.reg] = dateV(c.reg)
	if c.hasDOB {
		row[k.dob] = dateV(c.dob)
	}
	row[k.gender] = codeV(c.gender)
	row[k.ethnicity] = codeV(c.ethnicity)
	row[k.postcode] = textV(c.postcode)
	row[k.la] = textV(c.la)
	if c.hours >= 0 {
		row[k.hours] = intV(c.hours)
	}
	row[k.condition] = codeV(c.condition)
	row[k.relationship] = codeV(c.relation)
	row[k.limiting] = codeV(c.limiting)
	row[k.financial] = codeV(c.financial)
	row[k.emp] = codeV(c.empReg)
	row[k.budget] = codeV(c.budget)
	row[k.referral] = codeV(c.referral)
	row[k.consent] = codeV(c.consent)
}

// update changes what a carer's organisation may correct or learn later: the
// same person and registration date, with a newer profile.
func (g *gen) update(r *rand.Rand, o *orgProfile, c *carer) *carer {
	u := *c
	switch r.IntN(5) {
	case 0:
		u.postcode = postcode(r, o.areas[r.IntN(len(o.areas))])
	case 1:
		u.budget = g.budget.pick(r)
	case 2:
		if u.consent == yes {
			u.consent = no
		} else {
			u.consent = yes
		}
	case 3:
		u.hours = clampI(max(u.hours, 10)+10+r.IntN(30), 0, 168)
	default:
		u.financial = g.finance.pick(r)
	}
	if !u.hasDOB && r.Float64() < 0.5 {
		u.hasDOB = true
	}
	return &u
}

// hardOutcome is an outcome the course produces.
type hardOutcome struct {
	date  pipeline.Days
	code  string
	hours int
	hard  bool
}

// live draws a carer's course after registration: employment (which the
// outcomes and follow-ups report), outcomes and milestones, support contacts
// and follow-up surveys, and passes the rows to s. Kinds s does not want are
// not drawn at all.
func (g *gen) live(r *rand.Rand, o *orgProfile, c *carer, s *sink) {
	outs := g.course(r, c)
	if s.want[kOutcomes] {
		g.outcomes(r, c, outs, s)
	}
	if s.want[kSupport] {
		g.support(r, o, c, s)
	}
	g.followups(r, c, s)
}

// course draws the carer's employment over time and the outcomes that mark
// its changes. Over half of carers reach a hard outcome within a year.
func (g *gen) course(r *rand.Rand, c *carer) []hardOutcome {
	actual := c.empReg
	if actual == codeUnknown {
		actual = []string{empUnemp, empCaring, empCaring}[r.IntN(3)]
	}
	c.spells = append(c.spells[:0], spell{c.reg, actual, g.hoursFor(r, actual)})
	c.firstOut = math.MaxInt32
	var outs []hardOutcome

	p := 0.78
	switch {
	case c.age >= 65:
		p -= 0.22
	case c.age < 25:
		p += 0.03
	}
	if actual == empRetired {
		p -= 0.3
	}
	switch c.budget {
	case budgetCarer:
		p += 0.05
	case budgetBoth:
		p += 0.07
	case budgetCF:
		p += 0.03
	}
	if c.limiting == yes {
		p -= 0.08
	}
	if c.hours >= 50 {
		p -= 0.06
	}
	if r.Float64() < p {
		var delay int
		if r.Float64() < 0.9 {
			delay = 10 + min(int(r.ExpFloat64()*110), 340)
		} else {
			delay = 365 + r.IntN(300)
		}
		var code string
		switch {
		case g.inWork(actual):
			code = g.hardInWork.pick(r)
		case c.age < 25:
			code = g.hardNotWorkYoung.pick(r)
		default:
			code = g.hardNotWork.pick(r)
		}
		outs = g.hard(r, c, outs, code, c.reg+pipeline.Days(delay))
	} else if g.inWork(actual) && r.Float64() < 0.35 {
		c.spells = append(c.spells, spell{c.reg + pipeline.Days(30+r.IntN(370)), empCaring, 0})
	}

	// Milestones on the way.
	if !g.inWork(actual) && r.Float64() < 0.3 {
		outs = addMilestone(outs, hardOutcome{date: c.reg + pipeline.Days(20+r.IntN(280)), code: outInterv})
	}
	if !g.inWork(actual) && r.Float64() < 0.1 {
		outs = addMilestone(outs, hardOutcome{date: c.reg + pipeline.Days(30+r.IntN(220)), code: outVolunt})
	}
	if r.Float64() < 0.06 {
		outs = addMilestone(outs, hardOutcome{date: c.reg + pipeline.Days(60+r.IntN(300)), code: outQual})
	}
	return outs
}

// hard adds a hard outcome at t and what follows from it.
func (g *gen) hard(r *rand.Rand, c *carer, outs []hardOutcome, code string, t pipeline.Days) []hardOutcome {
	now := c.statusAt(t)
	c.firstOut = min(c.firstOut, t)
	switch code {
	case outStayed:
		outs = append(outs, hardOutcome{date: t, code: code, hours: max(now.hours, 1), hard: true})
		if r.Float64() < 0.15 {
			c.spells = append(c.spells, spell{t + jobLasts(r), empCaring, 0})
		}
	case outWork, outSelf:
		if r.Float64() < 0.6 {
			if d := t - pipeline.Days(5+r.IntN(40)); d >= c.reg {
				outs = addMilestone(outs, hardOutcome{date: d, code: outInterv})
			}
		}
		status := empSelf
		if code == outWork {
			status = empPT
		}
		h := g.hoursFor(r, status)
		if code == outWork && r.Float64() < 0.33 {
			status, h = empFT, 30+r.IntN(11)
		}
		outs = append(outs, hardOutcome{date: t, code: code, hours: h, hard: true})
		c.spells = append(c.spells, spell{t, status, h})
		if r.Float64() < 0.22 {
			lost := []string{empUnemp, empCaring}[r.IntN(2)]
			c.spells = append(c.spells, spell{t + jobLasts(r), lost, 0})
		}
	case outTrain, outEduc:
		outs = append(outs, hardOutcome{date: t, code: code, hard: true})
		if g.inWork(now.status) {
			break // learning alongside the job
		}
		status, length, onward := empTrain, 42+r.IntN(160), 0.4
		if code == outEduc {
			status, length, onward = empEduc, 250+r.IntN(200), 0.15
		}
		c.spells = append(c.spells, spell{t, status, 0})
		done := t + pipeline.Days(length)
		if r.Float64() < 0.5 {
			outs = addMilestone(outs, hardOutcome{date: done, code: outQual})
		}
		if r.Float64() < onward {
			outs = g.hard(r, c, outs, []string{outWork, outWork, outWork, outSelf}[r.IntN(4)], done+pipeline.Days(7+r.IntN(60)))
		} else {
			c.spells = append(c.spells, spell{done, []string{empUnemp, empCaring}[r.IntN(2)], 0})
		}
	}
	return outs
}

// jobLasts is how long a job that ends lasts: most that end do so in the
// first months.
func jobLasts(r *rand.Rand) pipeline.Days {
	return pipeline.Days(20 + min(int(r.ExpFloat64()*180), 900))
}

func addMilestone(outs []hardOutcome, m hardOutcome) []hardOutcome {
	for _, o := range outs {
		if o.code == m.code && o.date == m.date {
			return outs
		}
	}
	return append(outs, m)
}

// hoursFor draws hours of work a week for a status.
func (g *gen) hoursFor(r *rand.Rand, status string) int {
	switch status {
	case empFT:
		return 30 + r.IntN(16)
	case empPT:
		return 6 + r.IntN(24)
	case empSelf:
		return 4 + r.IntN(37)
	}
	return 0
}

// outcomes writes the outcomes rows, in date order.
func (g *gen) outcomes(r *rand.Rand, c *carer, outs []hardOutcome, s *sink) {
	for i := 1; i < len(outs); i++ { // insertion sort: a handful of rows, stable
		for j := i; j > 0 && outs[j].date < outs[j-1].date; j-- {
			outs[j], outs[j-1] = outs[j-1], outs[j]
		}
	}
	k := g.out
	for _, o := range outs {
		row := s.row(kOutcomes)
		row[k.ref] = textV(c.ref)
		row[k.date] = dateV(o.date)
		row[k.outcome] = codeV(o.code)
		e, _ := g.entry(kOutcomes, k.outcome, o.code)
		if e.Work {
			row[k.hours] = intV(clampI(o.hours, 1, 80))
			if o.code == outSelf {
				row[k.size] = codeV(sizeMicro)
			} else {
				row[k.size] = codeV(g.size.pick(r))
			}
		} else if r.Float64() < 0.1 {
			row[k.size] = codeV(codeUnknown)
		}
		switch x := r.Float64(); {
		case x >= 0.92:
		case o.hard || x < 0.4:
			row[k.evidence] = codeV(g.evidence.pick(r))
		default:
			row[k.evidence] = codeV(evSelf) // a milestone the carer tells staff about
		}
		s.put(kOutcomes, o.date, row)
	}
}

// support writes the carer's support contacts: an intake on or soon after
// registration, then contacts every few weeks for some months.
func (g *gen) support(r *rand.Rand, o *orgProfile, c *carer, s *sink) {
	n := 2 + min(int(r.ExpFloat64()*5), 38)
	horizon := c.reg + pipeline.Days(120+r.IntN(300))
	d := c.reg
	if r.Float64() < 0.45 {
		d += pipeline.Days(1 + r.IntN(14))
	}
	k := g.sup
	for i := 0; i < n && d <= horizon && d <= s.end; i++ {
		row := s.row(kSupport)
		row[k.ref] = textV(c.ref)
		row[k.date] = dateV(d)
		var act, mode string
		switch {
		case i == 0 && r.Float64() < 0.6:
			act = "ONE_TO_ONE_ADVICE"
		case g.inWork(c.statusAt(d).status):
			act = g.activityInWork.pick(r)
		default:
			act = g.activity.pick(r)
		}
		row[k.activity] = codeV(act)
		if o.rural {
			mode = g.modeRural.pick(r)
		} else {
			mode = g.mode.pick(r)
		}
		if r.Float64() < 0.96 {
			row[k.mode] = codeV(mode)
		}
		if r.Float64() < 0.95 {
			row[k.minutes] = intV(minutes(r, act, mode))
		}
		if x := r.Float64(); x < 0.93 {
			ooh := 0.12
			if mode == modeOnline {
				ooh = 0.35
			}
			if r.Float64() < ooh {
				row[k.ooh] = codeV(yes)
			} else {
				row[k.ooh] = codeV(no)
			}
		} else if x < 0.96 {
			row[k.ooh] = codeV(codeUnknown)
		}
		s.put(kSupport, d, row)
		d += pipeline.Days(2 + int(r.ExpFloat64()*16))
	}
}

// minutes draws a contact's length, rounded to 5 minutes as staff record it.
func minutes(r *rand.Rand, activity, mode string) int {
	lo, hi := 30, 90
	switch {
	case activity == "TRAINING_COURSE":
		lo, hi = 90, 360
	case activity == "REPLACEMENT_CARE":
		lo, hi = 120, 480
	case activity == "WORK_EXPERIENCE" || activity == "VOLUNTEERING_PLACEMENT":
		lo, hi = 120, 420
	case mode == "PHONE":
		lo, hi = 10, 45
	case mode == modeOutrch:
		lo, hi = 45, 150
	}
	m := (lo + r.IntN(hi-lo+1)) / 5 * 5
	return clampI(m, 5, 600)
}

// followups writes the carer's survey responses: a baseline at registration
// and then, for those who agreed, waves at 13, 26, 52 and 104 weeks, with
// fewer answers at later waves. Confidence, IT skills and wellbeing improve on
// average, more after a hard outcome.
func (g *gen) followups(r *rand.Rand, c *carer, s *sink) {
	last := c.reg - 1
	answered := true
	k := g.fol
	for _, w := range g.waves {
		var p float64
		switch {
		case w.weeks == 0 && c.consent == yes:
			p = 0.93
		case w.weeks == 0:
			p = 0.55
		case c.consent != yes:
			p = 0
		default:
			p = math.Min(0.97, (0.86-0.0045*float64(w.weeks))*c.engaged)
			if !answered {
				p *= 0.7
			}
		}
		if r.Float64() >= p {
			answered = false
			continue
		}
		answered = true
		d := c.reg + pipeline.Days(7*w.weeks)
		switch {
		case w.weeks == 0 && r.Float64() < 0.6:
		case w.weeks == 0:
			d += pipeline.Days(1 + r.IntN(10))
		default:
			d += pipeline.Days(r.IntN(41) - 10)
		}
		if d <= last {
			d = last + 1
		}
		if d > s.end {
			return
		}
		last = d
		row := s.row(kFollowups)
		row[k.ref] = textV(c.ref)
		row[k.date] = dateV(d)
		row[k.wave] = codeV(w.code)
		now := c.statusAt(d)
		if r.Float64() < 0.02 {
			row[k.emp] = codeV(codeUnknown)
		} else {
			row[k.emp] = codeV(now.status)
		}
		switch {
		case g.inWork(now.status):
			h := now.hours
			if r.Float64() < 0.3 {
				h += r.IntN(5) - 2
			}
			row[k.hours] = intV(clampI(h, 1, 80))
		case r.Float64() < 0.6:
			row[k.hours] = intV(0)
		}
		gain := 1 - math.Exp(-float64(w.weeks)/20)
		bonus := 0.0
		if c.firstOut <= d {
			bonus = 1
		}
		if r.Float64() < 0.97 {
			row[k.confidence] = intV(score(c.conf0 + 0.9*gain + 0.45*bonus + r.NormFloat64()*0.65))
		}
		if r.Float64() < 0.96 {
			row[k.it] = intV(score(c.it0 + 0.5*gain + 0.1*bonus + r.NormFloat64()*0.55))
		}
		if r.Float64() >= 0.06 { // all seven items, or none at all
			m := c.wb0 + 0.35*gain + 0.2*bonus
			for i, col := range k.swemwbs {
				row[col] = intV(score(m + 0.15*float64(i%3-1) + r.NormFloat64()*0.6))
			}
		}
		if w.weeks > 0 { // asked about the support once there has been some
			row[k.suited] = yesNo(r, 0.85, 0.95)
			row[k.understood] = yesNo(r, 0.93, 0.96)
		}
		switch {
		case w.weeks == 0 && c.referral != "" && r.Float64() < 0.85:
			row[k.heard] = codeV(c.referral)
		case w.weeks == 0 && r.Float64() < 0.5:
			row[k.heard] = codeV(g.referral.pick(r))
		case w.weeks > 0 && c.referral != "" && r.Float64() < 0.25:
			row[k.heard] = codeV(c.referral)
		}
		if w.weeks == 0 {
			row[k.mode] = codeV(g.respFirst.pick(r))
		} else if r.Float64() < 0.95 {
			row[k.mode] = codeV(g.respLater.pick(r))
		}
		s.put(kFollowups, d, row)
	}
}

// yesNo answers Y with probability pY among those who answer (with
// probability answered); the others leave it blank or say U.
func yesNo(r *rand.Rand, pY, answered float64) value {
	switch x := r.Float64(); {
	case x < answered*pY:
		return codeV(yes)
	case x < answered:
		return codeV(no)
	case x < (1+answered)/2:
		return codeV(codeUnknown)
	}
	return value{}
}

// score rounds a latent 1-5 scale to an answer.
func score(x float64) int { return clampI(int(math.Round(x)), 1, 5) }
