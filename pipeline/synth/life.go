package synth

import (
	"math"
	"math/rand/v2"

	"github.com/carer-outcomes/carer-outcomes/pipeline"
)

// gen holds what every simulated carer draws from: the resolved standard and
// the distributions, so that a carer is a sequence of draws from one
// random stream and the same seed always gives the same people.
type gen struct {
	*schema
	gender, ethnicity, ethnicityDiverse, condition, conditionOlder    *picker
	relYoung, relMid, relOlder                                        *picker
	empYoung, empMid, empOlder                                        *picker
	budget, referral, referralYoung, referralRural, limiting, finance *picker
	consent, activity, activityInWork, mode, modeRural                *picker
	size, evidence, respFirst, respLater                              *picker
	hardNotWork, hardNotWorkYoung, hardInWork                         *picker
}

func newGen(s *schema) (*gen, error) {
	g := &gen{schema: s}
	var err error
	mk := func(dst **picker, kind, col int, w map[string]float64, def float64) {
		if err != nil {
			return
		}
		*dst, err = newPicker(s.kinds[kind].Fields[col].CodeList, w, def)
		if err != nil {
			err = &fieldErr{kindName(kind), s.kinds[kind].Fields[col].Name, err}
		}
	}
	c := s.car
	mk(&g.gender, kCarers, c.gender, map[string]float64{"F": 68, "M": 28.5, "X": 1, "U": 2.5}, 1)
	mk(&g.ethnicity, kCarers, c.ethnicity, map[string]float64{"WHITE": 86, "MIXED": 2, "ASIAN": 5, "BLACK": 2.5, "OTHER": 1.5, "U": 3}, 1)
	mk(&g.ethnicityDiverse, kCarers, c.ethnicity, map[string]float64{"WHITE": 62, "MIXED": 4, "ASIAN": 19, "BLACK": 8, "OTHER": 3, "U": 4}, 1)
	mk(&g.condition, kCarers, c.condition, map[string]float64{"DEMENTIA": 12, "MENTAL_HEALTH": 22, "PHYSICAL_DISABILITY": 18, "LEARNING_DISABILITY": 15,
		"LONG_TERM_CONDITION": 16, "SUBSTANCE_MISUSE": 4, "FRAILTY": 6, "OTHER": 4, "U": 3}, 2)
	mk(&g.conditionOlder, kCarers, c.condition, map[string]float64{"DEMENTIA": 30, "MENTAL_HEALTH": 8, "PHYSICAL_DISABILITY": 15, "LEARNING_DISABILITY": 8,
		"LONG_TERM_CONDITION": 17, "SUBSTANCE_MISUSE": 1, "FRAILTY": 15, "OTHER": 3, "U": 3}, 2)
	mk(&g.relYoung, kCarers, c.relationship, map[string]float64{relChild: 55, relSibling: 25, "OTHER_FAMILY": 8, relParent: 3, relPartner: 4, "FRIEND": 4, "OTHER": 1}, 1)
	mk(&g.relMid, kCarers, c.relationship, map[string]float64{relChild: 38, relParent: 30, relPartner: 20, relSibling: 4, "OTHER_FAMILY": 4, "FRIEND": 3, "OTHER": 1}, 1)
	mk(&g.relOlder, kCarers, c.relationship, map[string]float64{relPartner: 55, relParent: 15, relChild: 18, relSibling: 5, "OTHER_FAMILY": 3, "FRIEND": 3, "OTHER": 1}, 1)
	mk(&g.empYoung, kCarers, c.emp, map[string]float64{empFT: 5, empPT: 14, empSelf: 1, empUnemp: 24, empCaring: 22, empEduc: 24, empTrain: 4, empRetired: 0, empOther: 3, codeUnknown: 3}, 1)
	mk(&g.empMid, kCarers, c.emp, map[string]float64{empFT: 9, empPT: 17, empSelf: 5, empUnemp: 21, empCaring: 37, empEduc: 1, empTrain: 1, empRetired: 1, empOther: 5, codeUnknown: 3}, 1)
	mk(&g.empOlder, kCarers, c.emp, map[string]float64{empFT: 3, empPT: 12, empSelf: 5, empUnemp: 10, empCaring: 34, empEduc: 0, empTrain: 1, empRetired: 28, empOther: 4, codeUnknown: 3}, 1)
	mk(&g.budget, kCarers, c.budget, map[string]float64{"NONE": 60, budgetCarer: 12, budgetCF: 14, budgetBoth: 6, codeUnknown: 8}, 1)
	ref := map[string]float64{"GP": 10, "HOSPITAL": 6, "PHARMACY": 2, "COLLEGE": 2, "JOBCENTRE": 10, "TRAINING_PROVIDER": 3, "LOCAL_AUTHORITY": 12,
		"OTHER_CHARITY": 10, "ON_SITE": 13, "OWN_MARKETING": 8, "OUTREACH": 5, "SOCIAL_MEDIA": 7, "WORD_OF_MOUTH": 8, "OTHER": 2, codeUnknown: 2}
	mk(&g.referral, kCarers, c.referral, ref, 1)
	mk(&g.referralYoung, kCarers, c.referral, with(ref, map[string]float64{"COLLEGE": 18, "SOCIAL_MEDIA": 16, "GP": 5, "HOSPITAL": 3}), 1)
	mk(&g.referralRural, kCarers, c.referral, with(ref, map[string]float64{"OUTREACH": 16, "PHARMACY": 5, "SOCIAL_MEDIA": 4}), 1)
	mk(&g.limiting, kCarers, c.limiting, map[string]float64{yes: 27, no: 67, codeUnknown: 6}, 1)
	mk(&g.finance, kCarers, c.financial, map[string]float64{yes: 44, no: 46, codeUnknown: 10}, 1)
	mk(&g.consent, kCarers, c.consent, map[string]float64{yes: 86, no: 11, codeUnknown: 3}, 1)
	act := map[string]float64{"TRAINING_COURSE": 10, "IT_SKILLS": 9, "CV_WRITING": 10, "JOB_SEARCH": 14, "CONFIDENCE_BUILDING": 10, "ONE_TO_ONE_ADVICE": 22,
		"BENEFITS_ADVICE": 7, "VOLUNTEERING_PLACEMENT": 3, "WORK_EXPERIENCE": 3, "REPLACEMENT_CARE": 4, "EMPLOYER_LIAISON": 3, "OTHER": 3}
	mk(&g.activity, kSupport, s.sup.activity, act, 2)
	mk(&g.activityInWork, kSupport, s.sup.activity, with(act, map[string]float64{"EMPLOYER_LIAISON": 16, "JOB_SEARCH": 4, "CV_WRITING": 4, "REPLACEMENT_CARE": 8, "WORK_EXPERIENCE": 0}), 2)
	mk(&g.mode, kSupport, s.sup.mode, map[string]float64{"IN_PERSON": 46, "PHONE": 26, modeOnline: 23, modeOutrch: 5}, 2)
	mk(&g.modeRural, kSupport, s.sup.mode, map[string]float64{"IN_PERSON": 32, "PHONE": 28, modeOnline: 22, modeOutrch: 18}, 2)
	mk(&g.size, kOutcomes, s.out.size, map[string]float64{sizeMicro: 18, "SMALL": 30, "MEDIUM": 21, "LARGE": 23, codeUnknown: 8}, 1)
	mk(&g.evidence, kOutcomes, s.out.evidence, map[string]float64{"SELF_REPORT": 50, "EMPLOYER": 22, "DOCUMENT": 28}, 1)
	mk(&g.respFirst, kFollowups, s.fol.mode, map[string]float64{"IN_PERSON": 50, "PAPER": 25, "PHONE": 15, "ONLINE": 10}, 1)
	mk(&g.respLater, kFollowups, s.fol.mode, map[string]float64{"IN_PERSON": 5, "PAPER": 15, "PHONE": 35, "ONLINE": 45}, 1)
	// Hard outcomes: the weights name codes; milestones and codes not named get none.
	mk(&g.hardNotWork, kOutcomes, s.out.outcome, map[string]float64{outWork: 56, outSelf: 11, outTrain: 23, outEduc: 10}, 0)
	mk(&g.hardNotWorkYoung, kOutcomes, s.out.outcome, map[string]float64{outWork: 40, outSelf: 3, outTrain: 25, outEduc: 32}, 0)
	mk(&g.hardInWork, kOutcomes, s.out.outcome, map[string]float64{outStayed: 82, outTrain: 9, outEduc: 3, outSelf: 6}, 0)
	if err != nil {
		return nil, err
	}
	return g, nil
}

type fieldErr struct {
	kind, field string
	err         error
}

func (e *fieldErr) Error() string { return "synth: " + e.kind + "." + e.field + ": " + e.err.Error() }

// with returns base with some weights changed.
func with(base, changes map[string]float64) map[string]float64 {
	out := make(map[string]float64, len(base))
	for k, v := range base {
		out[k] = v
	}
	for k, v := range changes {
		out[k] = v
	}
	return out
}

// carer is one simulated carer: the profile sent in the carers table and the
// hidden course of their employment that outcomes and follow-ups report.
type carer struct {
	ref       string
	reg       pipeline.Days
	dob       pipeline.Days
	hasDOB    bool
	age       int
	gender    string
	ethnicity string
	postcode  string
	la        string
	hours     int // caring hours a week, -1 missing
	condition string
	relation  string
	limiting  string
	financial string
	empReg    string // as reported at registration
	budget    string
	referral  string
	consent   string

	spells   []spell // employment over time, from registration
	firstOut pipeline.Days
	conf0    float64 // latent confidence at registration
	it0      float64
	wb0      float64 // latent mean SWEMWBS item
	engaged  float64 // how likely to answer surveys
}

// spell is the carer's employment from a day on.
type spell struct {
	from   pipeline.Days
	status string
	hours  int
}

func (c *carer) statusAt(d pipeline.Days) spell {
	s := c.spells[0]
	for _, sp := range c.spells[1:] {
		if sp.from > d {
			break
		}
		s = sp
	}
	return s
}

// newCarer draws a carer's profile at registration.
func (g *gen) newCarer(r *rand.Rand, o *orgProfile, ref string, reg pipeline.Days) *carer {
	c := &carer{ref: ref, reg: reg, hours: -1}
	// Age: young adult carers and older carers as well as the working-age majority.
	switch x := r.Float64(); {
	case x < 0.13:
		c.age = 16 + r.IntN(9)
	case x < 0.28:
		c.age = 25 + r.IntN(10)
	case x < 0.48:
		c.age = 35 + r.IntN(10)
	case x < 0.73:
		c.age = 45 + r.IntN(10)
	case x < 0.92:
		c.age = 55 + r.IntN(10)
	case x < 0.995:
		c.age = 65 + r.IntN(16)
	default:
		c.age = 81 + r.IntN(25)
	}
	c.dob = yearsBefore(reg, c.age) - pipeline.Days(r.IntN(365))
	c.hasDOB = r.Float64() >= 0.03
	c.gender = g.gender.pick(r)
	if o.diverse {
		c.ethnicity = g.ethnicityDiverse.pick(r)
	} else {
		c.ethnicity = g.ethnicity.pick(r)
	}
	if r.Float64() < 0.9 {
		c.postcode = postcode(r, o.areas[r.IntN(len(o.areas))])
	}
	if r.Float64() < 0.93 {
		c.la = o.las[r.IntN(len(o.las))]
	}
	if r.Float64() < 0.95 {
		switch x := r.Float64(); {
		case x < 0.3:
			c.hours = 5 + r.IntN(15)
		case x < 0.6:
			c.hours = 20 + r.IntN(15)
		case x < 0.78:
			c.hours = 35 + r.IntN(15)
		case x < 0.9:
			c.hours = []int{50, 50, 56, 60, 70, 80, 100}[r.IntN(7)]
		default:
			c.hours = []int{112, 120, 140, 168, 168}[r.IntN(5)]
		}
	}
	switch {
	case c.age < 25:
		c.relation = g.relYoung.pick(r)
		c.empReg = g.empYoung.pick(r)
		c.condition = g.condition.pick(r)
	case c.age < 60:
		c.relation = g.relMid.pick(r)
		c.empReg = g.empMid.pick(r)
		c.condition = g.condition.pick(r)
	default:
		c.relation = g.relOlder.pick(r)
		c.empReg = g.empOlder.pick(r)
		c.condition = g.conditionOlder.pick(r)
	}
	if r.Float64() < 0.04 {
		c.relation = ""
	}
	c.limiting = g.limiting.pick(r)
	c.financial = g.finance.pick(r)
	if r.Float64() < 0.06 {
		c.financial = ""
	}
	c.budget = g.budget.pick(r)
	if r.Float64() < 0.05 {
		c.budget = ""
	}
	switch {
	case c.age < 25:
		c.referral = g.referralYoung.pick(r)
	case o.rural:
		c.referral = g.referralRural.pick(r)
	default:
		c.referral = g.referral.pick(r)
	}
	if r.Float64() < 0.03 {
		c.referral = ""
	}
	c.consent = g.consent.pick(r)
	c.conf0 = clampF(r.NormFloat64()*0.8+2.3, 1, 5)
	c.it0 = clampF(r.NormFloat64()*0.9+2.9, 1, 5)
	c.wb0 = clampF(r.NormFloat64()*0.45+2.6, 1.2, 4.6)
	c.engaged = 0.75 + 0.4*r.Float64()
	return c
}

// postcode returns a postcode in a district: the district, a space, then
// the inward code (a digit and two of the letters Royal Mail uses there).
func postcode(r *rand.Rand, district string) string {
	const letters = "ABDEFGHJLNPQRSTUWXYZ"
	b := make([]byte, 0, len(district)+4)
	b = append(b, district...)
	b = append(b, ' ', byte('1'+r.IntN(9)), letters[r.IntN(len(letters))], letters[r.IntN(len(letters))])
	return string(b)
}

func clampF(x, lo, hi float64) float64 { return math.Max(lo, math.Min(hi, x)) }

func clampI(x, lo, hi int) int { return max(lo, min(hi, x)) }
