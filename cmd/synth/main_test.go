package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

func TestRun_ExitCodes(t *testing.T) {
	out := t.TempDir()
	tests := []struct {
		name string
		args []string
		want int
	}{
		{"help", []string{"-h"}, exitOK},
		{"no output folder", []string{}, exitUsage},
		{"unknown flag", []string{"-out", out, "-colour"}, exitUsage},
		{"stray argument", []string{"-out", out, "extra"}, exitUsage},
		{"bad quarter", []string{"-out", out, "-last", "2026-Q5"}, exitUsage},
		{"too many organisations", []string{"-out", out, "-orgs", "99"}, exitUsage},
		{"unknown organisation", []string{"-out", out, "-big-followups", "10", "-org", "NOWHERE"}, exitUsage},
		{"cannot write", []string{"-out", filepath.Join(out, "file", "sub"), "-orgs", "1", "-quarters", "1"}, exitFailure},
		{"small consortium", []string{"-out", filepath.Join(out, "c"), "-orgs", "1", "-quarters", "1", "-history", "0"}, exitOK},
		{"small big table", []string{"-out", filepath.Join(out, "b"), "-big-followups", "10"}, exitOK},
	}
	if err := os.WriteFile(filepath.Join(out, "file"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if got := run(tt.args, &stdout, &stderr); got != tt.want {
				t.Errorf("run(%q) = %d, want %d\nstdout: %s\nstderr: %s", tt.args, got, tt.want, stdout.String(), stderr.String())
			}
		})
	}
}
