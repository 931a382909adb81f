package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func runCLI(tb testing.TB, args ...string) (code int, stdout, stderr string) {
	tb.Helper()
	var out, errOut bytes.Buffer
	code = run(args, &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestRun_Validate(t *testing.T) {
	reg := "../../testdata/registry/carers.csv"
	tests := []struct {
		name     string
		args     []string
		code     int
		inStdout string
		inStderr string
	}{
		{"clean", []string{"validate", "--org", "TEST-ORG", "--period", "2026-Q3", reg}, 0, "10 rows, 10 accepted, 0 rejected", ""},
		{"rejected rows", []string{"validate", "--org", "TEST-ORG", "--period", "2026-Q3", reg, "../../testdata/bad/support_unknown_code.csv"}, 1, "error unknown_code: 1", ""},
		{"rejected table", []string{"validate", "--org", "TEST-ORG", "--period", "2026-Q3", "../../testdata/bad/carers_personal_surname.csv"}, 1, "error personal_data_column: 1", ""},
		{"carers of an earlier return", []string{"validate", "--org", "TEST-ORG", "--period", "2026-Q3", "--carers", reg, "../../testdata/good/support_day_first_dates.csv"}, 0, "0 rejected", ""},
		{"without the earlier carers", []string{"validate", "--org", "TEST-ORG", "--period", "2026-Q3", "../../testdata/good/support_day_first_dates.csv"}, 1, "error unregistered_carer", ""},
		{"unreadable file", []string{"validate", "--org", "TEST-ORG", "--period", "2026-Q3", "../../testdata/bad/file_binary_png.csv"}, 2, "NOT READ (unreadable_file)", ""},
		{"damaged workbook", []string{"validate", "--org", "TEST-ORG", "--period", "2026-Q3", "../../testdata/bad/file_damaged_smaller_declared_size.xlsx"}, 2, "the workbook is damaged: open it in Excel and save it again", ""},
		{"no table in a workbook", []string{"validate", "--org", "TEST-ORG", "--period", "2026-Q3", "../../testdata/bad/file_no_table.xlsx"}, 1, "NO TABLE (no_table)", ""},
		{"missing file", []string{"validate", "--org", "TEST-ORG", "--period", "2026-Q3", "no-such-file.csv"}, 2, "", "no-such-file.csv"},
		{"no org", []string{"validate", "--period", "2026-Q3", reg}, 2, "", "--org and --period are required"},
		{"bad period", []string{"validate", "--org", "TEST-ORG", "--period", "2026-Q5", reg}, 2, "", "YYYY-Qn"},
		{"bad org", []string{"validate", "--org", "test org", "--period", "2026-Q3", reg}, 2, "", "2-16 characters"},
		{"no files", []string{"validate", "--org", "TEST-ORG", "--period", "2026-Q3"}, 2, "", "at least one file"},
		{"unknown flag", []string{"validate", "--orgg", "X"}, 2, "", "flag provided but not defined"},
		{"unknown command", []string{"frobnicate"}, 2, "", "unknown command"},
		{"no command", nil, 2, "", "usage"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := runCLI(t, tt.args...)
			if code != tt.code {
				t.Errorf("exit code = %d, want %d\nstdout: %s\nstderr: %s", code, tt.code, stdout, stderr)
			}
			if !strings.Contains(stdout, tt.inStdout) {
				t.Errorf("stdout does not contain %q:\n%s", tt.inStdout, stdout)
			}
			if !strings.Contains(stderr, tt.inStderr) {
				t.Errorf("stderr does not contain %q:\n%s", tt.inStderr, stderr)
			}
		})
	}
}

// TestRun_ValidateJSON checks the documented shape of the JSON report
// (docs/validation-report.md) by decoding it into a generic map, so that a
// renamed field fails here even if the Go types are renamed with it.
func TestRun_ValidateJSON(t *testing.T) {
	code, stdout, _ := runCLI(t, "validate", "--json", "--org", "TEST-ORG", "--period", "2026-Q3",
		"../../testdata/registry/carers.csv", "../../testdata/bad/support_future_date.csv", "../../testdata/bad/file_empty.csv")
	if code != 2 {
		t.Fatalf("exit code = %d, want 2 (an unreadable file)", code)
	}
	var rep map[string]any
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatal(err)
	}
	files := rep["files"].([]any)
	if len(files) != 3 {
		t.Fatalf("%d files, want 3", len(files))
	}
	support := files[1].(map[string]any)
	if support["file"] != "../../testdata/bad/support_future_date.csv" {
		t.Errorf("file = %v", support["file"])
	}
	table := support["tables"].([]any)[0].(map[string]any)
	for _, key := range []string{"kind", "sheet", "rows", "accepted", "rejected", "errors", "warnings"} {
		if _, ok := table[key]; !ok {
			t.Errorf("table has no %q", key)
		}
	}
	issue := table["errors"].([]any)[0].(map[string]any)
	for key, want := range map[string]any{"row": 3.0, "column": "date", "value": "2026-10-01", "code": "date_out_of_range"} {
		if issue[key] != want {
			t.Errorf("error %s = %v, want %v", key, issue[key], want)
		}
	}
	if msg, _ := issue["message"].(string); msg == "" {
		t.Error("error has no message")
	}
	empty := files[2].(map[string]any)
	fileErr := empty["error"].(map[string]any)
	if fileErr["code"] != "unreadable_file" || fileErr["message"] == "" {
		t.Errorf("file error = %v", fileErr)
	}
	if tables := empty["tables"].([]any); len(tables) != 0 {
		t.Errorf("unreadable file has %d tables", len(tables))
	}
}

// TestRun_DictionaryIsCommitted fails when docs/data-dictionary.md no longer
// matches what the standard generates.
func TestRun_DictionaryIsCommitted(t *testing.T) {
	code, stdout, stderr := runCLI(t, "dictionary")
	if code != 0 {
		t.Fatalf("exit code %d: %s", code, stderr)
	}
	committed, err := os.ReadFile("../../docs/data-dictionary.md")
	if err != nil {
		t.Fatal(err)
	}
	if stdout != string(committed) {
		t.Error("docs/data-dictionary.md is stale: run `make dictionary` and commit it")
	}
}

func TestRun_Template(t *testing.T) {
	dir := t.TempDir()
	code, stdout, stderr := runCLI(t, "template", "--out", dir)
	if code != 0 {
		t.Fatalf("exit code %d: %s", code, stderr)
	}
	for _, name := range []string{"carers.csv", "support.csv", "outcomes.csv", "followups.csv", "finance.csv", "return-template.xlsx"} {
		if !strings.Contains(stdout, name) {
			t.Errorf("output does not list %s", name)
		}
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			t.Error(err)
		}
	}
	if code, _, _ := runCLI(t, "template"); code != 2 {
		t.Errorf("template without --out: exit code %d, want 2", code)
	}
}
