package quarterly_test

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
	"testing"
	"time"

	"github.com/carer-outcomes/carer-outcomes/internal/heapwatch"
	"github.com/carer-outcomes/carer-outcomes/pipeline"
	"github.com/carer-outcomes/carer-outcomes/pipeline/curated"
	"github.com/carer-outcomes/carer-outcomes/pipeline/ingest"
	"github.com/carer-outcomes/carer-outcomes/pipeline/lake"
	"github.com/carer-outcomes/carer-outcomes/pipeline/metrics"
	"github.com/carer-outcomes/carer-outcomes/pipeline/metrics/lakedata"
	"github.com/carer-outcomes/carer-outcomes/pipeline/pseudonym"
	"github.com/carer-outcomes/carer-outcomes/pipeline/quarterly"
	"github.com/carer-outcomes/carer-outcomes/pipeline/reportpage"
	"github.com/carer-outcomes/carer-outcomes/pipeline/standard"
	"github.com/carer-outcomes/carer-outcomes/pipeline/standard/standardtest"
	"github.com/carer-outcomes/carer-outcomes/pipeline/validate"
	"github.com/carer-outcomes/carer-outcomes/storage/fsstore"
)

// The generated consortium: benchOrgs organisations, each with a return for
// each of benchQuarters quarters up to benchLast. Per organisation and
// quarter: benchCarers new carers, benchSupport support contacts (with the
// carers registered in the last year), benchOutcomes outcomes (carers of
// the last two years), the follow-ups due at the waves (about 420: most
// carers answer at baseline, fewer at each later wave) and one finance row.
// About 5 million rows in all.
const (
	benchOrgs     = 50
	benchQuarters = 40
	benchCarers   = 120
	benchSupport  = 1_900
	benchOutcomes = 80
	benchVersion  = 2 // bump when the generated lake changes
)

var benchLast = pipeline.Period{Year: 2026, Quarter: 3}

// waves are the follow-up waves: days after registration and the share of
// carers who answer.
var waves = []struct {
	code   string
	days   int
	answer float64
}{
	{"BASELINE", 0, 0.95}, {"W13", 91, 0.8}, {"W26", 182, 0.7}, {"W52", 364, 0.6}, {"W104", 728, 0.5},
}

func benchOrgCodes() []string {
	regions := []string{"LEEDS", "BRISTOL", "YORK", "DERBY", "HULL", "BATH", "STOKE", "KENT", "DEVON", "WIRRAL"}
	out := make([]string, benchOrgs)
	for i := range out {
		out[i] = fmt.Sprintf("%s-%02d", regions[i%len(regions)], i/len(regions)+1)
	}
	return out
}

func benchPeriods() []pipeline.Period {
	ps := make([]pipeline.Period, benchQuarters)
	p := benchLast
	for i := benchQuarters - 1; i >= 0; i-- {
		ps[i] = p
		p = pipeline.Period{Year: p.Year, Quarter: p.Quarter - 1}
		if p.Quarter == 0 {
			p = pipeline.Period{Year: p.Year - 1, Quarter: 4}
		}
	}
	return ps
}

// benchDir is where the generated lake is kept (in dir/lake).
func benchDir() string {
	return filepath.Join(os.TempDir(), fmt.Sprintf("carer-outcomes-quarterly-bench-v%d-%dx%d", benchVersion, benchOrgs, benchQuarters))
}

// benchLake returns the generated lake, generating it once into the
// temporary folder, where later runs find it.
func benchLake(b *testing.B, std *standard.Standard) (*lake.Lake, int) {
	b.Helper()
	dir := benchDir()
	done := filepath.Join(dir, "generated")
	if n, err := os.ReadFile(done); err == nil {
		var rows int
		if _, err := fmt.Sscan(string(n), &rows); err == nil {
			store, err := fsstore.New(filepath.Join(dir, "lake"))
			if err != nil {
				b.Fatal(err)
			}
			return &lake.Lake{Store: store}, rows
		}
	}
	if err := os.RemoveAll(dir); err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	store, err := fsstore.New(filepath.Join(dir, "lake"))
	if err != nil {
		b.Fatal(err)
	}
	l := &lake.Lake{Store: store}
	tables, err := curated.Tables(std)
	if err != nil {
		b.Fatal(err)
	}
	byKind := map[string]*curated.Table{}
	for _, t := range tables {
		byKind[t.Kind.Name] = t
	}
	key, err := pseudonym.ParseKey([]byte(strings.Repeat("ab", 32)))
	if err != nil {
		b.Fatal(err)
	}
	orgs := benchOrgCodes()
	rows := make([]int, len(orgs))
	errs := make([]error, len(orgs))
	jobs := make(chan int)
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for i := range jobs {
				h, err := key.For(orgs[i])
				if err == nil {
					g := &gen{ctx: context.Background(), lake: l, tables: byKind, h: h, org: orgs[i],
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
	total := 0
	for i := range orgs {
		if errs[i] != nil {
			b.Fatal(errs[i])
		}
		total += rows[i]
	}
	if err := os.WriteFile(done, fmt.Appendf(nil, "%d\n", total), 0o644); err != nil {
		b.Fatal(err)
	}
	b.Logf("generated %d rows in %s into %s", total, time.Since(start).Round(time.Millisecond), dir)
	return l, total
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
	for qi, p := range benchPeriods() {
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
		for range benchCarers {
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
		first := max(0, (q.q-3)*benchCarers)
		active := len(g.reg) - first
		for j := range benchSupport {
			n := first + j*active/benchSupport
			fill(0.1)
			ref(n)
			set("date", validate.Value{Present: true, Int: day(max(g.reg[n], q.start), q.end)})
			if err := emit(); err != nil {
				return err
			}
		}
	case lakedata.KindOutcomes:
		outcomes := []string{"STAYED_IN_WORK", "STAYED_IN_WORK", "STARTED_WORK", "STARTED_WORK", "STARTED_SELF_EMPLOYMENT", "STARTED_TRAINING", "STARTED_TRAINING", "STARTED_EDUCATION", "VOLUNTEERING", "QUALIFICATION", "JOB_INTERVIEW", "JOB_INTERVIEW"}
		first := max(0, (q.q-7)*benchCarers)
		for range benchOutcomes {
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

// BenchmarkBuild_Consortium builds the consortium's quarterly report (every
// figure for the consortium and each of 50 organisations, suppressed, with
// the data-quality table) from a lake of 50 organisations × 40 quarters,
// about 5 million rows, and writes its page. The lake is generated once
// into the temporary folder. It reports the rows loaded and the peak growth
// of the live heap, and logs the time of loading, computing and writing.
func BenchmarkBuild_Consortium(b *testing.B) {
	ctx := context.Background()
	std := standardtest.Load(b)
	l, rows := benchLake(b, std)
	period, orgs, err := quarterly.Scope(ctx, l, std, "latest")
	if err != nil {
		b.Fatal(err)
	}
	if period != benchLast || len(orgs) != benchOrgs {
		b.Fatalf("scope %s, %d organisations", period, len(orgs))
	}
	now := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	out := b.TempDir()

	// Reading the lake into the index alone, for the split: Build reads,
	// then computes.
	runtime.GC()
	t0 := time.Now()
	x, err := metrics.NewIndexer(std, period)
	if err != nil {
		b.Fatal(err)
	}
	counts := map[string]int{}
	err = lakedata.Scan(ctx, l, std, "", func(ds metrics.Dataset) error {
		counts["carers"] += len(ds.Carers)
		counts["support"] += len(ds.Support)
		counts["outcomes"] += len(ds.Outcomes)
		counts["follow-ups"] += len(ds.Followups)
		counts["finance"] += len(ds.Finance)
		x.Add(ds)
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	x.Index()
	load := time.Since(t0)
	loaded := 0
	for _, n := range counts {
		loaded += n
	}
	if loaded != rows {
		b.Fatalf("read %d rows, generated %d", loaded, rows)
	}
	b.Logf("rows: %d carers, %d support, %d outcomes, %d follow-ups, %d finance", counts["carers"], counts["support"], counts["outcomes"], counts["follow-ups"], counts["finance"])
	runtime.GC()

	var peak uint64
	var build, render time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		stop := heapwatch.Start()
		t0 := time.Now()
		r, err := quarterly.Build(ctx, l, std, period, orgs, "", now)
		if err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		if err := reportpage.Write(filepath.Join(out, fmt.Sprint(i)), r); err != nil {
			b.Fatal(err)
		}
		t2 := time.Now()
		peak = max(peak, stop())
		build += t1.Sub(t0)
		render += t2.Sub(t1)
		if i == 0 {
			b.Logf("%d figures", len(r.Figures))
		}
	}
	b.StopTimer()
	n := time.Duration(b.N)
	b.Logf("per op: build %s (reading the lake into the index alone %s, so compute, suppress and quality about %s), write %s",
		(build / n).Round(time.Millisecond), load.Round(time.Millisecond), (build/n - load).Round(time.Millisecond), (render / n).Round(time.Millisecond))
	b.ReportMetric(float64(rows), "rows")
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
}
