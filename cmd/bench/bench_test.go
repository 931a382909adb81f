package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/carer-outcomes/carer-outcomes/pipeline/catalog"
	"github.com/carer-outcomes/carer-outcomes/pipeline/standard/standardtest"
)

func TestParseBench(t *testing.T) {
	out := `goos: linux
BenchmarkValidate_Followups/rows=1000000         	       3	 600123456 ns/op	   1666000 rows/s	         1.57 peak-heap-growth-MB
BenchmarkValidate_Followups/rows=1000000         	       3	 700123456 ns/op	   1428000 rows/s	         1.57 peak-heap-growth-MB
PASS
`
	tests := []struct {
		name  string
		units []string
		want  []float64
		err   bool
	}{
		{"every run's value", []string{"rows/s"}, []float64{1666000, 1428000}, false},
		{"a missing unit is an error", []string{"ms-to-next"}, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseBench(out, tt.units...)
			if (err != nil) != tt.err {
				t.Fatalf("err = %v", err)
			}
			if err == nil && (len(got[tt.units[0]]) != len(tt.want) || got[tt.units[0]][0] != tt.want[0] || got[tt.units[0]][1] != tt.want[1]) {
				t.Errorf("got %v, want %v", got[tt.units[0]], tt.want)
			}
		})
	}
}

func TestMedian(t *testing.T) {
	tests := []struct {
		in   []float64
		want float64
	}{
		{[]float64{3, 1, 2}, 2},
		{[]float64{4, 1, 3, 2}, 2.5},
		{[]float64{7}, 7},
	}
	for _, tt := range tests {
		if got := median(tt.in); got != tt.want {
			t.Errorf("median(%v) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestWriteSection(t *testing.T) {
	path := filepath.Join(t.TempDir(), "benchmarks.md")
	os.WriteFile(path, []byte("# Benchmarks\n\nearlier text\n"), 0o644)
	first := beginMarker + "\nrun one\n" + endMarker + "\n"
	if err := writeSection(path, first); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(path, append(must(os.ReadFile(path)), "\n## Later section\n"...), 0o644)
	second := beginMarker + "\nrun two\n" + endMarker + "\n"
	if err := writeSection(path, second); err != nil {
		t.Fatal(err)
	}
	got := string(must(os.ReadFile(path)))
	want := "# Benchmarks\n\nearlier text\n\n" + second + "## Later section\n"
	if got != want {
		t.Errorf("page:\n%s\nwant:\n%s", got, want)
	}
	if strings.Contains(got, "run one") {
		t.Error("the earlier run's section was not replaced")
	}
}

func must(b []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return b
}

// TestFigureViews: the views the report anchor reads are the catalog's
// views of figures, not the building blocks they select from.
func TestFigureViews(t *testing.T) {
	std := standardtest.Load(t)
	views, err := catalog.Views(std)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, v := range figureViews(views) {
		got = append(got, v.Name)
	}
	want := []string{"reach_by_quarter", "hard_outcomes_by_quarter", "cohort_hard_outcome_rates", "sustained_jobs",
		"followup_response", "experience", "referral_groups", "cost_per_hard_outcome"}
	if !slices.Equal(got, want) {
		t.Errorf("figure views %v, want %v", got, want)
	}
}
