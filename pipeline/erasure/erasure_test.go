package erasure_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"

	"github.com/carer-outcomes/carer-outcomes/internal/lakefixture"
	"github.com/carer-outcomes/carer-outcomes/pipeline"
	"github.com/carer-outcomes/carer-outcomes/pipeline/curated"
	"github.com/carer-outcomes/carer-outcomes/pipeline/erasure"
	"github.com/carer-outcomes/carer-outcomes/pipeline/ingest"
	"github.com/carer-outcomes/carer-outcomes/pipeline/lake"
	"github.com/carer-outcomes/carer-outcomes/pipeline/quarterly"
	"github.com/carer-outcomes/carer-outcomes/pipeline/standard"
	"github.com/carer-outcomes/carer-outcomes/pipeline/standard/standardtest"
	"github.com/carer-outcomes/carer-outcomes/pipeline/synth"
	"github.com/carer-outcomes/carer-outcomes/pipeline/tabular"
	"github.com/carer-outcomes/carer-outcomes/storage/fsstore"
)

// demoOrg sends CSV files, so that a test can read client references and
// resubmit a file with a small change.
const demoOrg = "LEEDS-CC"

// demo is the demo consortium (synth's default, as make demo writes it)
// ingested into a folder lake, and the same consortium without one carer.
type demo struct {
	std       *standard.Standard
	sample    string // the returns
	dir       string // the lake's folder, before any erasure
	ref       string // the carer erased: a client reference of demoOrg
	carer     string // their pseudonym
	neverHeld *lake.Lake
}

var (
	demoOnce sync.Once
	theDemo  *demo
	demoErr  error
)

// loadDemo builds the demo lakes once for every test of the package.
func loadDemo(t *testing.T) *demo {
	t.Helper()
	demoOnce.Do(func() {
		theDemo, demoErr = buildDemo(t)
	})
	if demoErr != nil {
		t.Fatal(demoErr)
	}
	return theDemo
}

// buildDemo writes the demo consortium's returns, ingests them, picks the
// carer of demoOrg with the most rows, and ingests the same consortium
// generated without that carer's rows into a second lake.
func buildDemo(t *testing.T) (*demo, error) {
	std := standardtest.Load(t)
	// The demo's lake, as make demo makes it (its seed), built once for
	// the package's tests in demoRoot (TestMain removes it).
	fx := lakefixture.DemoAt(t, std, demoRoot)
	d := &demo{std: std, sample: filepath.Join(demoRoot, "sample"), dir: fx.Dir}
	cfg := synth.DefaultConfig()
	cfg.Seed = lakefixture.DemoSeed
	var err error
	if d.ref, err = busiestCarer(d.sample, demoOrg); err != nil {
		return nil, err
	}
	h, err := lakefixture.Key(t).For(demoOrg)
	if err != nil {
		return nil, err
	}
	d.carer = string(h.CarerID([]byte(d.ref)))

	cfg.Out = filepath.Join(demoRoot, "without", "sample")
	cfg.Without = []synth.Carer{{Org: demoOrg, ClientRef: d.ref}}
	if _, err := synth.Generate(std, cfg); err != nil {
		return nil, err
	}
	never := lakefixture.NewAt(t, std, filepath.Join(demoRoot, "without"))
	never.Backfill(t, filepath.Join(cfg.Out, synth.ManifestFile))
	d.neverHeld = never.Lake
	return d, nil
}

// demoRoot holds the demo's lakes for every test of the package.
var demoRoot string

func TestMain(m *testing.M) {
	var err error
	if demoRoot, err = os.MkdirTemp("", "erasure-demo-"); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	code := m.Run()
	os.RemoveAll(demoRoot)
	os.Exit(code)
}

func folderLake(tb testing.TB, dir string) *lake.Lake {
	tb.Helper()
	s, err := fsstore.New(dir)
	if err != nil {
		tb.Fatal(err)
	}
	return &lake.Lake{Store: s}
}

// busiestCarer is the client reference of org with the most rows across its
// CSV returns, among those with rows in every kind that has a client_ref
// (ties: the smallest reference).
func busiestCarer(sample, org string) (string, error) {
	files, err := filepath.Glob(filepath.Join(sample, org, "*", "*.csv"))
	if err != nil {
		return "", err
	}
	rows := map[string]int{}
	kinds := map[string]map[string]bool{}
	for _, f := range files {
		recs, err := readCSV(f)
		if err != nil {
			return "", err
		}
		col := slices.Index(recs[0], "client_ref")
		if col < 0 {
			continue
		}
		for _, r := range recs[1:] {
			rows[r[col]]++
			if kinds[r[col]] == nil {
				kinds[r[col]] = map[string]bool{}
			}
			kinds[r[col]][filepath.Base(f)] = true
		}
	}
	best := ""
	for ref, n := range rows {
		if len(kinds[ref]) == 4 && (best == "" || n > rows[best] || n == rows[best] && ref < best) {
			best = ref
		}
	}
	if best == "" {
		return "", fmt.Errorf("no carer of %s has rows of every kind", org)
	}
	return best, nil
}

func readCSV(path string) ([][]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	r := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))))
	r.FieldsPerRecord = -1
	return r.ReadAll()
}

// copyLake copies the demo lake, before any erasure, into a new folder.
func (d *demo) copyLake(t *testing.T) (string, *lake.Lake) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "lake")
	if err := os.CopyFS(dir, os.DirFS(d.dir)); err != nil {
		t.Fatal(err)
	}
	return dir, folderLake(t, dir)
}

func (d *demo) config(t *testing.T, l *lake.Lake) erasure.Config {
	return erasure.Config{Standard: d.std, Lake: l, Key: lakefixture.Key(t)}
}

func (d *demo) request() erasure.Request {
	return erasure.Request{Org: demoOrg, ClientRef: d.ref, RequestedBy: "the carer, by letter to " + demoOrg, Reason: "Art. 17 request received 2026-11-20"}
}

// TestErase_DemoLake is the acceptance test of the erasure: on the demo
// lake, after erasing one carer, the pseudonym is in no object (every
// object read, Parquet decoded, JSON read), no other carer's rows changed,
// the lake is consistent, and the reports' figures are those of a lake
// that never held the carer. Running it again changes nothing.
func TestErase_DemoLake(t *testing.T) {
	d := loadDemo(t)
	dir, l := d.copyLake(t)
	before := otherRows(t, l, d.carer)
	if n := countRows(t, l, d.carer); n < 5 {
		t.Fatalf("the carer chosen has only %d rows in the lake", n)
	}
	if !holds(t, dir, d.carer) {
		t.Fatal("the scan finds no trace of the carer before the erasure: it could not find one after")
	}

	rec, err := erasure.Erase(context.Background(), d.config(t, l), d.request())
	if err != nil {
		t.Fatal(err)
	}
	if rec.Status != erasure.StatusDone || len(rec.Files) == 0 || rec.CompletedAt == nil {
		t.Fatalf("record %+v", rec)
	}
	checkErased(t, d, dir, l)
	if after := otherRows(t, l, d.carer); !slices.Equal(after, before) {
		t.Errorf("other carers' rows changed: %d rows before, %d after", len(before), len(after))
	}
	// The uploaders' reports lose the carer's rows.
	for _, f := range rec.Files {
		was, now := reportRows(t, d.dir, f), reportRows(t, dir, f)
		if now != was-f.Rows {
			t.Errorf("the report of upload %s (%s) counts %d rows, was %d, the carer had %d", f.UploadID[:12], f.Kind, now, was, f.Rows)
		}
	}

	t.Run("a second run changes nothing", func(t *testing.T) {
		ptrs := pointers(t, l)
		again, err := erasure.Erase(context.Background(), d.config(t, l), d.request())
		if err != nil {
			t.Fatal(err)
		}
		if len(again.Objects) != len(rec.Objects) || again.Runs != 2 {
			t.Errorf("rerun: %d objects (was %d), run %d", len(again.Objects), len(rec.Objects), again.Runs)
		}
		if got := pointers(t, l); !slices.Equal(got, ptrs) {
			t.Error("a rerun moved pointers")
		}
		checkErased(t, d, dir, l)
	})

	t.Run("a resubmitted carer is refused with a warning", func(t *testing.T) {
		file, refused := fileWithCarer(t, d, "support.csv")
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		// A trailing empty line: the same rows in new bytes, so a new upload.
		data = append(data, '\n')
		period := filepath.Base(filepath.Dir(file))
		p, _ := pipeline.ParsePeriod(period)
		res, err := ingest.Run(context.Background(), ingest.Config{Standard: d.std, Lake: l, Key: lakefixture.Key(t), Limits: tabular.DefaultLimits(), TempDir: t.TempDir()},
			ingest.Request{Org: demoOrg, Period: p, Received: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC),
				Files: []ingest.File{{Name: "support.csv", Data: bytes.NewReader(data), Size: int64(len(data))}}})
		if err != nil {
			t.Fatal(err)
		}
		tr := res.Report.Files[0].Tables[0]
		var warned []int
		for _, w := range tr.Warnings {
			if w.Code == "erased_carer" {
				warned = append(warned, w.Row)
			}
		}
		if !slices.Equal(warned, refused) || len(tr.Errors) != 0 {
			t.Errorf("erased_carer warnings at rows %v, want %v; errors %+v", warned, refused, tr.Errors)
		}
		if tr.Accepted != tr.Rows-len(refused) || tr.Accepted == 0 {
			t.Errorf("%d of %d rows accepted, want all but the %d refused", tr.Accepted, tr.Rows, len(refused))
		}
		if res.Uploads[0].Status != lake.UploadDone {
			t.Errorf("upload %s", res.Uploads[0].Status)
		}
		checkErased(t, d, dir, l)
	})
}

// TestErase_Crash stops the erasure at each write or removal it makes, in
// turn (before the operation, and after it with the answer lost), and
// checks that running it again finishes the job: the lake then holds no
// trace of the carer, is consistent, and gives the figures of a lake that
// never held them.
func TestErase_Crash(t *testing.T) {
	d := loadDemo(t)
	// How many operations a clean run makes.
	_, clean := d.copyLake(t)
	counter := &faulty{Store: clean.Store}
	if _, err := erasure.Erase(context.Background(), d.config(t, &lake.Lake{Store: counter}), d.request()); err != nil {
		t.Fatal(err)
	}
	total := counter.ops
	if total < 10 {
		t.Fatalf("a clean erasure made only %d writes", total)
	}
	// Every operation of the record's first write and of the first file's
	// rewrite (record, new file, pointer switch, old file removed, record),
	// a few of the next files', and the last ones (reports, record done).
	var points []int
	for n := 1; n <= min(total, 9); n++ {
		points = append(points, n)
	}
	points = append(points, total/2, total-1, total)
	for _, after := range []bool{false, true} {
		for i, n := range points {
			t.Run(fmt.Sprintf("stopped at operation %d of %d, after it %v", n, total, after), func(t *testing.T) {
				dir, l := d.copyLake(t)
				f := &faulty{Store: l.Store, failAt: n, after: after}
				if _, err := erasure.Erase(context.Background(), d.config(t, &lake.Lake{Store: f}), d.request()); err == nil {
					t.Fatal("the erasure did not stop")
				}
				if _, err := erasure.Erase(context.Background(), d.config(t, l), d.request()); err != nil {
					t.Fatal(err)
				}
				if holds(t, dir, d.carer) {
					t.Error("an object still holds the pseudonym")
				}
				checkLake(t, d, l)
				if i%4 == 3 || n == total {
					checkFigures(t, d, l)
				}
			})
		}
	}
}

// checkErased checks the lake after an erasure: no object holds the
// pseudonym, the lake is consistent, and the consortium's report and the
// organisation's own have the figures of the lake that never held the
// carer.
func checkErased(t *testing.T, d *demo, dir string, l *lake.Lake) {
	t.Helper()
	if holds(t, dir, d.carer) {
		t.Error("an object still holds the pseudonym")
	}
	checkLake(t, d, l)
	checkFigures(t, d, l)
}

// checkFigures compares the consortium's report and the organisation's own
// with those of the lake that never held the carer.
func checkFigures(t *testing.T, d *demo, l *lake.Lake) {
	t.Helper()
	for _, own := range []string{"", demoOrg} {
		got, want := figures(t, d.std, l, own), figures(t, d.std, d.neverHeld, own)
		if got != want {
			t.Errorf("report %q: the figures differ from those of a lake that never held the carer", own)
			diffLines(t, got, want)
		}
	}
}

// holds reads every object of the lake's folder and reports whether any
// holds the pseudonym: Parquet files are decoded (every value, the
// metadata, the statistics), every other object read as it is (JSON, the
// uploaders' pages).
func holds(t *testing.T, dir, carer string) bool {
	t.Helper()
	found := false
	err := filepath.WalkDir(dir, func(path string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if bytes.Contains(b, []byte(carer)) {
			t.Logf("%s holds the pseudonym", path)
			found = true
			return nil
		}
		if strings.HasSuffix(path, ".parquet") && parquetHolds(t, path, b, carer) {
			t.Logf("%s holds the pseudonym (decoded)", path)
			found = true
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return found
}

func parquetHolds(t *testing.T, path string, b []byte, carer string) bool {
	t.Helper()
	f, err := parquet.OpenFile(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	for _, kv := range f.Metadata().KeyValueMetadata {
		if strings.Contains(kv.Value, carer) {
			return true
		}
	}
	for _, rg := range f.Metadata().RowGroups {
		for _, c := range rg.Columns {
			st := c.MetaData.Statistics
			for _, v := range [][]byte{st.Min, st.Max, st.MinValue, st.MaxValue} {
				if bytes.Contains(v, []byte(carer)) {
					return true
				}
			}
		}
	}
	for _, row := range readRows(t, path, f) {
		for _, v := range row {
			if v.Kind() == parquet.ByteArray && strings.Contains(string(v.ByteArray()), carer) {
				return true
			}
		}
	}
	return false
}

func readRows(t *testing.T, path string, f *parquet.File) []parquet.Row {
	t.Helper()
	var out []parquet.Row
	buf := make([]parquet.Row, 128)
	for _, rg := range f.RowGroups() {
		rows := rg.Rows()
		for {
			n, err := rows.ReadRows(buf)
			for _, r := range buf[:n] {
				out = append(out, r.Clone())
			}
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("%s: %v", path, err)
			}
		}
		rows.Close()
	}
	return out
}

// currentRows decodes the rows of every current file, each as its kind,
// organisation, quarter and every value.
func currentRows(t *testing.T, l *lake.Lake, keep func(carer string) bool) []string {
	t.Helper()
	var out []string
	for _, p := range allPointers(t, l) {
		rc, obj, err := l.Store.Get(context.Background(), p.Key)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(rc)
		rc.Close()
		f, err := parquet.OpenFile(bytes.NewReader(b), obj.Size)
		if err != nil {
			t.Fatal(err)
		}
		col, hasCarer := f.Schema().Lookup("carer_id")
		for _, r := range readRows(t, p.Key, f) {
			carer := ""
			if hasCarer {
				for _, v := range r {
					if v.Column() == col.ColumnIndex {
						carer = string(v.ByteArray())
					}
				}
			}
			if !keep(carer) {
				continue
			}
			var cells []string
			for _, v := range r {
				cells = append(cells, v.String())
			}
			out = append(out, p.Kind+" "+p.Org+" "+p.Period+" "+strings.Join(cells, "|"))
		}
	}
	slices.Sort(out)
	return out
}

func otherRows(t *testing.T, l *lake.Lake, carer string) []string {
	return currentRows(t, l, func(c string) bool { return c != carer })
}

func countRows(t *testing.T, l *lake.Lake, carer string) int {
	return len(currentRows(t, l, func(c string) bool { return c == carer }))
}

func allPointers(t *testing.T, l *lake.Lake) []lake.Pointer {
	t.Helper()
	var out []lake.Pointer
	for _, k := range []string{"carers", "support", "outcomes", "followups", "finance"} {
		ps, err := l.Pointers(context.Background(), k, "")
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, ps...)
	}
	return out
}

func pointers(t *testing.T, l *lake.Lake) []string {
	var out []string
	for _, p := range allPointers(t, l) {
		out = append(out, fmt.Sprintf("%s %s %s %s %d", p.Kind, p.Org, p.Period, p.Key, p.Rows))
	}
	return out
}

// checkLake runs the lake's own check (outcomes lake check: pointers, files,
// the log of every version), and checks besides that no curated file is
// left that no pointer names, however young, and that every erasure record
// is complete.
func checkLake(t *testing.T, d *demo, l *lake.Lake) {
	t.Helper()
	ctx := context.Background()
	rep, err := l.Check(ctx, curated.CheckOptions(d.std))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range rep.Findings {
		t.Errorf("lake check: %s", f)
	}
	named := map[string]bool{}
	for _, p := range allPointers(t, l) {
		named[p.Key] = true
	}
	for _, org := range []string{demoOrg} {
		for _, k := range d.std.Kinds {
			files, err := l.DataFiles(ctx, k.Name, org)
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range files {
				if !named[f.Key] {
					t.Errorf("%s: no pointer names it", f.Key)
				}
			}
		}
	}
	recs, err := l.Store.List(ctx, "erasures/")
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range recs {
		rc, _, err := l.Store.Get(ctx, o.Key)
		if err != nil {
			t.Fatal(err)
		}
		var r erasure.Record
		err = json.NewDecoder(rc).Decode(&r)
		rc.Close()
		if err != nil || r.Status != erasure.StatusDone {
			t.Errorf("%s: status %q (%v)", o.Key, r.Status, err)
		}
	}
}

// figures is the latest quarter's report of own ("" for the consortium's)
// as figures.json, without the uploads each figure names (other bytes,
// other upload ids).
func figures(t *testing.T, std *standard.Standard, l *lake.Lake, own string) string {
	t.Helper()
	ctx := context.Background()
	period, orgs, err := quarterly.Scope(ctx, l, std, "latest")
	if err != nil {
		t.Fatal(err)
	}
	r, err := quarterly.Build(ctx, l, std, period, orgs, own, time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, f := range r.Figures {
		f.Uploads = nil
		b, err := json.Marshal(f)
		if err != nil {
			t.Fatal(err)
		}
		lines = append(lines, string(b))
	}
	return strings.Join(lines, "\n")
}

func diffLines(t *testing.T, got, want string) {
	t.Helper()
	g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
	shown := 0
	for i := 0; i < max(len(g), len(w)) && shown < 10; i++ {
		var a, b string
		if i < len(g) {
			a = g[i]
		}
		if i < len(w) {
			b = w[i]
		}
		if a != b {
			t.Logf("got  %s\nwant %s", a, b)
			shown++
		}
	}
}

// reportRows is how many rows the stored report of a file's upload counts
// in the file's table.
func reportRows(t *testing.T, dir string, f erasure.File) int {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(lake.UploadKey(demoOrg, f.UploadID, "report.json"))))
	if err != nil {
		t.Fatal(err)
	}
	var rep struct {
		Files []struct {
			Tables []struct {
				Kind string `json:"kind"`
				Rows int    `json:"rows"`
			} `json:"tables"`
		} `json:"files"`
	}
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatal(err)
	}
	for _, fr := range rep.Files {
		for _, tr := range fr.Tables {
			if tr.Kind == f.Kind {
				return tr.Rows
			}
		}
	}
	t.Fatalf("the report of %s has no %s table", f.UploadID, f.Kind)
	return 0
}

// fileWithCarer is the latest of demoOrg's files of a kind that has rows of
// the carer, and the rows (as Excel numbers them) that are theirs.
func fileWithCarer(t *testing.T, d *demo, name string) (string, []int) {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(d.sample, demoOrg, "*", name))
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(files)
	for i := len(files) - 1; i >= 0; i-- {
		recs, err := readCSV(files[i])
		if err != nil {
			t.Fatal(err)
		}
		col := slices.Index(recs[0], "client_ref")
		var rows []int
		for j, r := range recs[1:] {
			if r[col] == d.ref {
				rows = append(rows, j+2)
			}
		}
		if len(rows) > 0 {
			return files[i], rows
		}
	}
	t.Fatalf("no %s of %s has the carer", name, demoOrg)
	return "", nil
}

// faulty is a store that fails its failAt-th write or removal: before the
// operation, or (after) once it is done, as a crash that loses the answer.
// With failAt 0 it only counts.
type faulty struct {
	lake.Store
	failAt int
	after  bool
	ops    int
}

var errCrash = pipeline.Errorf(pipeline.Transient, "injected crash")

func (f *faulty) op(do func() error) error {
	f.ops++
	if f.ops == f.failAt && !f.after {
		return errCrash
	}
	err := do()
	if f.ops == f.failAt {
		return errCrash
	}
	return err
}

func (f *faulty) Put(ctx context.Context, key string, body io.Reader, size int64, cond lake.Condition) (lake.Object, error) {
	var obj lake.Object
	err := f.op(func() error {
		var err error
		obj, err = f.Store.Put(ctx, key, body, size, cond)
		return err
	})
	return obj, err
}

func (f *faulty) Delete(ctx context.Context, key string) error {
	return f.op(func() error { return f.Store.Delete(ctx, key) })
}
