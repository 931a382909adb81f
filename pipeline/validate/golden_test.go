package validate_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/carer-outcomes/carer-outcomes/pipeline"
	"github.com/carer-outcomes/carer-outcomes/pipeline/standard"
	"github.com/carer-outcomes/carer-outcomes/pipeline/standard/standardtest"
	"github.com/carer-outcomes/carer-outcomes/pipeline/tabular"
	"github.com/carer-outcomes/carer-outcomes/pipeline/validate"
)

// The fixtures' expectations were worked out by hand from the data standard
// (testdata/bad/README.md gives the settings); they are never regenerated
// from this code's output.
const (
	fixtureOrg    = "TEST-ORG"
	fixturePeriod = "2026-Q3"
	registryFile  = "../../testdata/registry/carers.csv"
)

func fixtureLimits() tabular.Limits {
	return tabular.Limits{MaxFileBytes: 1 << 20, MaxUnpackedBytes: 16 << 20, MaxRows: 1000}
}

type wantIssue struct {
	Row    int    `json:"row"`
	Column string `json:"column"`
	Value  string `json:"value"`
	Code   string `json:"code"`
}

type wantFileIssue struct {
	Code  string `json:"code"`
	Sheet string `json:"sheet,omitempty"`
}

type wantTable struct {
	Kind     string      `json:"kind"`
	Sheet    string      `json:"sheet"`
	Rows     int         `json:"rows"`
	Accepted int         `json:"accepted"`
	Rejected int         `json:"rejected"`
	Errors   []wantIssue `json:"errors"`
	Warnings []wantIssue `json:"warnings"`
	// Groups are compared only where the expectation states them.
	Groups []wantGroup `json:"groups,omitempty"`
}

type wantGroup struct {
	Severity string `json:"severity"`
	Column   string `json:"column"`
	Code     string `json:"code"`
	Count    int    `json:"count"`
	Rows     []int  `json:"rows"`
}

type wantReport struct {
	Problem      string          `json:"problem,omitempty"`
	FileError    string          `json:"file_error,omitempty"`
	FileWarnings []wantFileIssue `json:"file_warnings,omitempty"`
	Tables       []wantTable     `json:"tables"`
}

func openInput(tb testing.TB, name string) validate.Input {
	tb.Helper()
	f, err := os.Open(name)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { f.Close() })
	st, err := f.Stat()
	if err != nil {
		tb.Fatal(err)
	}
	return validate.Input{Name: filepath.Base(name), Data: f, Size: st.Size()}
}

// validateFixture validates a fixture in one upload after the registry file,
// failing the test if it panics or takes more than a minute.
func validateFixture(t *testing.T, std *standard.Standard, name string) *validate.FileReport {
	t.Helper()
	period, err := pipeline.ParsePeriod(fixturePeriod)
	if err != nil {
		t.Fatal(err)
	}
	cfg := validate.Config{Standard: std, Org: fixtureOrg, Period: period, Limits: fixtureLimits()}
	inputs := []validate.Input{openInput(t, registryFile), openInput(t, name)}
	type result struct {
		rep *validate.Report
		err error
	}
	done := make(chan result, 1)
	go func() {
		defer func() {
			if p := recover(); p != nil {
				done <- result{err: pipelineError("panic: %v", p)}
			}
		}()
		rep, err := validate.Run(context.Background(), cfg, inputs)
		done <- result{rep, err}
	}()
	select {
	case r := <-done:
		if r.err != nil {
			t.Fatalf("validate %s: %v", name, r.err)
		}
		reg := r.rep.Files[0]
		if reg.Error != nil || len(reg.Tables) != 1 || reg.Tables[0].Rejected != 0 {
			t.Fatalf("the registry file is not clean: %+v", reg)
		}
		return r.rep.Files[1]
	case <-time.After(time.Minute):
		t.Fatalf("validate %s: still running after a minute", name)
	}
	return nil
}

func pipelineError(format string, args ...any) error {
	return pipeline.Errorf(pipeline.Internal, format, args...)
}

// summarise reduces a report to what the expectations state.
func summarise(t *testing.T, std *standard.Standard, fr *validate.FileReport) wantReport {
	t.Helper()
	got := wantReport{Tables: []wantTable{}}
	checkCode := func(code, message string) {
		if _, ok := std.Issue(code); !ok {
			t.Errorf("code %q is not in the standard", code)
		}
		if strings.TrimSpace(message) == "" {
			t.Errorf("code %s has no message", code)
		}
	}
	if fr.Error != nil {
		got.FileError = fr.Error.Code
		checkCode(fr.Error.Code, fr.Error.Message)
	}
	for _, w := range fr.Warnings {
		got.FileWarnings = append(got.FileWarnings, wantFileIssue{Code: w.Code, Sheet: w.Sheet})
		checkCode(w.Code, w.Message)
	}
	for _, tr := range fr.Tables {
		wt := wantTable{Kind: tr.Kind, Sheet: tr.Sheet, Rows: tr.Rows, Accepted: tr.Accepted, Rejected: tr.Rejected, Errors: []wantIssue{}, Warnings: []wantIssue{}}
		for _, is := range tr.Errors {
			wt.Errors = append(wt.Errors, wantIssue{is.Row, is.Column, is.Value, is.Code})
			checkCode(is.Code, is.Message)
		}
		for _, is := range tr.Warnings {
			wt.Warnings = append(wt.Warnings, wantIssue{is.Row, is.Column, is.Value, is.Code})
			checkCode(is.Code, is.Message)
		}
		for _, g := range tr.Groups {
			wt.Groups = append(wt.Groups, wantGroup{g.Severity, g.Column, g.Code, g.Count, g.Rows})
		}
		if tr.Accepted+tr.Rejected != tr.Rows {
			t.Errorf("table %s: %d accepted + %d rejected != %d rows", tr.Kind, tr.Accepted, tr.Rejected, tr.Rows)
		}
		got.Tables = append(got.Tables, wt)
	}
	return got
}

func fixtures(tb testing.TB, dir string) []string {
	tb.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		tb.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		n := e.Name()
		if e.IsDir() || strings.HasSuffix(n, ".want.json") || strings.HasSuffix(n, ".md") {
			continue
		}
		names = append(names, filepath.Join(dir, n))
	}
	return names
}

func readWant(tb testing.TB, fixture string) (wantReport, bool) {
	tb.Helper()
	stem := strings.TrimSuffix(fixture, filepath.Ext(fixture))
	b, err := os.ReadFile(stem + ".want.json")
	if os.IsNotExist(err) {
		return wantReport{}, false
	}
	if err != nil {
		tb.Fatal(err)
	}
	var w wantReport
	d := json.NewDecoder(strings.NewReader(string(b)))
	d.DisallowUnknownFields()
	if err := d.Decode(&w); err != nil {
		tb.Fatalf("read %s.want.json: %v", stem, err)
	}
	w.Problem = ""
	for i := range w.Tables {
		if w.Tables[i].Errors == nil {
			w.Tables[i].Errors = []wantIssue{}
		}
		if w.Tables[i].Warnings == nil {
			w.Tables[i].Warnings = []wantIssue{}
		}
	}
	if w.Tables == nil {
		w.Tables = []wantTable{}
	}
	return w, true
}

func TestValidate_BadFixtures(t *testing.T) {
	std := standardtest.Load(t)
	covered := map[string]bool{}
	names := fixtures(t, "../../testdata/bad")
	if len(names) < 30 {
		t.Fatalf("%d bad fixtures, want at least 30", len(names))
	}
	for _, name := range names {
		t.Run(filepath.Base(name), func(t *testing.T) {
			want, ok := readWant(t, name)
			if !ok {
				t.Fatalf("no expectation %s.want.json", strings.TrimSuffix(filepath.Base(name), filepath.Ext(name)))
			}
			got := summarise(t, std, validateFixture(t, std, name))
			for i := range got.Tables {
				if i < len(want.Tables) && want.Tables[i].Groups == nil {
					got.Tables[i].Groups = nil
				}
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("report differs from the expectation\n got: %s\nwant: %s", asJSON(got), asJSON(want))
			}
			if got.FileError != "" {
				covered[got.FileError] = true
			}
			for _, w := range got.FileWarnings {
				covered[w.Code] = true
			}
			for _, tr := range got.Tables {
				for _, is := range slices.Concat(tr.Errors, tr.Warnings) {
					covered[is.Code] = true
				}
			}
		})
	}
	t.Run("every code exercised", func(t *testing.T) {
		for _, c := range std.Issues {
			if !covered[c.Code] {
				t.Errorf("no bad fixture exercises %s", c.Code)
			}
		}
	})
}

func TestValidate_GoodFixtures(t *testing.T) {
	std := standardtest.Load(t)
	for _, name := range fixtures(t, "../../testdata/good") {
		t.Run(filepath.Base(name), func(t *testing.T) {
			fr := validateFixture(t, std, name)
			got := summarise(t, std, fr)
			if want, ok := readWant(t, name); ok && !reflect.DeepEqual(got, want) {
				t.Errorf("report differs from the expectation\n got: %s\nwant: %s", asJSON(got), asJSON(want))
			}
			if fr.Error != nil {
				t.Fatalf("unreadable: %s", fr.Error.Message)
			}
			if len(fr.Tables) == 0 {
				t.Fatal("no tables")
			}
			for _, tr := range fr.Tables {
				if tr.Rows == 0 || tr.Rejected != 0 || len(tr.Errors) != 0 {
					t.Errorf("table %s (%s): %d rows, %d rejected, errors %s", tr.Kind, tr.Sheet, tr.Rows, tr.Rejected, asJSON(tr.Errors))
				}
			}
		})
	}
}

func asJSON(v any) string {
	b, _ := json.MarshalIndent(v, "      ", "  ")
	return string(b)
}
