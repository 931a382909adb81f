package metrics

import (
	"cmp"

	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/carer-outcomes/carer-outcomes/costmodel"
	"github.com/carer-outcomes/carer-outcomes/pipeline"
	"github.com/carer-outcomes/carer-outcomes/pipeline/standard"
)

// Query names one figure of a report: its id, and its cohort and subgroup
// when it has them.
type Query struct {
	ID       string    `json:"id"`
	Cohort   string    `json:"cohort,omitempty"`
	Subgroup *Subgroup `json:"subgroup,omitempty"`
}

func (q Query) String() string {
	s := q.ID
	if q.Cohort != "" {
		s += " cohort " + q.Cohort
	}
	if q.Subgroup != nil {
		s += " subgroup " + q.Subgroup.Dimension + "=" + q.Subgroup.Value
	}
	return s
}

func (q Query) matches(f *Figure) bool {
	if f.ID != q.ID || f.Cohort != q.Cohort || (f.Subgroup == nil) != (q.Subgroup == nil) {
		return false
	}
	return q.Subgroup == nil || *q.Subgroup == *f.Subgroup
}

// Roles of a row behind a figure.
const (
	RoleCounted     = "counted"     // a row of what a count counts
	RoleNumerator   = "numerator"   // in the numerator, and so in the denominator
	RoleDenominator = "denominator" // in the denominator only
	RoleDue         = "due"         // a due job of unknown status: in the lower bound's denominator only
	RoleEvidence    = "evidence"    // the follow-up that decided a job's status; counted itself in neither
)

// ExplainedRow is one row behind a figure: where it is (its organisation's
// return of a kind, and its source row) and what it counts for.
type ExplainedRow struct {
	Kind    string          `json:"kind"`
	Org     string          `json:"org"`
	Return  pipeline.Period `json:"return"`
	Row     int             `json:"source_row"`
	CarerID string          `json:"carer_id"`
	Role    string          `json:"role"`
	What    string          `json:"what"`
	// Survey is set for a follow-up that arrived as a survey response
	// (docs/surveys.md), not in a return: Return is then the quarter it
	// was submitted in and Row its place among that quarter's responses.
	Survey bool `json:"survey,omitempty"`
}

// Explanation is the rows behind one figure and the counts they give, so
// that a data officer can check the figure against their spreadsheet.
type Explanation struct {
	Figure Figure         `json:"figure"`
	Unit   string         `json:"counts_unit"` // what the counts count: carers, contacts, minutes or job outcomes
	Counts map[string]int `json:"counts"`      // value for a count; numerator and denominator for a rate; due, sustained, not_sustained, unknown for a sustained figure
	Rows   []ExplainedRow `json:"rows"`
}

// Explainer finds the rows behind the figures of one quarter: the Index
// of the rows given, and the rows themselves by carer.
type Explainer struct {
	std     *standard.Standard
	model   *costmodel.Model
	ix      *Index
	ds      Dataset
	rows    map[carerKey]*carerRows
	figures map[string][]Figure // by scope, as Figures and Subgroups give them
	members map[subgroupKey][]int32
}

// carerKey is a carer: an organisation and a pseudonym.
type carerKey struct{ org, id string }

// carerRows are one carer's rows, as given.
type carerRows struct {
	carers    []*Carer
	support   []*Support
	outcomes  []*Outcome
	followups []*Followup
}

// NewExplainer prepares the rows of ds for explaining the figures of
// period. ds is kept, and must not change while the Explainer is used: the
// rows it lists are ds's.
func NewExplainer(std *standard.Standard, ds Dataset, period pipeline.Period, model *costmodel.Model) (*Explainer, error) {
	ix, err := NewIndex(std, ds, period)
	if err != nil {
		return nil, err
	}
	e := &Explainer{std: std, model: model, ix: ix, ds: ds, rows: map[carerKey]*carerRows{}, figures: map[string][]Figure{}, members: map[subgroupKey][]int32{}}
	of := func(org, id string) *carerRows {
		k := carerKey{org, id}
		r := e.rows[k]
		if r == nil {
			r = &carerRows{}
			e.rows[k] = r
		}
		return r
	}
	for i := range e.ds.Carers {
		c := &e.ds.Carers[i]
		of(c.Org, c.ID).carers = append(of(c.Org, c.ID).carers, c)
	}
	for i := range e.ds.Support {
		s := &e.ds.Support[i]
		of(s.Org, s.CarerID).support = append(of(s.Org, s.CarerID).support, s)
	}
	for i := range e.ds.Outcomes {
		o := &e.ds.Outcomes[i]
		of(o.Org, o.CarerID).outcomes = append(of(o.Org, o.CarerID).outcomes, o)
	}
	for i := range e.ds.Followups {
		f := &e.ds.Followups[i]
		if f.Date <= ix.end {
			of(f.Org, f.CarerID).followups = append(of(f.Org, f.CarerID).followups, f)
		}
	}
	return e, nil
}

// Figures returns a scope's figures and subgroups, unsuppressed, as its
// own report gives them.
func (e *Explainer) Figures(scope string) ([]Figure, error) {
	if f, ok := e.figures[scope]; ok {
		return f, nil
	}
	figs, err := e.ix.Figures(e.std, scope, e.model)
	if err != nil {
		return nil, err
	}
	subs, err := e.ix.Subgroups(e.std, scope)
	if err != nil {
		return nil, err
	}
	e.figures[scope] = slices.Concat(figs, subs)
	return e.figures[scope], nil
}

// Explainable reports whether Explain lists the rows behind figures with
// this id. The others (soft outcomes, costs and savings, funding, the
// personal-budget differences) are computed from many carers' rows at once
// in ways a row list does not show; their rows are those of the kinds
// KindsOf names.
func Explainable(id string) bool {
	switch {
	case id == ReachRegistered, id == ReachRegisteredCumulative, id == ReachSupported,
		id == SupportContacts, id == SupportMinutes, id == SupportOutsideOfficeHours,
		in(id, SupportContacts), in(id, SupportMinutes), in(id, OutcomesQuarter), in(id, HardOutcomeRate),
		in(id, SustainedStarts), in(id, SustainedKept), in(id, FollowupResponse), in(id, Referral),
		id == ExperienceTimesSuited, id == ExperienceStaffUnderstood:
		return true
	case in(id, PersonalBudget) && strings.HasSuffix(id, "."+personalBudgetRate):
		return true
	}
	return false
}

// in reports whether id is of the family prefix (prefix.<…>).
func in(id, prefix string) bool { return strings.HasPrefix(id, prefix+".") }

// Kinds of table, as KindsOf names them.
const (
	kindCarers    = "carers"
	kindSupport   = "support"
	kindOutcomes  = "outcomes"
	kindFollowups = "followups"
	kindFinance   = "finance"
)

// KindsOf names the kinds of table a figure is computed from.
func KindsOf(id string) []string {
	switch {
	case id == ReachSupported, id == SupportContacts, id == SupportMinutes, id == SupportOutsideOfficeHours,
		in(id, SupportContacts), in(id, SupportMinutes):
		return []string{kindCarers, kindSupport}
	case id == ReachRegistered, id == ReachRegisteredCumulative, in(id, Referral):
		return []string{kindCarers}
	case in(id, OutcomesQuarter), in(id, HardOutcomeRate), in(id, PersonalBudget):
		return []string{kindCarers, kindOutcomes}
	case in(id, SustainedStarts), in(id, SustainedKept):
		return []string{kindCarers, kindOutcomes, kindFollowups}
	case in(id, FollowupResponse), id == SoftConfidenceChange, id == SoftITSkillsChange, id == SoftSWEMWBSChange,
		id == SoftSWEMWBSImproved, id == ExperienceTimesSuited, id == ExperienceStaffUnderstood:
		return []string{kindCarers, kindFollowups}
	case id == FundingRunwayMonths:
		return []string{kindFinance}
	case id == CostPerCarerSupported:
		return []string{kindFinance, kindSupport}
	case id == CostPerHardOutcome:
		return []string{kindFinance, kindOutcomes}
	}
	// The cost per sustained job and the savings.
	return []string{kindFinance, kindCarers, kindOutcomes, kindFollowups}
}

// Explain lists the rows behind one figure of a scope, and the counts they
// give. It fails with NotFound when the scope's report has no such figure,
// and with Invalid for a figure Explainable refuses. The counts are
// checked against the figure: an explanation that does not add up to the
// figure is an Internal error, never shown.
func (e *Explainer) Explain(scope string, q Query) (*Explanation, error) {
	figs, err := e.Figures(scope)
	if err != nil {
		return nil, err
	}
	i := slices.IndexFunc(figs, func(f Figure) bool { return q.matches(&f) })
	if i < 0 {
		return nil, pipeline.Errorf(pipeline.NotFound, "explain %s: %s's report for %s has no such figure", q, scope, e.ix.period)
	}
	if !Explainable(q.ID) {
		return nil, pipeline.Errorf(pipeline.Invalid, "explain %s: its rows are not listed (it is computed from %s rows); explain lists reach, support, outcomes, cohort rates, sustained jobs, response, referral, experience and personal-budget rates", q.ID, strings.Join(KindsOf(q.ID), ", "))
	}
	r := e.ix.report(scope)
	if q.Subgroup != nil {
		r = e.subgroup(r, *q.Subgroup)
	}
	x := &explaining{Explainer: e, r: r, out: &Explanation{Figure: copyFigure(figs[i]), Counts: map[string]int{}}}
	x.explain(q)
	slices.SortStableFunc(x.out.Rows, func(a, b ExplainedRow) int {
		return cmp.Or(cmp.Compare(a.Return.Year, b.Return.Year), cmp.Compare(a.Return.Quarter, b.Return.Quarter),
			cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.Row, b.Row), cmp.Compare(a.Role, b.Role))
	})
	x.out.Rows = slices.Compact(x.out.Rows)
	if err := x.check(); err != nil {
		return nil, err
	}
	return x.out, nil
}

// subgroup narrows a report to the carers of one subgroup, as Subgroups
// places them.
func (e *Explainer) subgroup(r *report, sub Subgroup) *report {
	k := subgroupKey{r.scope, sub}
	if m, ok := e.members[k]; ok {
		return &report{Index: e.ix, scope: r.scope, carers: m}
	}
	var members []int32
	for _, dim := range e.ix.dimensions() {
		if dim.name != sub.Dimension {
			continue
		}
		for _, i := range r.carers {
			c := e.ix.carers.at(i)
			if c.profile == nil {
				continue
			}
			v := dim.value(c.profile)
			if v == "" {
				v = NotRecorded
			}
			if v == sub.Value {
				members = append(members, i)
			}
		}
	}
	e.members[k] = members
	return &report{Index: e.ix, scope: r.scope, carers: members}
}

type subgroupKey struct {
	scope string
	sub   Subgroup
}

// explaining is one explanation being made.
type explaining struct {
	*Explainer
	r   *report
	out *Explanation
}

func (x *explaining) add(kind, org string, ret pipeline.Period, row int, carer, role, what string) {
	x.out.Rows = append(x.out.Rows, ExplainedRow{Kind: kind, Org: org, Return: ret, Row: row, CarerID: carer, Role: role, What: what})
}

func (x *explaining) rowsOf(c *carer) *carerRows {
	if r := x.rows[carerKey{c.org, c.id}]; r != nil {
		return r
	}
	return &carerRows{}
}

// registration lists the carers rows that give a carer's registration
// date (the earliest).
func (x *explaining) registration(c *carer, role string) {
	for _, row := range x.rowsOf(c).carers {
		if row.Registered == c.reg {
			x.add("carers", row.Org, row.Return, row.Row, row.ID, role, "registered "+day(row.Registered))
		}
	}
}

// profileRow lists the carers row the profile's fields come from.
func (x *explaining) profileRow(c *carer, role, what string) {
	for _, row := range x.rowsOf(c).carers {
		if seqOf(row.Return, row.Row) == c.latest {
			x.add("carers", row.Org, row.Return, row.Row, row.ID, role, what)
		}
	}
}

// supportRows lists the carer's support rows dated in the quarter that
// keep says count, and returns how many and their minutes.
func (x *explaining) supportRows(c *carer, role func(*Support) string) (n, minutes int) {
	for _, s := range x.rowsOf(c).support {
		if s.Date < x.ix.start || s.Date > x.ix.end {
			continue
		}
		ro := role(s)
		if ro == "" {
			continue
		}
		n++
		minutes += s.Minutes
		what := "support " + day(s.Date)
		if s.Minutes > 0 {
			what += ", " + strconv.Itoa(s.Minutes) + " minutes"
		}
		x.add("support", s.Org, s.Return, s.Row, s.CarerID, ro, what)
	}
	return n, minutes
}

// outcomeRows lists the carer's outcome rows of the given code and date
// (every return's copy of one deduplicated outcome).
func (x *explaining) outcomeRows(c *carer, code string, date pipeline.Days, role, what string) {
	for _, o := range x.rowsOf(c).outcomes {
		if o.Code == code && o.Date == date {
			x.add("outcomes", o.Org, o.Return, o.Row, o.CarerID, role, code+" "+day(date)+what)
		}
	}
}

func (x *explaining) followupRow(f *Followup, c *carer, role, what string) {
	x.add("followups", c.org, f.Return, f.Row, c.id, role, f.Wave+" "+day(f.Date)+what)
	x.out.Rows[len(x.out.Rows)-1].Survey = f.Survey
}

// followups are a carer's follow-ups dated on or before the report date,
// one per wave, as the Index settled them.
func (x *explaining) followups(c *carer) []*Followup {
	// One per wave, as dedupeFollowups keeps them: the one that came later.
	var out []*Followup
next:
	for _, f := range x.rowsOf(c).followups {
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

func (x *explaining) explain(q Query) {
	r, id := x.r, q.ID
	counts := x.out.Counts
	countCarers := func(unit string, in func(c *carer) bool, rows func(c *carer)) {
		x.out.Unit = unit
		r.each(func(c *carer) {
			if in(c) {
				counts["value"]++
				rows(c)
			}
		})
	}
	rate := func(unit string, in func(c *carer) (member, hit bool), rows func(c *carer, role string)) {
		x.out.Unit = unit
		counts["numerator"], counts["denominator"] = 0, 0
		r.each(func(c *carer) {
			member, hit := in(c)
			if !member {
				return
			}
			counts["denominator"]++
			role := RoleDenominator
			if hit {
				counts["numerator"]++
				role = RoleNumerator
			}
			rows(c, role)
		})
	}
	hardRows := func(c *carer, weeks int) {
		for _, o := range c.outcomes {
			if o.hard >= 0 && c.reg <= o.date && o.date <= c.reg+pipeline.Days(week*weeks) {
				x.outcomeRows(c, o.code, o.date, RoleNumerator, ", within "+strconv.Itoa(weeks)+" weeks of registration")
			}
		}
	}
	switch {
	case id == ReachRegistered, id == ReachRegisteredCumulative:
		countCarers("carers", func(c *carer) bool {
			return r.registered(c) && (id == ReachRegisteredCumulative || r.inQuarter(c.reg))
		}, func(c *carer) { x.registration(c, RoleCounted) })
	case id == ReachSupported:
		countCarers("carers", func(c *carer) bool { return c.contacts > 0 }, func(c *carer) {
			x.supportRows(c, func(*Support) string { return RoleCounted })
		})
	case id == SupportContacts, id == SupportMinutes:
		x.out.Unit = map[bool]string{true: "contacts", false: "minutes"}[id == SupportContacts]
		counts["value"] = 0
		r.each(func(c *carer) {
			n, m := x.supportRows(c, func(*Support) string { return RoleCounted })
			counts["value"] += map[bool]int{true: n, false: m}[id == SupportContacts]
		})
	case id == SupportOutsideOfficeHours:
		x.out.Unit = "contacts"
		counts["numerator"], counts["denominator"] = 0, 0
		r.each(func(c *carer) {
			n, _ := x.supportRows(c, func(s *Support) string {
				switch s.OutsideOfficeHours {
				case yes:
					counts["numerator"]++
					return RoleNumerator
				case no:
					return RoleDenominator
				}
				return ""
			})
			counts["denominator"] += n
		})
	case in(id, SupportContacts), in(id, SupportMinutes):
		x.supportBreakdown(id)
	case in(id, OutcomesQuarter):
		all := id == OutcomesAnyHard
		code := strings.TrimPrefix(id, OutcomesQuarter+".")
		countCarers("carers", func(c *carer) bool {
			for _, o := range c.outcomes {
				if o.hard >= 0 && (all || o.code == code) && r.inQuarter(o.date) {
					return true
				}
			}
			return false
		}, func(c *carer) {
			for _, o := range c.outcomes {
				if o.hard >= 0 && (all || o.code == code) && r.inQuarter(o.date) {
					x.outcomeRows(c, o.code, o.date, RoleCounted, "")
				}
			}
		})
	case in(id, HardOutcomeRate):
		weeks := atoi(strings.TrimPrefix(id, HardOutcomeRate+".w"))
		cohort, _ := pipeline.ParsePeriod(q.Cohort) // the figure exists, so its cohort is a quarter
		from, to := pipeline.DaysOf(cohort.Start()), pipeline.DaysOf(cohort.End())
		rate("carers", func(c *carer) (bool, bool) {
			in := r.registered(c) && from <= c.reg && c.reg <= to
			return in, in && r.hardWithin(c, weeks)
		}, func(c *carer, role string) {
			x.registration(c, role)
			hardRows(c, weeks)
		})
	case in(id, SustainedStarts), in(id, SustainedKept):
		x.sustained(id)
	case in(id, FollowupResponse):
		code := strings.TrimPrefix(id, FollowupResponse+".")
		w := slices.IndexFunc(x.ix.codes.waves, func(w wave) bool { return w.code == code })
		rate("carers", func(c *carer) (bool, bool) {
			due := w >= 0 && r.registered(c) && c.profile.ConsentFollowup == yes && c.reg+pipeline.Days(week*x.ix.codes.waves[w].weeks+responseGrace) <= r.end
			return due, due && c.waves&(1<<w) != 0
		}, func(c *carer, role string) {
			x.profileRow(c, role, "consent to follow-up "+c.profile.ConsentFollowup+", registered "+day(c.reg))
			for _, f := range x.rowsOf(c).followups {
				if f.Wave == code {
					x.followupRow(f, c, RoleNumerator, "")
				}
			}
		})
	case in(id, Referral):
		group := strings.TrimPrefix(id, Referral+".")
		rate("carers", func(c *carer) (bool, bool) {
			in := r.registered(c) && r.inQuarter(c.reg)
			return in, in && r.referralGroup(c.profile) == group
		}, func(c *carer, role string) {
			x.profileRow(c, role, "referral source "+dash(c.profile.ReferralSource)+", registered "+day(c.reg))
		})
	case id == ExperienceTimesSuited, id == ExperienceStaffUnderstood:
		answer := func(f *Followup) string { return f.TimesSuited }
		if id == ExperienceStaffUnderstood {
			answer = func(f *Followup) string { return f.StaffUnderstood }
		}
		rate("carers", func(c *carer) (bool, bool) {
			f := x.ix.latestAnswered(x.followups(c), answer)
			return f != nil, f != nil && answer(f) == yes
		}, func(c *carer, role string) {
			f := x.ix.latestAnswered(x.followups(c), answer)
			x.followupRow(f, c, role, ", answered "+answer(f))
		})
	case in(id, PersonalBudget):
		group := strings.TrimSuffix(strings.TrimPrefix(id, PersonalBudget+"."), "."+personalBudgetRate)
		shown := map[pipeline.Period]bool{}
		for _, k := range r.cohorts() {
			shown[k.quarter] = r.shown(k, budgetWeeks)
		}
		rate("carers", func(c *carer) (bool, bool) {
			in := r.registered(c) && shown[pipeline.PeriodOf(c.reg.Time())] && !x.ix.codes.inWork[c.profile.EmploymentStatus] && c.profile.PersonalBudget == group
			return in, in && r.hardWithin(c, budgetWeeks)
		}, func(c *carer, role string) {
			x.profileRow(c, role, "personal budget "+group+", employment at registration "+dash(c.profile.EmploymentStatus)+", registered "+day(c.reg))
			hardRows(c, budgetWeeks)
		})
	}
}

// supportBreakdown explains support.contacts.<column>.<code> and
// support.minutes.<column>.<code>: the support rows dated in the quarter
// with that code (not_recorded: none).
func (x *explaining) supportBreakdown(id string) {
	measure, prefix := "contacts", SupportContacts
	if in(id, SupportMinutes) {
		measure, prefix = "minutes", SupportMinutes
	}
	column, code, _ := strings.Cut(strings.TrimPrefix(id, prefix+"."), ".")
	x.out.Unit = measure
	x.out.Counts["value"] = 0
	for _, b := range x.ix.codes.supportBy {
		if b.column != column {
			continue
		}
		x.r.each(func(c *carer) {
			n, m := x.supportRows(c, func(s *Support) string {
				v := b.value(s)
				if v == "" {
					v = notRecordedCode
				}
				if v != code {
					return ""
				}
				return RoleCounted
			})
			x.out.Counts["value"] += map[bool]int{true: n, false: m}[measure == "contacts"]
		})
	}
}

// sustained explains sustained.<starts|kept>.w<N>: each due job with its
// status, and the follow-up that decided it.
func (x *explaining) sustained(id string) {
	kind, weeks, _ := strings.Cut(id, ".w")
	k := slices.Index(jobKinds(), kind)
	j := slices.Index(sustainedWeeks(), atoi(weeks))
	x.out.Unit = "job outcomes"
	counts := x.out.Counts
	for _, s := range []string{"due", "sustained", "not_sustained", "unknown"} {
		counts[s] = 0
	}
	if k < 0 || j < 0 {
		return
	}
	x.r.each(func(c *carer) {
		var fs []*Followup
		for _, o := range c.outcomes {
			if int(o.job) != k || o.status[j] == notDue {
				continue
			}
			if fs == nil {
				fs = x.followups(c)
			}
			counts["due"]++
			check := o.date + pipeline.Days(week*sustainedWeeks()[j])
			role, status := RoleDue, "unknown"
			switch o.status[j] {
			case sustainedStatus:
				role, status = RoleNumerator, "sustained"
			case notSustainedStatus:
				role, status = RoleDenominator, "not_sustained"
			}
			counts[status]++
			x.outcomeRows(c, o.code, o.date, role, ": "+strings.ReplaceAll(status, "_", " ")+" at "+weeks+" weeks (check point "+day(check)+")")
			if f := nearest(fs, check); f != nil {
				x.followupRow(f, c, RoleEvidence, ", "+dash(f.EmploymentStatus)+": nearest the check point "+day(check))
			}
		}
	})
}

// check compares the counts with the figure.
func (x *explaining) check() error {
	f, c := &x.out.Figure, x.out.Counts
	wrong := func(what string, got int, want *float64) error {
		w := "none"
		if want != nil {
			w = strconv.FormatFloat(*want, 'g', -1, 64)
		}
		return pipeline.Errorf(pipeline.Internal, "explain %s: the rows give %s %d, the figure has %s", f.ID, what, got, w)
	}
	same := func(got int, want *float64) bool { return want != nil && float64(got) == *want }
	switch {
	case f.Unit == UnitCount:
		if !same(c["value"], f.Value) {
			return wrong("value", c["value"], f.Value)
		}
	case f.Counts != nil:
		if !maps.Equal(c, f.Counts) {
			return pipeline.Errorf(pipeline.Internal, "explain %s: the rows give %v, the figure has %v", f.ID, c, f.Counts)
		}
	default:
		if !same(c["numerator"], f.Numerator) {
			return wrong("numerator", c["numerator"], f.Numerator)
		}
		if !same(c["denominator"], f.Denominator) {
			return wrong("denominator", c["denominator"], f.Denominator)
		}
	}
	return nil
}

func day(d pipeline.Days) string { return d.Time().Format("2006-01-02") }

func dash(s string) string {
	if s == "" {
		return "empty"
	}
	return s
}

func atoi(s string) int {
	n, err := strconv.Atoi(s)
	if err != nil {
		return -1
	}
	return n
}

// ExplainKey is how a figure is named for Explain: its query.
func ExplainKey(f *Figure) Query {
	q := Query{ID: f.ID, Cohort: f.Cohort}
	if f.Subgroup != nil {
		s := *f.Subgroup
		q.Subgroup = &s
	}
	return q
}

// ParseSubgroup reads DIM=VALUE.
func ParseSubgroup(s string) (*Subgroup, error) {
	d, v, ok := strings.Cut(s, "=")
	if !ok || d == "" || v == "" {
		return nil, pipeline.Errorf(pipeline.Invalid, "subgroup %q: want DIMENSION=VALUE, such as age_band=25-34", s)
	}
	return &Subgroup{Dimension: d, Value: v}, nil
}
