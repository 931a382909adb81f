package surveys_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/carer-outcomes/carer-outcomes/pipeline"
	"github.com/carer-outcomes/carer-outcomes/pipeline/curated"
	"github.com/carer-outcomes/carer-outcomes/pipeline/ingest"
	"github.com/carer-outcomes/carer-outcomes/pipeline/lake"
	"github.com/carer-outcomes/carer-outcomes/pipeline/metrics/lakedata"
	"github.com/carer-outcomes/carer-outcomes/pipeline/standard"
	"github.com/carer-outcomes/carer-outcomes/pipeline/surveys"
	"github.com/carer-outcomes/carer-outcomes/pipeline/tabular"
	"github.com/carer-outcomes/carer-outcomes/storage/fsstore"
)

// carersQ1 registers C001 to C006 early in 2026; C007 registers in
// September, and the carers return that says so arrives after the
// quarter, once C007's baseline survey is in.
const (
	carersQ1 = "client_ref,registration_date,employment_status,consent_followup\n" +
		"C001,2025-12-01,UNEMPLOYED,Y\nC002,2026-04-01,INACTIVE_CARING,Y\nC003,2025-06-02,UNEMPLOYED,Y\n" +
		"C004,2025-07-01,UNEMPLOYED,Y\nC005,2025-08-20,UNEMPLOYED,Y\nC006,2024-08-01,UNEMPLOYED,Y\n"
	carersQ3 = "client_ref,registration_date,employment_status,consent_followup\nC007,2026-09-01,EMPLOYED_PT,Y\n"
)

type env struct {
	dir  string // the lake's folder
	std  *standard.Standard
	lake *lake.Lake
	cfg  ingest.Config
	c    *surveys.Consumer
}

func newEnv(tb testing.TB) *env {
	tb.Helper()
	e := newEnvEmpty(tb)
	e.ingest(tb, pipeline.Period{Year: 2026, Quarter: 2}, "carers.csv", carersQ1)
	return e
}

// newEnvEmpty is a lake with no return in it.
func newEnvEmpty(tb testing.TB) *env {
	tb.Helper()
	_, std := loadConsortium(tb)
	dir := tb.TempDir()
	store, err := fsstore.New(dir)
	if err != nil {
		tb.Fatal(err)
	}
	l := &lake.Lake{Store: store}
	e := &env{dir: dir, std: std, lake: l, cfg: ingest.Config{Standard: std, Lake: l, Key: testKey(tb), Limits: tabular.DefaultLimits(), TempDir: tb.TempDir()},
		c: &surveys.Consumer{Standard: std, Lake: l}}
	return e
}

func (e *env) ingest(tb testing.TB, p pipeline.Period, name, content string) {
	tb.Helper()
	_, err := ingest.Run(context.Background(), e.cfg, ingest.Request{Org: "LEEDS-CC", Period: p,
		Files: []ingest.File{{Name: name, Data: strings.NewReader(content), Size: int64(len(content))}}})
	if err != nil {
		tb.Fatal(err)
	}
}

// messages maps every fixture of every tool, as the webhook queues them.
func messages(tb testing.TB) []surveys.Message {
	tb.Helper()
	c, _ := loadConsortium(tb)
	h, err := testKey(tb).For("LEEDS-CC")
	if err != nil {
		tb.Fatal(err)
	}
	var out []surveys.Message
	for _, f := range c.Organisations[0].Forms {
		name := map[string]string{surveys.Typeform: "typeform", surveys.Tally: "tally", surveys.SmartSurvey: "smartsurvey",
			surveys.MSForms: "msforms", surveys.Kobo: "kobo", surveys.Generic: "generic"}[f.Tool]
		body, err := os.ReadFile(filepath.Join("..", "..", "testdata", "events", "surveys", name+".json"))
		if err != nil {
			tb.Fatal(err)
		}
		rs, err := surveys.Parse(f.Tool, body)
		if err != nil {
			tb.Fatal(err)
		}
		for _, r := range rs {
			m, err := surveys.Map("LEEDS-CC", &f, r, h, time.Date(2026, 9, 30, 0, 0, 0, 0, time.UTC))
			if err != nil {
				tb.Fatal(err)
			}
			out = append(out, m)
		}
	}
	return out
}

// rows reads the survey responses back from the lake as the metrics do,
// one line per row: client reference (found from the pseudonym), wave,
// date and employment status, sorted.
func (e *env) rows(tb testing.TB) []string {
	tb.Helper()
	ds, err := lakedata.Load(context.Background(), e.lake, e.std, "LEEDS-CC")
	if err != nil {
		tb.Fatal(err)
	}
	refs := map[string]string{}
	for i := 1; i <= 9; i++ {
		ref := fmt.Sprintf("C%03d", i)
		refs[carerID(tb, "LEEDS-CC", ref)] = ref
	}
	var out []string
	for _, f := range ds.Followups {
		if !f.Survey {
			continue
		}
		out = append(out, fmt.Sprintf("%s %s %s %s", refs[f.CarerID], f.Wave, f.Date, f.EmploymentStatus))
	}
	slices.Sort(out)
	return out
}

// The rows the fixtures stand for, worked out by hand from the fixture
// files and the mappings of testdata/consortium/surveys.json; C007's only
// once its registration has arrived.
var wantRows = []string{
	"C001 W26 2026-07-14 EMPLOYED_PT",
	"C002 W13 2026-07-15 INACTIVE_CARING",
	"C003 W52 2026-08-03 SELF_EMPLOYED",
	"C004 W52 2026-08-04 UNEMPLOYED",
	"C005 W52 2026-09-02 EMPLOYED_FT",
	"C006 W104 2026-09-10 TRAINING",
}

const wantC007 = "C007 BASELINE 2026-09-18 EMPLOYED_PT"

func TestConsumer_Process(t *testing.T) {
	ctx := context.Background()
	t.Run("once", func(t *testing.T) {
		e := newEnv(t)
		res, err := e.c.Process(ctx, messages(t))
		if err != nil {
			t.Fatal(err)
		}
		if res != (surveys.Result{Accepted: 6, Held: 1}) {
			t.Fatalf("result %+v", res)
		}
		if got := e.rows(t); !slices.Equal(got, wantRows) {
			t.Fatalf("rows\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(wantRows, "\n"))
		}
	})
	t.Run("replay changes nothing", func(t *testing.T) {
		e := newEnv(t)
		msgs := messages(t)
		if _, err := e.c.Process(ctx, msgs); err != nil {
			t.Fatal(err)
		}
		before := listing(t, e.lake)
		res, err := e.c.Process(ctx, append(msgs, msgs...))
		if err != nil {
			t.Fatal(err)
		}
		if res != (surveys.Result{Duplicates: 14}) {
			t.Fatalf("result %+v", res)
		}
		if after := listing(t, e.lake); !slices.Equal(after, before) {
			t.Fatalf("the lake changed:\n%s\nwas\n%s", strings.Join(after, "\n"), strings.Join(before, "\n"))
		}
	})
	t.Run("out of order, one at a time", func(t *testing.T) {
		e := newEnv(t)
		msgs := messages(t)
		slices.Reverse(msgs)
		for _, m := range msgs {
			if _, err := e.c.Process(ctx, []surveys.Message{m}); err != nil {
				t.Fatal(err)
			}
		}
		if got := e.rows(t); !slices.Equal(got, wantRows) {
			t.Fatalf("rows\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(wantRows, "\n"))
		}
	})
	t.Run("concurrent batches", func(t *testing.T) {
		e := newEnv(t)
		msgs := messages(t)
		var wg sync.WaitGroup
		errs := make([]error, 50)
		for i := range 50 {
			wg.Go(func() {
				// Every batch holds every response, in its own order.
				batch := slices.Clone(msgs)
				for j := range batch {
					k := (i + j) % len(batch)
					batch[j], batch[k] = batch[k], batch[j]
				}
				_, errs[i] = e.c.Process(ctx, batch)
			})
		}
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		if got := e.rows(t); !slices.Equal(got, wantRows) {
			t.Fatalf("rows\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(wantRows, "\n"))
		}
		checkManifests(t, e.lake)
	})
}

// checkManifests checks that every survey partition's manifest counts the
// rows of its files and that no file is left that no manifest names.
func checkManifests(tb testing.TB, l *lake.Lake) {
	tb.Helper()
	mans, err := l.SurveyPartitions(context.Background(), "")
	if err != nil {
		tb.Fatal(err)
	}
	named := map[string]bool{}
	for _, m := range mans {
		n := 0
		for _, f := range m.Files {
			named[f.Key] = true
			n += f.Rows
		}
		if n != m.Rows || len(m.Responses) != m.Rows {
			tb.Errorf("manifest %s %s: %d rows, files %d, responses %d", m.Org, m.Period, m.Rows, n, len(m.Responses))
		}
	}
	objs, err := l.Store.List(context.Background(), "surveys/responses/")
	if err != nil {
		tb.Fatal(err)
	}
	for _, o := range objs {
		if !named[o.Key] {
			tb.Errorf("%s is in no manifest", o.Key)
		}
	}
}

func listing(tb testing.TB, l *lake.Lake) []string {
	tb.Helper()
	objs, err := l.Store.List(context.Background(), "")
	if err != nil {
		tb.Fatal(err)
	}
	out := make([]string, len(objs))
	for i, o := range objs {
		out[i] = o.Key + " " + o.ETag
	}
	return out
}

// A response for a carer the lake does not know yet is held, and accepted
// as soon as the carers return that registers the carer lands; the hold is
// then gone.
func TestConsumer_EarlyResponse(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	if _, err := e.c.Process(ctx, messages(t)); err != nil {
		t.Fatal(err)
	}
	holds, err := surveys.Holds(ctx, e.lake, "LEEDS-CC")
	if err != nil {
		t.Fatal(err)
	}
	if len(holds) != 1 || holds[0].Message.ResponseID != "LEEDS-2026-0042" || holds[0].Reasons[0].Code != "unregistered_carer" {
		t.Fatalf("holds %+v", holds)
	}
	// A carers return of another organisation decides nothing.
	e.ingest(t, pipeline.Period{Year: 2026, Quarter: 3}, "support.csv", "client_ref,date,activity\nC001,2026-07-01,CV_WRITING\n")
	if holds, _ := surveys.Holds(ctx, e.lake, "LEEDS-CC"); len(holds) != 1 {
		t.Fatalf("%d holds after a support return", len(holds))
	}
	e.ingest(t, pipeline.Period{Year: 2026, Quarter: 3}, "carers-q3.csv", carersQ3)
	want := append(slices.Clone(wantRows), wantC007)
	slices.Sort(want)
	if got := e.rows(t); !slices.Equal(got, want) {
		t.Fatalf("rows\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if holds, _ := surveys.Holds(ctx, e.lake, "LEEDS-CC"); len(holds) != 0 {
		t.Fatalf("holds left: %+v", holds)
	}
	// The same response delivered again now is a duplicate.
	res, err := e.c.Process(ctx, messages(t))
	if err != nil || res.Duplicates != 7 {
		t.Fatalf("result %+v, %v", res, err)
	}
}

// A response that breaks the standard's rules is rejected with the same
// error codes a return gets, listed for the organisation, and stored
// nowhere else.
func TestConsumer_Rejected(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	msgs := messages(t)[:1]
	msgs[0].Values["wave"] = "W27"
	msgs[0].Values["confidence"] = "9"
	res, err := e.c.Process(ctx, msgs)
	if err != nil {
		t.Fatal(err)
	}
	if res != (surveys.Result{Rejected: 1}) {
		t.Fatalf("result %+v", res)
	}
	rej, err := surveys.Rejections(ctx, e.lake, "LEEDS-CC")
	if err != nil {
		t.Fatal(err)
	}
	if len(rej) != 1 || rej[0].Message.ResponseID != msgs[0].ResponseID {
		t.Fatalf("rejections %+v", rej)
	}
	var codes []string
	for _, r := range rej[0].Reasons {
		codes = append(codes, r.Field+":"+r.Code)
	}
	if want := []string{"wave:unknown_code", "confidence:out_of_range"}; !slices.Equal(codes, want) {
		t.Fatalf("reasons %v, want %v", codes, want)
	}
	if got := e.rows(t); len(got) != 0 {
		t.Fatalf("rows %v", got)
	}
}

func TestCompact(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	for _, m := range messages(t) {
		if _, err := e.c.Process(ctx, []surveys.Message{m}); err != nil {
			t.Fatal(err)
		}
	}
	before := e.rows(t)
	mans, err := e.lake.SurveyPartitions(ctx, "LEEDS-CC")
	if err != nil || len(mans) != 1 || len(mans[0].Files) != 6 {
		t.Fatalf("manifests %+v, %v", mans, err)
	}
	n, err := surveys.CompactAll(ctx, e.lake, "")
	if err != nil || n != 1 {
		t.Fatalf("compacted %d, %v", n, err)
	}
	mans, _ = e.lake.SurveyPartitions(ctx, "LEEDS-CC")
	if len(mans[0].Files) != 1 || mans[0].Rows != 6 {
		t.Fatalf("manifest after %+v", mans[0])
	}
	if got := e.rows(t); !slices.Equal(got, before) {
		t.Fatalf("rows\n%s\nwere\n%s", strings.Join(got, "\n"), strings.Join(before, "\n"))
	}
	checkManifests(t, e.lake)
	objs, _ := e.lake.Store.List(ctx, "surveys/responses/")
	if len(objs) != 1 {
		t.Fatalf("%d files left", len(objs))
	}
	if n, err := surveys.CompactAll(ctx, e.lake, ""); err != nil || n != 0 {
		t.Fatalf("compacted again: %d, %v", n, err)
	}
}

// A response with no mapped answer at all is rejected, never lost (a
// table's empty row is passed over by validation).
func TestConsumer_EmptyResponse(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	m := messages(t)[0]
	m.Values = map[string]string{}
	res, err := e.c.Process(ctx, []surveys.Message{m, messages(t)[1]})
	if err != nil {
		t.Fatal(err)
	}
	if res != (surveys.Result{Accepted: 1, Rejected: 1}) {
		t.Fatalf("result %+v", res)
	}
	rej, err := surveys.Rejections(ctx, e.lake, "LEEDS-CC")
	if err != nil || len(rej) != 1 || rej[0].Reasons[0].Code != "required" {
		t.Fatalf("rejections %+v %v", rej, err)
	}
	if got := e.rows(t); len(got) != 1 {
		t.Fatalf("rows %v", got)
	}
}

// The lake's check covers the survey area: sound after batches and
// compaction; a file no manifest names, past the grace period, is an
// orphan that gc removes; a manifest naming a missing file is a finding.
func TestLakeCheck_Surveys(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	for _, m := range messages(t) {
		if _, err := e.c.Process(ctx, []surveys.Message{m}); err != nil {
			t.Fatal(err)
		}
	}
	opt := curated.CheckOptions(e.std)
	opt.Now = time.Now().Add(48 * time.Hour) // every file is past the grace period
	findings := func() []string {
		t.Helper()
		rep, err := e.lake.Check(ctx, opt)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, f := range rep.Findings {
			out = append(out, f.Key+": "+f.Problem)
		}
		return out
	}
	if got := findings(); len(got) != 0 {
		t.Fatalf("findings after the batches: %q", got)
	}
	if _, err := surveys.CompactAll(ctx, e.lake, ""); err != nil {
		t.Fatal(err)
	}
	if got := findings(); len(got) != 0 {
		t.Fatalf("findings after compaction: %q", got)
	}
	// A batch that lost its race and stopped before removing its file.
	mans, err := e.lake.SurveyPartitions(ctx, "LEEDS-CC")
	if err != nil || len(mans) != 1 {
		t.Fatal(mans, err)
	}
	file := mans[0].Files[0].Key
	orphan := file[:strings.LastIndex(file, "/")+1] + strings.Repeat("0", 64) + ".parquet"
	if err := e.lake.PutBytes(ctx, orphan, []byte("PAR1")); err != nil {
		t.Fatal(err)
	}
	if got := findings(); len(got) != 1 || !strings.HasPrefix(got[0], orphan+": no survey manifest names it") {
		t.Fatalf("findings with an orphan: %q", got)
	}
	rep, err := e.lake.GC(ctx, opt, true)
	if err != nil || len(rep.Removed) != 1 || rep.Removed[0].Key != orphan {
		t.Fatalf("gc: %+v %v", rep, err)
	}
	if got := findings(); len(got) != 0 {
		t.Fatalf("findings after gc: %q", got)
	}
	// The manifest's file gone.
	if err := e.lake.Store.Delete(ctx, mans[0].Files[0].Key); err != nil {
		t.Fatal(err)
	}
	if got := findings(); len(got) != 1 || !strings.Contains(got[0], "which does not exist") {
		t.Fatalf("findings with a file missing: %q", got)
	}
}
