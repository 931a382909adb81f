// Package lakefixture builds lakes for tests: the demo's sample consortium
// (the seed make demo uses) and the hand-worked report fixture
// (testdata/report), each ingested with the real ingest into a folder, in
// the order the returns arrived.
package lakefixture

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/carer-outcomes/carer-outcomes/pipeline"
	"github.com/carer-outcomes/carer-outcomes/pipeline/ingest"
	"github.com/carer-outcomes/carer-outcomes/pipeline/lake"
	"github.com/carer-outcomes/carer-outcomes/pipeline/pseudonym"
	"github.com/carer-outcomes/carer-outcomes/pipeline/standard"
	"github.com/carer-outcomes/carer-outcomes/pipeline/surveys"
	"github.com/carer-outcomes/carer-outcomes/pipeline/synth"
	"github.com/carer-outcomes/carer-outcomes/pipeline/tabular"
	"github.com/carer-outcomes/carer-outcomes/storage/fsstore"
)

// DemoSeed is the seed make demo generates the sample consortium with
// (the Makefile's SEED).
const DemoSeed = 20261122

// Root is the repository's root folder.
func Root() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

// Lake is a lake in a folder, with the store it is read through.
type Lake struct {
	Dir  string
	Lake *lake.Lake
	// Config is the ingest's configuration, for a test that ingests more.
	Config ingest.Config
}

// New makes an empty lake in a new folder.
func New(tb testing.TB, std *standard.Standard) *Lake {
	tb.Helper()
	return NewAt(tb, std, tb.TempDir())
}

// NewAt makes an empty lake in dir/lake (the ingest's temporary files in
// dir/tmp), for a lake that outlives one test: the caller removes dir.
func NewAt(tb testing.TB, std *standard.Standard, root string) *Lake {
	tb.Helper()
	dir, tmp := filepath.Join(root, "lake"), filepath.Join(root, "tmp")
	for _, d := range []string{dir, tmp} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			tb.Fatal(err)
		}
	}
	store, err := fsstore.New(dir)
	if err != nil {
		tb.Fatal(err)
	}
	fx := Into(tb, std, &lake.Lake{Store: store})
	fx.Dir, fx.Config.TempDir = dir, tmp
	return fx
}

// Into is a lake over any store (an S3 bucket on versitygw), empty or not,
// to ingest into with the fixtures' key.
func Into(tb testing.TB, std *standard.Standard, l *lake.Lake) *Lake {
	tb.Helper()
	return &Lake{Lake: l, Config: ingest.Config{Standard: std, Lake: l, Key: Key(tb),
		Limits: tabular.DefaultLimits(), TempDir: tb.TempDir()}}
}

// Key is the fixtures' pseudonymisation key: "ab" × 32, as hex.
func Key(tb testing.TB) pseudonym.Key {
	tb.Helper()
	key, err := pseudonym.ParseKey([]byte(strings.Repeat("ab", 32)))
	if err != nil {
		tb.Fatal(err)
	}
	return key
}

// ReportPath is a file of the hand-worked report fixture (testdata/report).
func ReportPath(elem ...string) string {
	return filepath.Join(append([]string{Root(), "testdata", "report"}, elem...)...)
}

// Demo is the demo's lake: the sample consortium make demo generates,
// every return ingested but DemoSurveyOrg's follow-ups, which arrive as
// survey responses, as in make demo.
func Demo(tb testing.TB, std *standard.Standard) *Lake {
	tb.Helper()
	return DemoAt(tb, std, tb.TempDir())
}

// DemoAt is Demo in dir (the sample in dir/sample), which the caller
// removes: a test binary builds the demo's lake once for all its tests.
func DemoAt(tb testing.TB, std *standard.Standard, root string) *Lake {
	tb.Helper()
	gen := synth.DefaultConfig()
	gen.Seed, gen.Out = DemoSeed, filepath.Join(root, "sample")
	if _, err := synth.Generate(std, gen); err != nil {
		tb.Fatal(err)
	}
	l := NewAt(tb, std, root)
	manifest := filepath.Join(gen.Out, synth.ManifestFile)
	l.backfillExcept(tb, manifest, false, DemoSurveyOrg, "followups")
	l.replaySurveys(tb, manifest, DemoSurveyOrg)
	return l
}

// DemoSurveyOrg is the organisation whose follow-ups arrive in the demo
// as survey webhook deliveries rather than in its returns (the Makefile's
// SURVEY_ORG).
const DemoSurveyOrg = "LEEDS-CC"

// replaySurveys sends an organisation's follow-up returns (its CSV files
// named followups) through the survey consumer, a response a row, each
// return's as one batch received the day it was submitted, as make demo
// sends them to outcomes serve.
func (l *Lake) replaySurveys(tb testing.TB, manifest, org string) {
	tb.Helper()
	b, err := os.ReadFile(manifest)
	if err != nil {
		tb.Fatal(err)
	}
	var m synth.Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		tb.Fatal(err)
	}
	slices.SortStableFunc(m.Returns, func(a, b synth.Return) int { return strings.Compare(a.Submitted, b.Submitted) })
	std := l.Config.Standard
	form := surveys.TableForm(synth.SurveyForm, std)
	h, err := l.Config.Key.For(org)
	if err != nil {
		tb.Fatal(err)
	}
	c := &surveys.Consumer{Standard: std, Lake: l.Lake}
	for _, r := range m.Returns {
		for _, name := range r.Files {
			if r.Org != org || filepath.Base(name) != "followups.csv" {
				continue
			}
			f, err := os.Open(filepath.Join(filepath.Dir(manifest), filepath.FromSlash(name)))
			if err != nil {
				tb.Fatal(err)
			}
			rows, err := csv.NewReader(f).ReadAll()
			f.Close()
			if err != nil || len(rows) == 0 {
				tb.Fatalf("%s: %v", name, err)
			}
			numbers := make([]int, len(rows)-1)
			for i := range numbers {
				numbers[i] = i + 2
			}
			period, err := pipeline.ParsePeriod(r.Period)
			if err != nil {
				tb.Fatal(err)
			}
			body, err := json.Marshal(surveys.TableResponses(std, org, period, rows[0], rows[1:], numbers))
			if err != nil {
				tb.Fatal(err)
			}
			responses, err := surveys.Parse(surveys.Generic, body)
			if err != nil {
				tb.Fatal(err)
			}
			received, _ := time.Parse(time.DateOnly, r.Submitted)
			msgs := make([]surveys.Message, len(responses))
			for i, resp := range responses {
				if msgs[i], err = surveys.Map(org, &form, resp, h, received); err != nil {
					tb.Fatal(err)
				}
			}
			if _, err := c.Process(context.Background(), msgs); err != nil {
				tb.Fatalf("survey responses of %s %s: %v", org, r.Period, err)
			}
		}
	}
}

// Report is the lake of the hand-worked report fixture (testdata/report).
// It fails unless every row of every file is accepted: the fixture's
// figures were worked out by hand from all of them.
func Report(tb testing.TB, std *standard.Standard) *Lake {
	tb.Helper()
	l := New(tb, std)
	l.backfill(tb, ReportPath("returns", "manifest.json"), true)
	return l
}

// Backfill ingests every return a manifest lists (files relative to it),
// in the order they were submitted, as outcomes backfill does.
func (l *Lake) Backfill(tb testing.TB, manifest string) { l.backfill(tb, manifest, false) }

// backfill is Backfill; strict, it fails unless every file is stored whole
// (one table, every row accepted, no warning).
func (l *Lake) backfill(tb testing.TB, manifest string, strict bool) {
	tb.Helper()
	l.backfillExcept(tb, manifest, strict, "", "")
}

// backfillExcept is backfill leaving out the organisation's CSV files of
// a kind (org "": none).
func (l *Lake) backfillExcept(tb testing.TB, manifest string, strict bool, org, kind string) {
	tb.Helper()
	b, err := os.ReadFile(manifest)
	if err != nil {
		tb.Fatal(err)
	}
	var m synth.Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		tb.Fatal(err)
	}
	slices.SortStableFunc(m.Returns, func(a, b synth.Return) int { return strings.Compare(a.Submitted, b.Submitted) })
	for _, r := range m.Returns {
		var files []ingest.File
		for _, name := range r.Files {
			if org != "" && r.Org == org && filepath.Base(name) == kind+".csv" {
				continue
			}
			data, err := os.ReadFile(filepath.Join(filepath.Dir(manifest), filepath.FromSlash(name)))
			if err != nil {
				tb.Fatal(err)
			}
			files = append(files, ingest.File{Name: filepath.Base(name), Data: bytes.NewReader(data), Size: int64(len(data))})
		}
		res := l.Ingest(tb, r.Org, r.Period, r.Submitted, files...)
		if strict {
			clean(tb, r, res)
		}
	}
	if tb.Failed() {
		tb.FailNow()
	}
}

// clean fails unless every file of a return was stored whole.
func clean(tb testing.TB, r synth.Return, res *ingest.Result) {
	tb.Helper()
	for i, up := range res.Uploads {
		if up.Status != lake.UploadDone {
			tb.Errorf("%s %s %s: upload %s", r.Org, r.Period, r.Files[i], up.Status)
		}
		fr := res.Report.Files[i]
		if fr.Error != nil {
			tb.Errorf("%s %s %s: %s", r.Org, r.Period, r.Files[i], fr.Error.Message)
		}
		if len(fr.Tables) != 1 {
			tb.Errorf("%s %s %s: %d tables, want 1", r.Org, r.Period, r.Files[i], len(fr.Tables))
		}
		for _, tr := range fr.Tables {
			if tr.Rejected != 0 || tr.Accepted != tr.Rows || len(tr.Warnings) != 0 {
				tb.Errorf("%s %s %s: %d of %d rows accepted; errors %+v; warnings %+v", r.Org, r.Period, r.Files[i], tr.Accepted, tr.Rows, tr.Errors, tr.Warnings)
			}
		}
	}
}

// Ingest ingests one return, received on the day submitted (YYYY-MM-DD).
func (l *Lake) Ingest(tb testing.TB, org, period, submitted string, files ...ingest.File) *ingest.Result {
	tb.Helper()
	p, err := pipeline.ParsePeriod(period)
	if err != nil {
		tb.Fatal(err)
	}
	received, err := time.Parse(time.DateOnly, submitted)
	if err != nil {
		tb.Fatal(err)
	}
	res, err := ingest.Run(context.Background(), l.Config, ingest.Request{Org: org, Period: p, Files: files, Received: received})
	if err != nil {
		tb.Fatalf("ingest %s %s: %v", org, period, err)
	}
	return res
}
