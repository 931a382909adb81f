package validate_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/carer-outcomes/carer-outcomes/internal/zipdamage"
	"github.com/carer-outcomes/carer-outcomes/pipeline"
	"github.com/carer-outcomes/carer-outcomes/pipeline/standard/standardtest"
	"github.com/carer-outcomes/carer-outcomes/pipeline/tabular"
	"github.com/carer-outcomes/carer-outcomes/pipeline/validate"
)

// countingSink counts what each table streams and whether it was kept.
type countingSink struct{ tables []*countingTable }

type countingTable struct {
	info               validate.TableInfo
	rows               int
	committed, aborted bool
}

func (s *countingSink) Table(info validate.TableInfo) (validate.TableSink, error) {
	t := &countingTable{info: info}
	s.tables = append(s.tables, t)
	return t, nil
}
func (t *countingTable) Row(*validate.Record) error { t.rows++; return nil }
func (t *countingTable) Commit() error              { t.committed = true; return nil }
func (t *countingTable) Abort()                     { t.aborted = true }

// FuzzRun is the whole path an upload takes, bytes to tables to report,
// behind the registry of carers: it must never panic or fail, and whatever
// the bytes its report must be consistent, small and true to what was kept.
// The seeds are every fixture and every fixture workbook damaged in each way
// internal/zipdamage knows.
func FuzzRun(f *testing.F) {
	for _, dir := range []string{"../../testdata/good", "../../testdata/bad"} {
		for _, p := range fixtures(f, dir) {
			b, err := os.ReadFile(p)
			if err != nil || len(b) > 64<<10 {
				continue
			}
			f.Add(b)
			if filepath.Ext(p) != ".xlsx" {
				continue
			}
			for _, d := range zipdamage.All() {
				if bad, err := zipdamage.Apply(b, zipdamage.FirstSheet(b), d); err == nil {
					f.Add(bad)
				}
			}
		}
	}
	std := standardtest.Load(f)
	registry, err := os.ReadFile(registryFile)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		name := "return.csv"
		if bytes.HasPrefix(data, []byte("PK")) {
			name = "return.xlsx"
		}
		sink := &countingSink{}
		cfg := validate.Config{Standard: std, Org: fixtureOrg, Period: pipeline.Period{Year: 2026, Quarter: 3},
			Limits: tabular.Limits{MaxFileBytes: 1 << 20, MaxUnpackedBytes: 8 << 20, MaxRows: 1000, MaxColumns: 256}, Sink: sink}
		// Bounded work: an input that keeps the run busy for seconds is a
		// finding too, and only a crash makes the fuzzer keep it.
		slow := time.AfterFunc(20*time.Second, func() { panic(fmt.Sprintf("validating %d bytes took over 20 s", len(data))) })
		rep, err := validate.Run(context.Background(), cfg, []validate.Input{memInput("carers.csv", registry), memInput(name, data)})
		slow.Stop()
		if err != nil {
			t.Fatalf("run: %v", err)
		}
		fr := rep.Files[1]
		accepted := 0
		if fr.Error != nil {
			if _, ok := std.Issue(fr.Error.Code); !ok || fr.Error.Message == "" || len(fr.Tables) != 0 {
				t.Fatalf("file error %+v with %d tables", fr.Error, len(fr.Tables))
			}
		}
		for _, tr := range fr.Tables {
			if tr.Accepted+tr.Rejected != tr.Rows {
				t.Fatalf("table %s: %d + %d != %d rows", tr.Kind, tr.Accepted, tr.Rejected, tr.Rows)
			}
			listed := map[string]int{}
			for _, is := range append(append([]validate.Issue{}, tr.Errors...), tr.Warnings...) {
				if _, ok := std.Issue(is.Code); !ok || is.Message == "" {
					t.Fatalf("issue %+v", is)
				}
				listed[is.Code]++
			}
			for _, g := range tr.Groups {
				if g.Count < len(g.Rows) || len(g.Rows) > validate.MaxExamples {
					t.Fatalf("group %+v", g)
				}
			}
			for code, n := range listed {
				if total := tr.Counts("error")[code] + tr.Counts("warning")[code]; total < n {
					t.Fatalf("%s: %d listed, %d counted", code, n, total)
				}
			}
			accepted += tr.Accepted
		}
		// What was kept is what the report says was accepted, and only
		// from a file that was read whole.
		kept := 0
		for _, st := range sink.tables {
			if st.info.Input != 1 {
				continue
			}
			if st.committed == st.aborted {
				t.Fatalf("table %s: committed %v, aborted %v", st.info.Kind.Name, st.committed, st.aborted)
			}
			if st.committed {
				if fr.Error != nil {
					t.Fatalf("a table of an unreadable file was committed")
				}
				kept += st.rows
			}
		}
		if kept != accepted {
			t.Fatalf("%d rows committed, the report accepts %d", kept, accepted)
		}
		if js, _ := json.Marshal(rep); len(js) > 1<<20 {
			t.Fatalf("a report of %d bytes for a file of %d", len(js), len(data))
		}
	})
}
