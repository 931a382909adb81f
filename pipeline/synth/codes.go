package synth

import (
	"fmt"
	"math/rand/v2"
	"slices"

	"github.com/carer-outcomes/carer-outcomes/pipeline/standard"
)

// The few codes the simulation reasons about by name. Everything else about
// codes (which exist, their labels, which outcomes are hard or work, which
// statuses are in work, how many weeks a wave is) is read from the standard,
// and checkCodes makes sure each of these still exists there, so that a new
// version of the standard fails loudly here rather than producing bad files.
const (
	empFT       = "EMPLOYED_FT"
	empPT       = "EMPLOYED_PT"
	empSelf     = "SELF_EMPLOYED"
	empUnemp    = "UNEMPLOYED"
	empCaring   = "INACTIVE_CARING"
	empEduc     = "EDUCATION"
	empTrain    = "TRAINING"
	empRetired  = "RETIRED"
	empOther    = "OTHER_INACTIVE"
	codeUnknown = "U"

	outStayed   = "STAYED_IN_WORK"
	outWork     = "STARTED_WORK"
	outSelf     = "STARTED_SELF_EMPLOYMENT"
	outTrain    = "STARTED_TRAINING"
	outEduc     = "STARTED_EDUCATION"
	outVolunt   = "VOLUNTEERING"
	outQual     = "QUALIFICATION"
	outInterv   = "JOB_INTERVIEW"
	yes         = "Y"
	no          = "N"
	waveBase    = "BASELINE"
	sizeMicro   = "MICRO"
	modeOutrch  = "OUTREACH"
	modeOnline  = "ONLINE"
	relChild    = "CHILD"
	relPartner  = "PARTNER"
	relParent   = "PARENT"
	relSibling  = "SIBLING"
	budgetCarer = "CARER"
	budgetBoth  = "BOTH"
	budgetCF    = "CARED_FOR"
	evSelf      = "SELF_REPORT"
)

// picker draws codes of one code list with realistic weights. The codes come
// from the standard in its order; a weight names a code, and a code the
// weights do not name gets the default weight, so a code added to the
// standard still turns up in the data.
type picker struct {
	codes []string
	cum   []float64
}

func newPicker(cl *standard.CodeList, weights map[string]float64, def float64) (*picker, error) {
	if cl == nil {
		return nil, fmt.Errorf("no code list")
	}
	names := make([]string, 0, len(weights))
	for c := range weights {
		names = append(names, c)
	}
	slices.Sort(names)
	for _, c := range names {
		if _, ok := cl.Index(c); !ok {
			return nil, fmt.Errorf("code list %s has no code %q", cl.Name, c)
		}
	}
	p := &picker{}
	total := 0.0
	for _, e := range cl.Entries {
		w, ok := weights[e.Code]
		if !ok {
			w = def
		}
		if w <= 0 {
			continue
		}
		total += w
		p.codes = append(p.codes, e.Code)
		p.cum = append(p.cum, total)
	}
	if total == 0 {
		return nil, fmt.Errorf("code list %s: no code has a weight", cl.Name)
	}
	for i := range p.cum {
		p.cum[i] /= total
	}
	return p, nil
}

func (p *picker) pick(r *rand.Rand) string {
	x := r.Float64()
	i, _ := slices.BinarySearch(p.cum, x)
	if i >= len(p.codes) {
		i = len(p.codes) - 1
	}
	return p.codes[i]
}

// checkCodes makes sure every code the simulation names exists in the code
// list of the field that carries it.
func checkCodes(std *standard.Standard) error {
	need := []struct {
		kind, field string
		codes       []string
	}{
		{"carers", "employment_status", []string{empFT, empPT, empSelf, empUnemp, empCaring, empEduc, empTrain, empRetired, empOther, codeUnknown}},
		{"carers", "consent_followup", []string{yes, no, codeUnknown}},
		{"carers", "relationship", []string{relChild, relPartner, relParent, relSibling}},
		{"carers", "personal_budget", []string{budgetCarer, budgetBoth, budgetCF}},
		{"outcomes", "outcome", []string{outStayed, outWork, outSelf, outTrain, outEduc, outVolunt, outQual, outInterv}},
		{"outcomes", "employer_size", []string{sizeMicro}},
		{"outcomes", "evidence", []string{evSelf}},
		{"followups", "wave", []string{waveBase}},
		{"support", "mode", []string{modeOutrch, modeOnline}},
	}
	for _, n := range need {
		f, err := field(std, n.kind, n.field)
		if err != nil {
			return err
		}
		if f.CodeList == nil {
			return fmt.Errorf("synth: %s.%s is not coded in the standard", n.kind, n.field)
		}
		for _, c := range n.codes {
			if _, ok := f.CodeList.Index(c); !ok {
				return fmt.Errorf("synth: %s.%s has no code %q in the standard", n.kind, n.field, c)
			}
		}
	}
	return nil
}

// field returns a field of the standard or an error naming it.
func field(std *standard.Standard, kind, name string) (*standard.Field, error) {
	k := std.Kind(kind)
	if k == nil {
		return nil, fmt.Errorf("synth: the standard has no kind %q", kind)
	}
	f := k.Field(name)
	if f == nil {
		return nil, fmt.Errorf("synth: the standard has no field %s.%s", kind, name)
	}
	return f, nil
}
