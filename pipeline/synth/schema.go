package synth

import (
	"fmt"

	"github.com/carer-outcomes/carer-outcomes/pipeline"
	"github.com/carer-outcomes/carer-outcomes/pipeline/standard"
)

// The five kinds of table, in the order a return lists them.
const (
	kCarers = iota
	kSupport
	kOutcomes
	kFollowups
	kFinance
	nKinds
)

// kindName is the standard's name of a kind.
func kindName(kind int) string {
	return [nKinds]string{"carers", "support", "outcomes", "followups", "finance"}[kind]
}

// vkind says what a generated value is, before an organisation's habits
// decide how it is written.
type vkind uint8

const (
	vMissing vkind = iota
	vText
	vCode
	vDate
	vInt
	vNum
	vMoney
)

// value is one generated cell: the meaning, not yet the text.
type value struct {
	k vkind
	s string        // text or code
	n int64         // whole number, day number or pence
	f float64       // decimal number
	d pipeline.Days // date
}

func textV(s string) value {
	if s == "" {
		return value{}
	}
	return value{k: vText, s: s}
}

func codeV(c string) value {
	if c == "" {
		return value{}
	}
	return value{k: vCode, s: c}
}
func dateV(d pipeline.Days) value { return value{k: vDate, d: d} }
func intV(n int) value            { return value{k: vInt, n: int64(n)} }
func numV(f float64) value        { return value{k: vNum, f: f} }
func moneyV(pence int64) value    { return value{k: vMoney, n: pence} }

// schema is the standard resolved for the generator: each kind and the
// position of every column the generator fills. The positions are looked up
// by name once, so that a renamed field fails here with a clear error.
type schema struct {
	std   *standard.Standard
	kinds [nKinds]*standard.Kind
	car   struct {
		ref, reg, dob, gender, ethnicity, postcode, la, hours, condition, relationship,
		limiting, financial, emp, budget, referral, consent int
	}
	sup struct{ ref, date, activity, mode, minutes, ooh int }
	out struct{ ref, date, outcome, hours, size, evidence int }
	fol struct {
		ref, date, wave, emp, hours, confidence, it, suited, understood, heard, mode int
		swemwbs                                                                      []int
	}
	fin struct {
		cost, fte, volunteer, outreach, until int
		funding                               []int // funding_* money columns, in the standard's order
	}
	waves []wave
}

// wave is a follow-up wave as the standard defines it.
type wave struct {
	code  string
	weeks int
}

func newSchema(std *standard.Standard) (*schema, error) {
	if std == nil {
		return nil, fmt.Errorf("synth: no standard")
	}
	s := &schema{std: std}
	for i := range nKinds {
		name := kindName(i)
		if s.kinds[i] = std.Kind(name); s.kinds[i] == nil {
			return nil, fmt.Errorf("synth: the standard has no kind %q", name)
		}
	}
	var err error
	col := func(kind int, name string) int {
		f := s.kinds[kind].Field(name)
		if f == nil {
			if err == nil {
				err = fmt.Errorf("synth: the standard has no field %s.%s", kindName(kind), name)
			}
			return 0
		}
		return f.Index
	}
	c := &s.car
	c.ref, c.reg, c.dob = col(kCarers, "client_ref"), col(kCarers, "registration_date"), col(kCarers, "date_of_birth")
	c.gender, c.ethnicity, c.postcode = col(kCarers, "gender"), col(kCarers, "ethnicity"), col(kCarers, "postcode")
	c.la, c.hours, c.condition = col(kCarers, "local_authority"), col(kCarers, "caring_hours_per_week"), col(kCarers, "cared_for_condition")
	c.relationship, c.limiting, c.financial = col(kCarers, "relationship"), col(kCarers, "limiting_illness"), col(kCarers, "financial_difficulty")
	c.emp, c.budget, c.referral, c.consent = col(kCarers, "employment_status"), col(kCarers, "personal_budget"), col(kCarers, "referral_source"), col(kCarers, "consent_followup")
	u := &s.sup
	u.ref, u.date, u.activity = col(kSupport, "client_ref"), col(kSupport, "date"), col(kSupport, "activity")
	u.mode, u.minutes, u.ooh = col(kSupport, "mode"), col(kSupport, "minutes"), col(kSupport, "outside_office_hours")
	o := &s.out
	o.ref, o.date, o.outcome = col(kOutcomes, "client_ref"), col(kOutcomes, "outcome_date"), col(kOutcomes, "outcome")
	o.hours, o.size, o.evidence = col(kOutcomes, "hours_per_week"), col(kOutcomes, "employer_size"), col(kOutcomes, "evidence")
	f := &s.fol
	f.ref, f.date, f.wave, f.emp = col(kFollowups, "client_ref"), col(kFollowups, "survey_date"), col(kFollowups, "wave"), col(kFollowups, "employment_status")
	f.hours, f.confidence, f.it = col(kFollowups, "hours_per_week"), col(kFollowups, "confidence"), col(kFollowups, "it_skills")
	f.suited, f.understood = col(kFollowups, "times_suited"), col(kFollowups, "staff_understood")
	f.heard, f.mode = col(kFollowups, "heard_via"), col(kFollowups, "response_mode")
	for _, g := range s.kinds[kFollowups].Groups {
		if g.Name == "swemwbs" {
			for _, n := range g.Fields {
				f.swemwbs = append(f.swemwbs, col(kFollowups, n))
			}
		}
	}
	if len(f.swemwbs) == 0 && err == nil {
		err = fmt.Errorf("synth: the standard has no swemwbs group in followups")
	}
	n := &s.fin
	n.cost, n.fte = col(kFinance, "delivery_cost_gbp"), col(kFinance, "staff_fte")
	n.volunteer, n.outreach, n.until = col(kFinance, "volunteer_hours"), col(kFinance, "outreach_sessions"), col(kFinance, "funding_secured_until")
	for _, fld := range s.kinds[kFinance].Fields {
		if fld.Type == standard.Money && fld.Index != n.cost {
			n.funding = append(n.funding, fld.Index)
		}
	}
	if err != nil {
		return nil, err
	}
	if err := checkCodes(std); err != nil {
		return nil, err
	}
	for _, e := range s.kinds[kFollowups].Fields[f.wave].CodeList.Entries {
		if e.Weeks == nil {
			return nil, fmt.Errorf("synth: wave %s has no weeks in the standard", e.Code)
		}
		s.waves = append(s.waves, wave{e.Code, *e.Weeks})
	}
	return s, nil
}

// entry returns the code-list entry of a code in a field.
func (s *schema) entry(kind, col int, code string) (standard.CodeEntry, bool) {
	cl := s.kinds[kind].Fields[col].CodeList
	i, ok := cl.Index(code)
	if !ok {
		return standard.CodeEntry{}, false
	}
	return cl.Entries[i], true
}

// inWork says whether an employment status counts as in work, as the
// standard marks it.
func (s *schema) inWork(status string) bool {
	e, _ := s.entry(kCarers, s.car.emp, status)
	return e.InWork
}
