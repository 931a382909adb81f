package quarterly_test

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/carer-outcomes/carer-outcomes/internal/lakefixture"
	"github.com/carer-outcomes/carer-outcomes/pipeline/metrics"
	"github.com/carer-outcomes/carer-outcomes/pipeline/quarterly"
	"github.com/carer-outcomes/carer-outcomes/pipeline/reportpage"
	"github.com/carer-outcomes/carer-outcomes/pipeline/standard/standardtest"
)

// fixtureDir holds the hand-built consortium of issue 5: its returns as the
// organisations send them (returns/, listed in returns/manifest.json), the
// hand working (WORKING.md), the script that types the hand-worked numbers
// into JSON (make-expected.py) and the expected figures.
const fixtureDir = "../../testdata/report"

// TestBuild_Fixture ingests the fixture consortium's returns into a new
// filesystem lake with the real ingest, builds the 2026-Q2 reports (the
// consortium's, and ORG-A's own), writes each, and compares the figures.json
// written with the expected file worked out by hand: the same set of figures
// (id, scope, cohort, subgroup), each with the same unit and suppression,
// counts exactly, and rounded numbers within 1e-6.
func TestBuild_Fixture(t *testing.T) {
	tests := []struct {
		name     string
		own      string // "" for the consortium's report
		expected string
	}{
		{"consortium report", "", "expected-figures.json"},
		{"ORG-A's own report", "ORG-A", "expected-figures-ORG-A.json"},
	}
	ctx := context.Background()
	std := standardtest.Load(t)
	l := lakefixture.Report(t, std).Lake
	period, orgs, err := quarterly.Scope(ctx, l, std, "2026-Q2")
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"ORG-A", "ORG-B"}; period.String() != "2026-Q2" || !slices.Equal(orgs, want) {
		t.Fatalf("scope: %s %v, want 2026-Q2 %v", period, orgs, want)
	}
	now := time.Date(2026, 7, 20, 9, 0, 0, 0, time.UTC)
	// One quarter read once makes each report as Build does (the report
	// function makes them all from one read).
	quarter, err := quarterly.Read(ctx, l, std, period, orgs, now)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := quarterly.Build(ctx, l, std, period, orgs, tt.own, now)
			if err != nil {
				t.Fatal(err)
			}
			again, err := quarter.Report(tt.own)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(again, r) {
				t.Error("the report from one read of the quarter differs from Build's")
			}
			dir := t.TempDir()
			if err := reportpage.Write(dir, r); err != nil {
				t.Fatal(err)
			}
			got := readFigures(t, filepath.Join(dir, reportpage.FiguresFile))
			want := readFigures(t, filepath.Join(fixtureDir, tt.expected))
			compareFigures(t, got, want)
		})
	}
}

// readFigures reads a figures.json.
func readFigures(tb testing.TB, path string) []metrics.Figure {
	tb.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	var figs []metrics.Figure
	if err := json.Unmarshal(b, &figs); err != nil {
		tb.Fatalf("%s: %v", path, err)
	}
	return figs
}

// figureKey names a figure within one report.
func figureKey(f metrics.Figure) string {
	k := f.ID + " " + f.Scope + " " + f.Period
	if f.Cohort != "" {
		k += " cohort " + f.Cohort
	}
	if f.Subgroup != nil {
		k += " " + f.Subgroup.Dimension + "=" + f.Subgroup.Value
	}
	return k
}

// compareFigures fails for every figure missing, unexpected or different.
// Counts, numerators and denominators must be equal; a count's value too;
// other values, interval limits and lower bounds within 1e-6 (the expected
// file rounds them to 6 decimal places).
func compareFigures(tb testing.TB, got, want []metrics.Figure) {
	tb.Helper()
	index := func(figs []metrics.Figure, which string) map[string]metrics.Figure {
		m := map[string]metrics.Figure{}
		for _, f := range figs {
			k := figureKey(f)
			if _, dup := m[k]; dup {
				tb.Errorf("%s: figure %s twice", which, k)
			}
			m[k] = f
		}
		return m
	}
	g, w := index(got, "figures.json"), index(want, "expected")
	keys := map[string]bool{}
	for k := range g {
		keys[k] = true
	}
	for k := range w {
		keys[k] = true
	}
	sorted := make([]string, 0, len(keys))
	for k := range keys {
		sorted = append(sorted, k)
	}
	slices.SortFunc(sorted, cmp.Compare)
	for _, k := range sorted {
		gf, inGot := g[k]
		wf, inWant := w[k]
		switch {
		case !inGot:
			tb.Errorf("%s: missing from figures.json (expected suppressed=%v)", k, wf.Suppressed)
			continue
		case !inWant:
			tb.Errorf("%s: in figures.json (suppressed=%v) but not expected", k, gf.Suppressed)
			continue
		}
		for _, d := range figureDiffs(gf, wf) {
			tb.Errorf("%s: %s", k, d)
		}
	}
	tb.Logf("%d figures compared, %d expected, %d suppressed", len(got), len(want), countSuppressed(want))
}

func countSuppressed(figs []metrics.Figure) int {
	n := 0
	for _, f := range figs {
		if f.Suppressed {
			n++
		}
	}
	return n
}

// figureDiffs lists how got differs from want.
func figureDiffs(got, want metrics.Figure) []string {
	var out []string
	if got.Unit != want.Unit {
		out = append(out, fmt.Sprintf("unit %q, want %q", got.Unit, want.Unit))
	}
	if got.Suppressed != want.Suppressed {
		out = append(out, fmt.Sprintf("suppressed %v, want %v", got.Suppressed, want.Suppressed))
	}
	// The expected file rounds to 6 decimal places.
	const tol = 1e-6
	valueTol := tol
	if want.Unit == metrics.UnitCount {
		valueTol = 1e-9
	}
	for _, n := range []struct {
		name      string
		got, want *float64
		tol       float64
	}{
		{"numerator", got.Numerator, want.Numerator, tol},
		{"denominator", got.Denominator, want.Denominator, tol},
		{"value", got.Value, want.Value, valueTol},
		{"ci_low", got.CILow, want.CILow, tol},
		{"ci_high", got.CIHigh, want.CIHigh, tol},
		{"lower_bound", got.LowerBound, want.LowerBound, tol},
	} {
		switch {
		case n.got == nil && n.want == nil:
		case n.got == nil:
			out = append(out, fmt.Sprintf("no %s, want %v", n.name, *n.want))
		case n.want == nil:
			out = append(out, fmt.Sprintf("%s %v, want none", n.name, *n.got))
		case math.Abs(*n.got-*n.want) > n.tol:
			out = append(out, fmt.Sprintf("%s %v, want %v", n.name, *n.got, *n.want))
		}
	}
	for _, k := range countKeys(got.Counts, want.Counts) {
		gv, gok := got.Counts[k]
		wv, wok := want.Counts[k]
		if gv != wv || gok != wok {
			out = append(out, fmt.Sprintf("counts[%s] %d (present %v), want %d (present %v)", k, gv, gok, wv, wok))
		}
	}
	return out
}

func countKeys(a, b map[string]int) []string {
	var keys []string
	for _, m := range []map[string]int{a, b} {
		for k := range m {
			if !slices.Contains(keys, k) {
				keys = append(keys, k)
			}
		}
	}
	slices.Sort(keys)
	return keys
}
