package synth

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/carer-outcomes/carer-outcomes/pipeline"
	"github.com/carer-outcomes/carer-outcomes/pipeline/consortium"
	"github.com/carer-outcomes/carer-outcomes/pipeline/standard"
	"github.com/carer-outcomes/carer-outcomes/pipeline/surveys"
)

// Config says what consortium to generate.
type Config struct {
	// Out is the folder the returns and manifest.json are written to. Files
	// of the same names are replaced; nothing else there is touched.
	Out string
	// Seed makes the output: the same seed and config give the same bytes.
	Seed uint64
	// Orgs is how many member organisations send returns (1 to MaxOrgs()).
	Orgs int
	// Quarters is how many quarterly returns each organisation sends.
	Quarters int
	// Last is the quarter of the latest returns.
	Last pipeline.Period
	// History is how many quarters of earlier work each organisation brings
	// in its first return (carers registered before the consortium began
	// reporting, with their support, outcomes and follow-ups), so that
	// year-long and two-year measures have data from the start.
	History int
	// Without are carers left out of every return, as if they had never
	// been registered: the consortium a lake would hold had it never held
	// them (the erasure tests compare a lake after an erasure with it).
	Without []Carer
}

// Carer names one carer: an organisation's client reference.
type Carer struct {
	Org, ClientRef string
}

// DefaultConfig is six organisations, eight quarters to 2026-Q3, seed 1.
func DefaultConfig() Config {
	return Config{Seed: 1, Orgs: 6, Quarters: 8, Last: pipeline.Period{Year: 2026, Quarter: 3}, History: 4}
}

// Manifest describes a generated consortium: who is in it, and each return
// with its files and the day it arrived.
type Manifest struct {
	Seed          uint64   `json:"seed"`
	First         string   `json:"first"`
	Last          string   `json:"last"`
	Organisations []Org    `json:"organisations"`
	Returns       []Return `json:"returns"`
}

// Return is one organisation's return for one quarter.
type Return struct {
	Org    string `json:"org"`
	Period string `json:"period"`
	// Files are relative to the output folder, with forward slashes.
	Files []string `json:"files"`
	// Submitted is the day the return arrived, YYYY-MM-DD.
	Submitted string `json:"submitted"`
	// FirstAttempt, when set, is a version of the return sent before it,
	// with mistakes: its rows with errors are rejected, and the return
	// above is the corrected resubmission that replaces it.
	FirstAttempt *Attempt `json:"first_attempt,omitempty"`
}

// Attempt is a version of a return sent before the one that stands.
type Attempt struct {
	Files     []string `json:"files"`
	Submitted string   `json:"submitted"`
}

// ManifestFile is the name of the manifest in the output folder.
const ManifestFile = "manifest.json"

func (c Config) validate(std *standard.Standard) error {
	switch {
	case c.Out == "":
		return pipeline.Errorf(pipeline.Invalid, "synth: no output folder")
	case c.Orgs < 1 || c.Orgs > MaxOrgs():
		return pipeline.Errorf(pipeline.Invalid, "synth: %d organisations: want 1 to %d", c.Orgs, MaxOrgs())
	case c.Quarters < 1 || c.Quarters > 40:
		return pipeline.Errorf(pipeline.Invalid, "synth: %d quarters: want 1 to 40", c.Quarters)
	case c.History < 0 || c.History > 20:
		return pipeline.Errorf(pipeline.Invalid, "synth: %d quarters of history: want 0 to 20", c.History)
	case c.Last.Quarter < 1 || c.Last.Quarter > 4 || c.Last.Year > 9000:
		return pipeline.Errorf(pipeline.Invalid, "synth: last quarter %v is not a quarter", c.Last)
	}
	first := c.Last
	for range c.Quarters - 1 + c.History {
		first = first.Prev()
	}
	if quarterStart(first) < std.EarliestDate {
		return pipeline.Errorf(pipeline.Invalid, "synth: the data would start in %v, before %v", first, std.EarliestDate)
	}
	return nil
}

// Generate writes a consortium's quarterly returns under cfg.Out: for each
// organisation and quarter a folder ORG/YYYY-Qn holding either five CSV
// files (carers.csv, support.csv, outcomes.csv, followups.csv, finance.csv)
// or one workbook return.xlsx, and manifest.json describing them. Every file
// is valid under std; the organisations' habits (labels, day-first dates,
// byte-order marks, Windows-1252, titles for headers, real Excel dates, …)
// differ as they do in real returns.
func Generate(std *standard.Standard, cfg Config) (*Manifest, error) {
	if std == nil {
		return nil, pipeline.Errorf(pipeline.Invalid, "synth: no standard")
	}
	if err := cfg.validate(std); err != nil {
		return nil, err
	}
	sc, err := newSchema(std)
	if err != nil {
		return nil, err
	}
	g, err := newGen(sc)
	if err != nil {
		return nil, err
	}
	window := make([]pipeline.Period, cfg.Quarters)
	window[len(window)-1] = cfg.Last
	for i := len(window) - 2; i >= 0; i-- {
		window[i] = window[i+1].Prev()
	}
	m := &Manifest{Seed: cfg.Seed, First: window[0].String(), Last: cfg.Last.String(), Organisations: Organisations(cfg.Orgs)}
	cat := catalogue()
	for i := range cfg.Orgs {
		o := &cat[i]
		r := rand.New(rand.NewPCG(cfg.Seed, stream(o.Code, "simulate")))
		rets := g.simulateOrg(r, o, window, cfg.History)
		for _, w := range cfg.Without {
			if w.Org == o.Code {
				leaveOut(sc, rets, w.ClientRef)
			}
		}
		retry := -1 // the first organisation's latest return in CSV is sent twice
		for qi := range rets {
			if i == 0 && !o.h.workbook(qi) {
				retry = qi
			}
		}
		for qi, ret := range rets {
			dir := path.Join(o.Code, ret.period.String())
			if err := os.MkdirAll(filepath.Join(cfg.Out, filepath.FromSlash(dir)), 0o755); err != nil {
				return nil, pipeline.Errorf(pipeline.Internal, "synth: %w", err)
			}
			rd := newRenderer(sc, o, rand.New(rand.NewPCG(cfg.Seed, stream(o.Code, "render", ret.period.String()))))
			var files []string
			if o.h.workbook(qi) {
				files, err = writeWorkbook(cfg.Out, dir, ret, rd)
			} else {
				files, err = writeCSVs(cfg.Out, dir, ret, rd)
			}
			if err != nil {
				return nil, pipeline.Errorf(pipeline.Internal, "synth: %s %v: %w", o.Code, ret.period, err)
			}
			rt := Return{Org: o.Code, Period: ret.period.String(), Files: files, Submitted: ret.submitted.String()}
			if qi == retry {
				rd := newRenderer(sc, o, rand.New(rand.NewPCG(cfg.Seed, stream(o.Code, "render", ret.period.String()))))
				if rt.FirstAttempt, err = g.writeFirstAttempt(cfg.Out, dir, ret, rd); err != nil {
					return nil, pipeline.Errorf(pipeline.Internal, "synth: %s %v: %w", o.Code, ret.period, err)
				}
			}
			m.Returns = append(m.Returns, rt)
		}
	}
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, pipeline.Errorf(pipeline.Internal, "synth: manifest: %w", err)
	}
	if err := os.WriteFile(filepath.Join(cfg.Out, ManifestFile), append(b, '\n'), 0o644); err != nil {
		return nil, pipeline.Errorf(pipeline.Internal, "synth: %w", err)
	}
	c := m.Consortium(window[0], std)
	cb, err := c.Marshal()
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(cfg.Out, ConsortiumFile), cb, 0o644); err != nil {
		return nil, pipeline.Errorf(pipeline.Internal, "synth: %w", err)
	}
	// The demo's webhook secrets, made from the seed: a sample consortium's
	// secrets protect nothing, and a real one's live in Secrets Manager.
	secrets := map[string]string{}
	for _, o := range c.Organisations {
		for _, f := range o.Forms {
			sum := sha256.Sum256(fmt.Appendf(nil, "%d webhook %s/%s", cfg.Seed, o.Code, f.ID))
			secrets[o.Code+"/"+f.ID] = hex.EncodeToString(sum[:])
		}
	}
	sb, err := json.MarshalIndent(secrets, "", "  ")
	if err != nil {
		return nil, pipeline.Errorf(pipeline.Internal, "synth: %w", err)
	}
	if err := os.WriteFile(filepath.Join(cfg.Out, SecretsFile), append(sb, '\n'), 0o600); err != nil {
		return nil, pipeline.Errorf(pipeline.Internal, "synth: %w", err)
	}
	return m, nil
}

// leaveOut removes a carer's rows from every table of the returns.
func leaveOut(sc *schema, rets []*retData, ref string) {
	refs := [nKinds]int{kCarers: sc.car.ref, kSupport: sc.sup.ref, kOutcomes: sc.out.ref, kFollowups: sc.fol.ref, kFinance: -1}
	for _, ret := range rets {
		for k, col := range refs {
			if col >= 0 {
				ret.tables[k] = slices.DeleteFunc(ret.tables[k], func(t tableRow) bool { return t.row[col].s == ref })
			}
		}
	}
}

// SecretsFile is the name of the sample forms' webhook secrets
// ({"ORG/form": "secret"}, as `outcomes serve --secrets` reads) in the
// output folder.
const SecretsFile = "webhook-secrets.json"

// SurveyForm is the id of the survey form the sample consortium's first
// organisation receives its follow-ups through in the demo.
const SurveyForm = "followups"

// writeFirstAttempt writes a return's carers and support tables as they
// were first sent, two days before the corrected return: a few support
// rows name an activity in the organisation's own words rather than the
// standard's codes, so they are rejected, and the resubmission replaces
// the whole support table (its carers file is the same bytes again).
func (g *gen) writeFirstAttempt(out, dir string, ret *retData, rd *renderer) (*Attempt, error) {
	support := slices.Clone(ret.tables[kSupport])
	for i := 0; i < len(support) && i < 12; i += 4 {
		support[i].row = slices.Clone(support[i].row)
		support[i].row[g.sup.activity] = textV("Job club (weekly)")
	}
	dir = path.Join(dir, "first-attempt")
	if err := os.MkdirAll(filepath.Join(out, filepath.FromSlash(dir)), 0o755); err != nil {
		return nil, err
	}
	a := &Attempt{Submitted: (ret.submitted - 2).String()}
	for _, t := range []struct {
		kind int
		rows []tableRow
	}{{kCarers, ret.tables[kCarers]}, {kSupport, support}} {
		name := path.Join(dir, kindName(t.kind)+".csv")
		if err := writeCSV(filepath.Join(out, filepath.FromSlash(name)), t.kind, t.rows, rd); err != nil {
			return nil, err
		}
		a.Files = append(a.Files, name)
	}
	return a, nil
}

// ConsortiumFile is the name of the sample consortium's configuration (see
// package consortium) in the output folder.
const ConsortiumFile = "consortium.json"

// Consortium is the sample consortium's configuration: its organisations,
// a lead address at the lead organisation, contacts under example.org (a
// domain reserved for examples, so no demo e-mail can reach anyone) and
// retention periods of the kind a consortium would choose.
// The first organisation has one survey form, the generic form the demo
// replays its follow-up returns through (surveys.TableForm).
func (m *Manifest) Consortium(first pipeline.Period, std *standard.Standard) *consortium.Consortium {
	c := &consortium.Consortium{
		Name:         "Sample Carers Consortium",
		FirstQuarter: first,
		Reports:      consortium.Reports{Schedule: "cron(0 6 10 1,4,7,10 ? *)", Timezone: "Europe/London", From: "reports@example.org"},
		Retention:    consortium.Retention{LandingDays: 7, RawDays: 7 * 365, ReportsDays: 2 * 365, AthenaResultsDays: 30, AccessLogDays: 365},
	}
	for _, o := range m.Organisations {
		mailbox := "data." + strings.ToLower(o.Code) + "@example.org"
		org := consortium.Organisation{Code: o.Code, Name: o.Name, Contacts: []string{mailbox}}
		if len(c.Organisations) == 0 {
			org.Forms = []surveys.Form{surveys.TableForm(SurveyForm, std)}
		}
		c.Organisations = append(c.Organisations, org)
		if o.Lead {
			c.Leads = append(c.Leads, "lead."+strings.ToLower(o.Code)+"@example.org")
		}
	}
	return c
}

// stream is a random stream's number: one per organisation and purpose, so
// that adding an organisation or a habit leaves the others' data unchanged.
func stream(parts ...string) uint64 {
	h := fnv.New64a()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return h.Sum64()
}

// tableRow is a row of a return with what orders it in the table: rows that
// arrive late come after the others, as they are added later.
type tableRow struct {
	late bool
	date pipeline.Days
	seq  int
	row  []value
}

// retData is one return before it is written.
type retData struct {
	period    pipeline.Period
	submitted pipeline.Days
	tables    [nKinds][]tableRow
}

func (rt *retData) add(kind int, late bool, date pipeline.Days, seq int, row []value) {
	rt.tables[kind] = append(rt.tables[kind], tableRow{late, date, seq, slices.Clone(row)})
}

// simulateOrg runs one organisation through the history and the window,
// quarter by quarter, and sorts what happens into the returns of the window.
// A row goes into the return of the quarter it is dated in, or sometimes a
// later one (a late row), never an earlier one, and never before the return
// that first brings its carer; rows dated before the window go into the
// first return.
func (g *gen) simulateOrg(r *rand.Rand, o *orgProfile, window []pipeline.Period, history int) []*retData {
	q := len(window)
	end := quarterEnd(window[q-1])
	rets := make([]*retData, q)
	for i, p := range window {
		rets[i] = &retData{period: p}
	}
	start := window[0]
	for range history {
		start = start.Prev()
	}
	seq, rowSeq := 0, 0
	var (
		carerRet int
		ref      string
	)
	s := g.newSink(end, func(kind int, date pipeline.Days, row []value) {
		own := max(periodIndex(window[0], date), 0)
		ri := max(own, carerRet) + lateness(r, kind)
		if ri >= q {
			return // arrives after the last return
		}
		rowSeq++
		rets[ri].add(kind, ri > own, date, rowSeq, row)
		if kind == kOutcomes && r.Float64() < 0.01 { // sent again later: the same outcome
			if k := ri + 1 + r.IntN(2); k < q {
				rets[k].add(kind, true, date, rowSeq, row)
			}
		}
	}, kSupport, kOutcomes, kFollowups)
	carerRow := make([]value, len(g.kinds[kCarers].Fields))

	for p, qi := start, -history; qi < q; p, qi = p.Next(), qi+1 {
		n := clampI(o.size+r.IntN(31)-15, 20, 80)
		first, last := quarterStart(p), quarterEnd(p)
		regs := make([]pipeline.Days, n)
		for i := range regs {
			d := first + pipeline.Days(r.IntN(int(last-first)+1))
			switch d.Time().Weekday() { // offices register carers on weekdays
			case time.Saturday:
				if d-1 >= first {
					d--
				}
			case time.Sunday:
				if d+1 <= last {
					d++
				}
			}
			regs[i] = d
		}
		slices.Sort(regs)
		for _, reg := range regs {
			seq++
			ref = o.ref(seq, reg)
			c := g.newCarer(r, o, ref, reg)
			carerRet = max(qi, 0)
			late := qi >= 0 && r.Float64() < 0.05
			if late {
				carerRet++
			}
			if carerRet >= q {
				continue // registered too late in the last quarter to be sent yet
			}
			g.carerRow(c, carerRow)
			rowSeq++
			rets[carerRet].add(kCarers, late, reg, rowSeq, carerRow)
			if r.Float64() < 0.05 {
				if k := carerRet + 1 + r.IntN(4); k < q {
					g.carerRow(g.update(r, o, c), carerRow)
					rowSeq++
					rets[k].add(kCarers, true, reg, rowSeq, carerRow)
				}
			}
			g.live(r, o, c, s)
		}
	}

	funded := quarterEnd(window[0])
	for range o.fundedTo {
		funded = quarterEnd(pipeline.PeriodOf(funded.Time()).Next())
	}
	for _, rt := range rets {
		qEnd := quarterEnd(rt.period)
		if funded-qEnd < 120 && (r.Float64() < 0.75 || funded < qEnd) { // renewed, at the latest when it runs out
			ext := pipeline.PeriodOf(funded.Time())
			for range 4 + r.IntN(9) {
				ext = ext.Next()
			}
			funded = quarterEnd(ext)
		}
		rowSeq++
		rt.add(kFinance, false, qEnd, rowSeq, g.financeRow(r, o, funded))
		if r.Float64() < 0.86 {
			rt.submitted = qEnd + pipeline.Days(3+r.IntN(28))
		} else {
			rt.submitted = qEnd + pipeline.Days(31+r.IntN(45))
		}
		for k := range rt.tables {
			slices.SortStableFunc(rt.tables[k], func(a, b tableRow) int {
				switch {
				case a.late != b.late:
					if a.late {
						return 1
					}
					return -1
				case a.date != b.date:
					return int(a.date) - int(b.date)
				}
				return a.seq - b.seq
			})
		}
	}
	return rets
}

// lateness is how many quarters after its own a row arrives.
func lateness(r *rand.Rand, kind int) int {
	p1, p2 := 0.05, 0.01
	switch kind {
	case kOutcomes:
		p1, p2 = 0.09, 0.02
	case kFollowups:
		p1, p2 = 0.06, 0.01
	}
	switch x := r.Float64(); {
	case x < p2:
		return 2
	case x < p2+p1:
		return 1
	}
	return 0
}

// financeRow is the organisation's one finance row for a quarter: staff,
// volunteers, outreach, what the service cost and who paid for it.
func (g *gen) financeRow(r *rand.Rand, o *orgProfile, funded pipeline.Days) []value {
	k := g.fin
	row := make([]value, len(g.kinds[kFinance].Fields))
	fte := math.Round(o.fte*(0.9+0.2*r.Float64())*10) / 10
	cost := int64(fte*10500*(0.95+0.15*r.Float64())*100) + int64(200000+r.IntN(400000))
	row[k.cost] = moneyV(cost)
	row[k.fte] = numV(fte)
	row[k.volunteer] = intV(int(o.fte * 40 * (0.5 + r.Float64())))
	if o.rural {
		row[k.outreach] = intV(6 + r.IntN(19))
	} else if r.Float64() < 0.9 {
		row[k.outreach] = intV(r.IntN(9))
	}
	// Shares of the funding, in the standard's order of funding columns
	// (local authority, NHS, trusts, lottery, other); any others get a little.
	shares := make([]float64, len(k.funding))
	total := 0.0
	for i := range shares {
		base := []float64{0.4, 0.12, 0.2, 0.18, 0.1}
		w := 0.05
		if i < len(base) {
			w = base[i]
		}
		if r.Float64() < 0.15 {
			w = 0
		}
		shares[i] = w * (0.6 + 0.8*r.Float64())
		total += shares[i]
	}
	income := float64(cost) * (0.92 + 0.16*r.Float64())
	for i, col := range k.funding {
		switch {
		case shares[i] > 0:
			row[col] = moneyV(int64(income * shares[i] / total))
		case r.Float64() < 0.5:
			row[col] = moneyV(0)
		}
	}
	row[k.until] = dateV(funded)
	return row
}
