package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/carer-outcomes/carer-outcomes/internal/lakefixture"
)

// TestRun_ExplainErase runs explain and erase on the hand-worked fixture
// as a data officer and a lead would: explain prints the rows and the counts
// of a figure (WORKING.md, "Lineage"); erase removes S01 of ORG-A, says so,
// and a second run finishes nothing new; explain then counts one carer
// fewer.
func TestRun_ExplainErase(t *testing.T) {
	key := writeKey(t)
	lakeDir := filepath.Join(t.TempDir(), "lake")
	if code, _, stderr := runCLI(t, "backfill", "--lake", lakeDir, "--key-file", key, lakefixture.ReportPath("returns", "manifest.json")); code != 0 {
		t.Fatalf("backfill: %s", stderr)
	}
	explain := func(t *testing.T, args ...string) (int, string, string) {
		return runCLI(t, append([]string{"explain", "--lake", lakeDir, "--org", "ORG-A", "--period", "2026-Q2"}, args...)...)
	}
	code, stdout, stderr := explain(t, "sustained.starts.w26")
	if code != 0 || !strings.Contains(stdout, "Counts (job outcomes): due 3, sustained 2, not sustained 0, unknown 1") || strings.Count(stdout, "2024-Q4/outcomes.csv") != 1 {
		t.Errorf("explain: exit %d\n%s%s", code, stdout, stderr)
	}
	if code, stdout, _ := explain(t, "hard_outcome_rate.w52", "--cohort", "2025-Q2", "--subgroup", "personal_budget=CARER"); code != 0 || !strings.Contains(stdout, "numerator 2, denominator 3") {
		t.Errorf("explain of a subgroup's cohort rate: exit %d\n%s", code, stdout)
	}
	for _, bad := range [][]string{{"no.such.figure"}, {"reach.registered", "--subgroup", "age_band"}, {}} {
		if code, _, _ := explain(t, bad...); code == 0 {
			t.Errorf("explain %q: exit 0", bad)
		}
	}

	erase := func() (int, string, string) {
		return runCLI(t, "erase", "--lake", lakeDir, "--key-file", key, "--org", "ORG-A", "--client-ref", "S01", "--reason", "Art. 17 request received 2026-11-20", "--json")
	}
	for run := 1; run <= 2; run++ {
		code, stdout, stderr := erase()
		var rec struct {
			Status string `json:"status"`
			Runs   int    `json:"runs"`
			Files  []struct {
				Rows int `json:"rows"`
			} `json:"files"`
		}
		if code != 0 || json.Unmarshal([]byte(stdout), &rec) != nil || rec.Status != "done" || rec.Runs != run || len(rec.Files) != 7 {
			t.Fatalf("erase run %d: exit %d, record %+v\n%s", run, code, rec, stderr)
		}
	}
	if code, stdout, _ := explain(t, "reach.registered_cumulative"); code != 0 || !strings.Contains(stdout, "value 14") {
		t.Errorf("after the erasure: exit %d\n%s", code, stdout)
	}
	if code, _, _ := runCLI(t, "erase", "--lake", lakeDir, "--key-file", key, "--org", "ORG-A", "--client-ref", "S01"); code == 0 {
		t.Error("erase without a reason: exit 0")
	}
}
