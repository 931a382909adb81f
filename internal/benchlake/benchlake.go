// Package benchlake generates the lake the quarterly report is measured
// on: a consortium of 50 organisations, each with a return of every kind
// for each of 40 quarters, about 5 million rows, written with the curated
// writer (no CSV, no validation) and committed as ingest commits, with
// ledger entries and value counts. It is seeded, so that every run is
// measured on the same lake, and generated once into a folder where later
// runs find it; nothing of it is committed. The quarterly benchmark
// (pipeline/quarterly) and `make bench` (cmd/bench) both read it.
package benchlake

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/carer-outcomes/carer-outcomes/pipeline"
	"github.com/carer-outcomes/carer-outcomes/pipeline/curated"
	"github.com/carer-outcomes/carer-outcomes/pipeline/ingest"
	"github.com/carer-outcomes/carer-outcomes/pipeline/lake"
	"github.com/carer-outcomes/carer-outcomes/pipeline/metrics/lakedata"
	"github.com/carer-outcomes/carer-outcomes/pipeline/pseudonym"
	"github.com/carer-outcomes/carer-outcomes/pipeline/standard"
	"github.com/carer-outcomes/carer-outcomes/pipeline/validate"
	"github.com/carer-outcomes/carer-outcomes/storage/fsstore"
)

// The generated consortium: Orgs organisations, each with a return for
// each of Quarters quarters up to Last. Per organisation and
// quarter: carersPer new carers, supportPer support contacts (with the
// carers registered in the last year), outcomesPer outcomes (carers of
// the last two years), the follow-ups due at the waves (about 420: most
// carers answer at baseline, fewer at each later wave) and one finance row.
// About 5 million rows in all.
const (
	Orgs        = 50
	Quarters    = 40
	carersPer   = 120
	supportPer  = 1_900
	outcomesPer = 80
	version     = 3 // bump when the generated lake changes
)

// Last is the lake's latest quarter, the one its report is for.
var Last = pipeline.Period{Year: 2026, Quarter: 3}

// waves are the follow-up waves: days after registration and the share of
// carers who answer.
var waves = []struct {
	code   string
	days   int
	answer float64
}{
	{"BASELINE", 0, 0.95}, {"W13", 91, 0.8}, {"W26", 182, 0.7}, {"W52", 364, 0.6}, {"W104", 728, 0.5},
}

// OrgCodes are the organisations' codes, in the order they are generated.
func OrgCodes() []string {
	regions := []string{"LEEDS", "BRISTOL", "YORK", "DERBY", "HULL", "BATH", "STOKE", "KENT", "DEVON", "WIRRAL"}
	out := make([]string, Orgs)
	for i := range out {
		out[i] = fmt.Sprintf("%s-%02d", regions[i%len(regions)], i/len(regions)+1)
	}
	return out
}

func periods() []pipeline.Period {
	ps := make([]pipeline.Period, Quarters)
	p := Last
	for i := Quarters - 1; i >= 0; i-- {
		ps[i], p = p, p.Prev()
	}
	return ps
}

// Open returns the generated lake under base (a folder of its own, named
// by the generator's version and size), generating it first when it is not
// there yet, and the number of rows it holds. A later call finds it.
func Open(ctx context.Context, std *standard.Standard, base string) (*lake.Lake, Info, error) {
	dir := filepath.Join(base, fmt.Sprintf("carer-outcomes-quarterly-bench-v%d-%dx%d", version, Orgs, Quarters))
	info := Info{Dir: filepath.Join(dir, "lake")}
	done := filepath.Join(dir, "generated")
	if n, err := os.ReadFile(done); err == nil {
		if _, err := fmt.Sscan(string(n), &info.Rows); err == nil {
			store, err := fsstore.New(info.Dir)
			if err != nil {
				return nil, info, err
			}
			return &lake.Lake{Store: store}, info, nil
		}
	}
	if err := os.RemoveAll(dir); err != nil {
		return nil, info, err
	}
	start := time.Now()
	store, err := fsstore.New(info.Dir)
	if err != nil {
		return nil, info, err
	}
	l := &lake.Lake{Store: store}
	tables, err := curated.Tables(std)
	if err != nil {
		return nil, info, err
	}
	byKind := map[string]*curated.Table{}
	for _, t := range tables {
		byKind[t.Kind.Name] = t
	}
	key, err := pseudonym.ParseKey([]byte(strings.Repeat("ab", 32)))
	if err != nil {
		return nil, info, err
	}
	orgs := OrgCodes()
	rows := make([]int, len(orgs))
	errs := make([]error, len(orgs))
	jobs := make(chan int)
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for i := range jobs {
				h, err := key.For(orgs[i])
				if err == nil {
					g := &gen{ctx: ctx, lake: l, tables: byKind, h: h, org: orgs[i],
						r: rand.New(rand.NewPCG(uint64(i), 7))}
					err = g.generate()
					rows[i] = g.rows
				}
				errs[i] = err
			}
		})
	}
	for i := range orgs {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	for i := range orgs {
		if errs[i] != nil {
			return nil, info, fmt.Errorf("generate the benchmark lake: %s: %w", orgs[i], errs[i])
		}
		info.Rows += rows[i]
	}
	if err := os.WriteFile(done, fmt.Appendf(nil, "%d\n", info.Rows), 0o644); err != nil {
		return nil, info, err
	}
	info.Took = time.Since(start)
	return l, info, nil
}

// Info is what Open says of the lake.
type Info struct {
	Dir  string        // the lake's folder
	Rows int           // rows in every current file
	Took time.Duration // the time generating it took; 0 when it was there
}

// gen generates one organisation's returns.
type gen struct {
	ctx    context.Context
	lake   *lake.Lake
	tables map[string]*curated.Table
	h      *pseudonym.Hasher
	org    string
	r      *rand.Rand
	rows   int

	reg    []pipeline.Days // registration date of carer n (client_ref C<n>)
	status []int64         // employment status at registration (code index)
}

type quarter struct {
	p          pipeline.Period
	start, end pipeline.Days
	q          int // index of the quarter
}

func (g *gen) generate() error {
	for qi, p := range periods() {
		q := quarter{p: p, start: pipeline.DaysOf(p.Start()), end: pipeline.DaysOf(p.End()), q: qi}
		sum := sha256.Sum256([]byte(g.org + "/" + p.String()))
		upload := hex.EncodeToString(sum[:])
		for _, kind := range []string{lakedata.KindCarers, lakedata.KindSupport, lakedata.KindOutcomes, lakedata.KindFollowups, lakedata.KindFinance} {
			if err := g.table(q, kind, upload); err != nil {
				return err
			}
		}
	}
	return nil
}

// table writes one kind of one quarter's return and makes it current.
func (g *gen) table(q quarter, kind, upload string) error {
	t := g.tables[kind]
	var buf bytes.Buffer
	w, err := curated.NewWriter(&buf, t, curated.Meta{UploadID: upload, Org: g.org, Period: q.p.String()}, g.h)
	if err != nil {
		return err
	}
	k := t.Kind
	rec := &validate.Record{Values: make([]validate.Value, len(k.Fields))}
	// The ledger entry carries the values counted as ingest counts them.
	values := ingest.NewValueCounter(k)
	row := 1
	emit := func() error {
		row++
		rec.Row = row
		if err := w.Write(rec); err != nil {
			return err
		}
		values.Add(rec)
		return nil
	}
	// fill sets every field: a plausible random value, or (with chance
	// missing) none when the field is optional.
	fill := func(missing float64) {
		for _, f := range k.Fields {
			v := &rec.Values[f.Index]
			*v = validate.Value{Present: f.Required || g.r.Float64() >= missing}
			switch f.Type {
			case standard.Code:
				v.Int = int64(g.r.IntN(len(f.CodeList.Entries)))
			case standard.Integer:
				lo, hi := 0, 1000
				if f.Minimum != nil {
					lo = int(*f.Minimum)
				}
				if f.Maximum != nil {
					hi = int(*f.Maximum)
				}
				v.Int = int64(lo + g.r.IntN(hi-lo+1))
			case standard.Number:
				v.Float = float64(g.r.IntN(50)) / 10
			case standard.Money:
				v.Int = int64(g.r.IntN(5_000_000)) // pence
			case standard.Date:
				v.Int = int64(q.start + pipeline.Days(g.r.IntN(int(q.end-q.start)+1)))
			}
		}
		if f := k.Field("client_ref"); f != nil {
			rec.Values[f.Index].Present = true
		}
	}
	set := func(name string, v validate.Value) { rec.Values[k.Field(name).Index] = v }
	code := func(name, c string) {
		f := k.Field(name)
		for i, e := range f.CodeList.Entries {
			if e.Code == c {
				rec.Values[f.Index] = validate.Value{Present: true, Int: int64(i)}
				return
			}
		}
		panic(fmt.Sprintf("%s has no code %s", name, c))
	}
	ref := func(n int) { set("client_ref", validate.Value{Present: true, Text: fmt.Appendf(nil, "C%06d", n)}) }
	day := func(from, to pipeline.Days) int64 { return int64(from + pipeline.Days(g.r.IntN(int(to-from)+1))) }

	switch kind {
	case lakedata.KindCarers:
		statuses := []string{"EMPLOYED_FT", "EMPLOYED_PT", "EMPLOYED_PT", "SELF_EMPLOYED", "UNEMPLOYED", "UNEMPLOYED", "INACTIVE_CARING", "INACTIVE_CARING", "INACTIVE_CARING", "EDUCATION", "RETIRED", "U"}
		for range carersPer {
			fill(0.15)
			n := len(g.reg)
			reg := pipeline.Days(day(q.start, q.end))
			ref(n)
			set("registration_date", validate.Value{Present: true, Int: int64(reg)})
			set("date_of_birth", validate.Value{Present: g.r.IntN(10) < 9, Int: int64(reg) - int64(18*365+g.r.IntN(55*365))})
			set("postcode", validate.Value{Present: true, Text: fmt.Appendf(nil, "LS%d %d%c%c", 1+g.r.IntN(28), g.r.IntN(10), 'A'+g.r.IntN(26), 'A'+g.r.IntN(26))})
			set("local_authority", validate.Value{Present: true, Text: fmt.Appendf(nil, "E0800%04d", 10+g.r.IntN(40))})
			code("employment_status", statuses[g.r.IntN(len(statuses))])
			if g.r.IntN(10) < 8 {
				code("consent_followup", "Y")
			}
			g.reg = append(g.reg, reg)
			g.status = append(g.status, rec.Values[k.Field("employment_status").Index].Int)
			if err := emit(); err != nil {
				return err
			}
		}
	case lakedata.KindSupport:
		// Contacts with the carers registered in the last year, each
		// carer's together, on days from registration to the quarter's end.
		first := max(0, (q.q-3)*carersPer)
		active := len(g.reg) - first
		for j := range supportPer {
			n := first + j*active/supportPer
			fill(0.1)
			ref(n)
			set("date", validate.Value{Present: true, Int: day(max(g.reg[n], q.start), q.end)})
			if err := emit(); err != nil {
				return err
			}
		}
	case lakedata.KindOutcomes:
		outcomes := []string{"STAYED_IN_WORK", "STAYED_IN_WORK", "STARTED_WORK", "STARTED_WORK", "STARTED_SELF_EMPLOYMENT", "STARTED_TRAINING", "STARTED_TRAINING", "STARTED_EDUCATION", "VOLUNTEERING", "QUALIFICATION", "JOB_INTERVIEW", "JOB_INTERVIEW"}
		first := max(0, (q.q-7)*carersPer)
		for range outcomesPer {
			n := first + g.r.IntN(len(g.reg)-first)
			fill(0.2)
			ref(n)
			set("outcome_date", validate.Value{Present: true, Int: day(max(g.reg[n], q.start), q.end)})
			o := outcomes[g.r.IntN(len(outcomes))]
			code("outcome", o)
			hours := rec.Values[k.Field("hours_per_week").Index]
			if o == "STAYED_IN_WORK" || o == "STARTED_WORK" || o == "STARTED_SELF_EMPLOYMENT" {
				hours = validate.Value{Present: true, Int: int64(8 + g.r.IntN(30))}
			}
			set("hours_per_week", hours)
			if err := emit(); err != nil {
				return err
			}
		}
	case lakedata.KindFollowups:
		// The responses due this quarter, at each wave's day (give or take
		// a fortnight after it), from the carers who answer.
		for n, reg := range g.reg {
			for _, wv := range waves {
				d := reg + pipeline.Days(wv.days)
				if wv.days > 0 {
					d += pipeline.Days(g.r.IntN(15))
				}
				if d < q.start || d > q.end || g.r.Float64() >= wv.answer {
					continue
				}
				fill(0.15)
				ref(n)
				set("survey_date", validate.Value{Present: true, Int: int64(d)})
				code("wave", wv.code)
				status := validate.Value{Present: true, Int: g.status[n]}
				if wv.days > 0 && g.r.IntN(4) == 0 {
					status.Int = int64(g.r.IntN(len(k.Field("employment_status").CodeList.Entries)))
				}
				set("employment_status", status)
				items := g.r.IntN(10) < 8
				for i := 1; i <= 7; i++ {
					set(fmt.Sprintf("swemwbs_%d", i), validate.Value{Present: items, Int: int64(2 + g.r.IntN(3))})
				}
				if err := emit(); err != nil {
					return err
				}
			}
		}
	case lakedata.KindFinance:
		fill(0.1)
		set("delivery_cost_gbp", validate.Value{Present: true, Int: int64(4_000_000 + g.r.IntN(8_000_000))})
		set("funding_secured_until", validate.Value{Present: true, Int: int64(q.end + pipeline.Days(90*(1+g.r.IntN(8))))})
		if err := emit(); err != nil {
			return err
		}
	}
	if err := w.Close(); err != nil {
		return err
	}
	n := w.Rows()
	g.rows += n
	part := lake.Partition{Kind: kind, Org: g.org, Period: q.p}
	received := q.p.End().AddDate(0, 0, 14)
	_, err = g.lake.Commit(g.ctx, lake.Version{Partition: part, UploadID: upload, ReceivedAt: received, File: "return.xlsx", Sheet: k.Title,
		SchemaVersion: t.Version, Rows: n, Stats: lake.Stats{RowsRead: n, RowsAccepted: n, Values: values.Counts()},
		Data: bytes.NewReader(buf.Bytes()), Size: int64(buf.Len()), CommittedAt: received.Add(time.Hour)})
	return err
}
