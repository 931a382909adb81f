// Package reportfixture is the hand-built consortium of testdata/report
// for tests: its returns as the organisations send them (returns/, listed
// in returns/manifest.json), ingested with the real ingest into a new
// filesystem lake. The hand working is testdata/report/WORKING.md.
package reportfixture

import (
	"context"
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
	"github.com/carer-outcomes/carer-outcomes/pipeline/tabular"
	"github.com/carer-outcomes/carer-outcomes/storage/fsstore"
)

// Path is a file of the fixture's folder, wherever the test runs.
func Path(elem ...string) string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(append([]string{filepath.Dir(file), "..", "..", "testdata", "report"}, elem...)...)
}

// Key is the fixture's pseudonymisation key: "ab" × 32.
func Key(tb testing.TB) pseudonym.Key {
	tb.Helper()
	key, err := pseudonym.ParseKey([]byte(strings.Repeat("ab", 32)))
	if err != nil {
		tb.Fatal(err)
	}
	return key
}

// manifestReturn is one return of the fixture's manifest, in the shape
// outcomes backfill reads: files are relative to the manifest.
type manifestReturn struct {
	Org       string   `json:"org"`
	Period    string   `json:"period"`
	Files     []string `json:"files"`
	Submitted string   `json:"submitted"`
	// FirstAttempt is a version sent before the return, with rows the
	// standard rejects (synth's sample): ingested first, at its own date,
	// and not held to every row being accepted.
	FirstAttempt *struct {
		Files     []string `json:"files"`
		Submitted string   `json:"submitted"`
	} `json:"first_attempt"`
	attempt bool
}

// Ingest ingests every return of the fixture's manifest, in the
// order they were submitted, into a new lake, and fails unless every row
// of every file is accepted.
func Ingest(tb testing.TB, std *standard.Standard) *lake.Lake {
	tb.Helper()
	store, err := fsstore.New(tb.TempDir())
	if err != nil {
		tb.Fatal(err)
	}
	return IngestInto(tb, std, &lake.Lake{Store: store})
}

// IngestInto is Ingest into a lake of any store.
func IngestInto(tb testing.TB, std *standard.Standard, l *lake.Lake) *lake.Lake {
	tb.Helper()
	return IngestManifest(tb, std, l, Path("returns"))
}

// IngestManifest ingests, with the fixture's key, every return of the
// manifest.json in dir (the shape outcomes backfill and synth use) into l,
// in the order they were submitted, and fails unless every row of every
// file is accepted.
func IngestManifest(tb testing.TB, std *standard.Standard, l *lake.Lake, dir string) *lake.Lake {
	tb.Helper()
	key := Key(tb)
	cfg := ingest.Config{Standard: std, Lake: l, Key: key,
		Limits: tabular.DefaultLimits(), TempDir: tb.TempDir()}
	b, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if err != nil {
		tb.Fatal(err)
	}
	var m struct {
		Returns []manifestReturn `json:"returns"`
	}
	if err := json.Unmarshal(b, &m); err != nil {
		tb.Fatal(err)
	}
	var sent []manifestReturn
	for _, r := range m.Returns {
		if a := r.FirstAttempt; a != nil {
			sent = append(sent, manifestReturn{Org: r.Org, Period: r.Period, Files: a.Files, Submitted: a.Submitted, attempt: true})
		}
		sent = append(sent, r)
	}
	// Returns go in in the order they arrived, as outcomes backfill does.
	slices.SortStableFunc(sent, func(a, b manifestReturn) int { return strings.Compare(a.Submitted, b.Submitted) })
	for _, ret := range sent {
		p, err := pipeline.ParsePeriod(ret.Period)
		if err != nil {
			tb.Fatal(err)
		}
		received, err := time.Parse(time.DateOnly, ret.Submitted)
		if err != nil {
			tb.Fatal(err)
		}
		req := ingest.Request{Org: ret.Org, Period: p, Received: received}
		for _, name := range ret.Files {
			data, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(name)))
			if err != nil {
				tb.Fatal(err)
			}
			req.Files = append(req.Files, ingest.File{Name: filepath.Base(name), Data: strings.NewReader(string(data)), Size: int64(len(data))})
		}
		res, err := ingest.Run(context.Background(), cfg, req)
		if err != nil {
			tb.Fatalf("%s %s: %v", ret.Org, ret.Period, err)
		}
		if ret.attempt {
			continue
		}
		for i, up := range res.Uploads {
			if up.Status != lake.UploadDone && up.Status != lake.UploadDuplicate {
				tb.Errorf("%s %s %s: upload %s", ret.Org, ret.Period, ret.Files[i], up.Status)
			}
			fr := res.Report.Files[i]
			if fr.Error != nil {
				tb.Errorf("%s %s %s: %s", ret.Org, ret.Period, ret.Files[i], fr.Error.Message)
			}
			if len(fr.Tables) == 0 {
				tb.Errorf("%s %s %s: no table", ret.Org, ret.Period, ret.Files[i])
			}
			for _, tr := range fr.Tables {
				if tr.Rejected != 0 || tr.Accepted != tr.Rows || len(tr.Warnings) != 0 {
					tb.Errorf("%s %s %s: %d of %d rows accepted; errors %+v; warnings %+v", ret.Org, ret.Period, ret.Files[i], tr.Accepted, tr.Rows, tr.Errors, tr.Warnings)
				}
			}
		}
	}
	if tb.Failed() {
		tb.FailNow()
	}
	return cfg.Lake
}
