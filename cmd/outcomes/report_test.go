package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/carer-outcomes/carer-outcomes/pipeline/standard/standardtest"
	"github.com/carer-outcomes/carer-outcomes/pipeline/synth"
)

func TestRun_Report(t *testing.T) {
	key := writeKey(t)
	sample := filepath.Join(t.TempDir(), "sample")
	gen := synth.DefaultConfig()
	gen.Out, gen.Orgs, gen.Quarters, gen.History = sample, 6, 2, 1
	if _, err := synth.Generate(standardtest.Load(t), gen); err != nil {
		t.Fatal(err)
	}
	lakeDir := filepath.Join(t.TempDir(), "lake")
	if code, _, stderr := runCLI(t, "backfill", "--lake", lakeDir, "--key-file", key, filepath.Join(sample, "manifest.json")); code != 0 {
		t.Fatalf("backfill: %s", stderr)
	}
	tests := []struct {
		name  string
		args  []string
		code  int
		scope string
	}{
		{"consortium", []string{"--period", "latest"}, 0, "consortium"},
		{"an organisation's own", []string{"--period", "2026-Q3", "--org", "LEEDS-CC"}, 0, "LEEDS-CC"},
		{"an organisation not in the lake", []string{"--period", "latest", "--org", "NOBODY"}, 2, ""},
		{"a bad quarter", []string{"--period", "2026-Q9"}, 2, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := t.TempDir()
			code, stdout, stderr := runCLI(t, append([]string{"report", "--lake", lakeDir, "--out", out}, tt.args...)...)
			if code != tt.code {
				t.Fatalf("exit %d, want %d: %s %s", code, tt.code, stdout, stderr)
			}
			if code != 0 {
				return
			}
			page, err := os.ReadFile(filepath.Join(out, "report.html"))
			if err != nil || !strings.Contains(stdout, "report.html") {
				t.Fatalf("no page: %v", err)
			}
			for _, bad := range []string{"http://", "https://", "<script"} {
				if strings.Contains(string(page), bad) {
					t.Errorf("the page contains %q", bad)
				}
			}
			var figs []struct {
				ID         string   `json:"id"`
				Scope      string   `json:"scope"`
				Numerator  *float64 `json:"numerator"`
				Value      *float64 `json:"value"`
				Suppressed bool     `json:"suppressed"`
			}
			b, err := os.ReadFile(filepath.Join(out, "figures.json"))
			if err != nil || json.Unmarshal(b, &figs) != nil || len(figs) == 0 {
				t.Fatalf("figures.json: %v", err)
			}
			own := 0
			for _, f := range figs {
				if f.Scope == tt.scope {
					own++
				}
				// In a consortium report nothing below consortium level shows
				// a count from 1 to 4; an organisation's own report shows its
				// figures in full.
				if tt.scope == "consortium" && f.Scope != "consortium" && !f.Suppressed && f.Numerator != nil && *f.Numerator >= 1 && *f.Numerator <= 4 {
					t.Errorf("%s %s shows a numerator of %v", f.Scope, f.ID, *f.Numerator)
				}
			}
			if own == 0 {
				t.Errorf("no figure of %s", tt.scope)
			}
		})
	}
}
