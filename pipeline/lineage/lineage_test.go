package lineage_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/carer-outcomes/carer-outcomes/costmodel"
	"github.com/carer-outcomes/carer-outcomes/internal/lakefixture"
	"github.com/carer-outcomes/carer-outcomes/pipeline"
	"github.com/carer-outcomes/carer-outcomes/pipeline/lineage"
	"github.com/carer-outcomes/carer-outcomes/pipeline/metrics"
	"github.com/carer-outcomes/carer-outcomes/pipeline/standard/standardtest"
)

// handRow is a row of WORKING.md's "Lineage" section: the return's file
// (under returns/ORG-A/), its source row, the carer's client_ref and the
// row's role.
type handRow struct {
	file   string
	row    int
	client string
	role   string
}

// TestTracer_Explain_Fixture explains three of ORG-A's 2026-Q2 figures on
// the hand-worked fixture and compares the rows listed with the rows
// WORKING.md's "Lineage" section works out by hand from the returns, and the
// counts with the figures there.
func TestTracer_Explain_Fixture(t *testing.T) {
	std := standardtest.Load(t)
	l := lakefixture.Report(t, std).Lake
	model, err := costmodel.Load(costmodel.Latest)
	if err != nil {
		t.Fatal(err)
	}
	period := pipeline.Period{Year: 2026, Quarter: 2}
	tr, err := lineage.Open(context.Background(), l, std, model, "ORG-A", period)
	if err != nil {
		t.Fatal(err)
	}
	h, err := lakefixture.Key(t).For("ORG-A")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		q      metrics.Query
		counts map[string]int
		rows   []handRow
	}{
		{"registered in the quarter", metrics.Query{ID: "reach.registered"}, map[string]int{"value": 3}, []handRow{
			{"2026-Q2/carers.csv", 2, "N1", metrics.RoleCounted},
			{"2026-Q2/carers.csv", 3, "N2", metrics.RoleCounted},
			{"2026-Q2/carers.csv", 4, "N3", metrics.RoleCounted},
		}},
		{"job starts sustained at 26 weeks", metrics.Query{ID: "sustained.starts.w26"},
			map[string]int{"due": 3, "sustained": 2, "not_sustained": 0, "unknown": 1}, []handRow{
				{"2024-Q4/outcomes.csv", 2, "E1", metrics.RoleNumerator},
				{"2025-Q2/followups.csv", 12, "E1", metrics.RoleEvidence},
				{"2025-Q2/outcomes.csv", 3, "S01", metrics.RoleNumerator},
				{"2025-Q3/outcomes.csv", 3, "S11", metrics.RoleDue},
				{"2025-Q4/followups.csv", 2, "S01", metrics.RoleEvidence},
			}},
		{"the 2025-Q2 cohort at 52 weeks, carers with their own personal budget",
			metrics.Query{ID: "hard_outcome_rate.w52", Cohort: "2025-Q2", Subgroup: &metrics.Subgroup{Dimension: "personal_budget", Value: "CARER"}},
			map[string]int{"numerator": 2, "denominator": 3}, []handRow{
				{"2025-Q2/carers.csv", 2, "S01", metrics.RoleNumerator},
				{"2025-Q2/carers.csv", 4, "S03", metrics.RoleNumerator},
				{"2025-Q2/carers.csv", 8, "S07", metrics.RoleDenominator},
				{"2025-Q2/outcomes.csv", 3, "S01", metrics.RoleNumerator},
				{"2025-Q3/outcomes.csv", 2, "S03", metrics.RoleNumerator},
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := tr.Explain(tt.q)
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(res.Counts) != fmt.Sprint(tt.counts) {
				t.Errorf("counts %v, want %v", res.Counts, tt.counts)
			}
			var got, want []string
			for _, r := range res.Rows {
				got = append(got, fmt.Sprintf("%s %s/%s row %d %s %s", r.UploadID, r.Return, r.File, r.Row, r.CarerID, r.Role))
			}
			for _, r := range tt.rows {
				period, file, _ := strings.Cut(r.file, "/")
				want = append(want, fmt.Sprintf("%s %s/%s row %d %s %s", uploadID(t, r.file), period, file, r.row, h.CarerID([]byte(r.client)), r.role))
			}
			slices.Sort(got)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Errorf("rows:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
		})
	}

	t.Run("uploads of a figure", func(t *testing.T) {
		figs, err := tr.Figures()
		if err != nil {
			t.Fatal(err)
		}
		i := slices.IndexFunc(figs, func(f metrics.Figure) bool { return f.ID == "reach.registered" && f.Subgroup == nil })
		ups, err := tr.Uploads(&figs[i])
		if err != nil {
			t.Fatal(err)
		}
		if want := []string{uploadID(t, "2026-Q2/carers.csv")}; !slices.Equal(ups, want) {
			t.Errorf("uploads %v, want %v", ups, want)
		}
	})

	t.Run("a figure that is not in the report", func(t *testing.T) {
		_, err := tr.Explain(metrics.Query{ID: "hard_outcome_rate.w52", Cohort: "2026-Q2"})
		if pipeline.KindOf(err) != pipeline.NotFound {
			t.Errorf("error %v, want NotFound", err)
		}
	})
	t.Run("a figure whose rows are not listed", func(t *testing.T) {
		_, err := tr.Explain(metrics.Query{ID: "soft.confidence.change"})
		if pipeline.KindOf(err) != pipeline.Invalid {
			t.Errorf("error %v, want Invalid", err)
		}
	})
}

// uploadID is the id of one of ORG-A's fixture returns: the SHA-256 of its
// bytes.
func uploadID(tb testing.TB, file string) string {
	tb.Helper()
	b, err := os.ReadFile(lakefixture.ReportPath("returns", "ORG-A", filepath.FromSlash(file)))
	if err != nil {
		tb.Fatal(err)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}
