package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/carer-outcomes/carer-outcomes/duckdblake"
	"github.com/carer-outcomes/carer-outcomes/internal/lakefixture"
	"github.com/carer-outcomes/carer-outcomes/pipeline/catalog"
	"github.com/carer-outcomes/carer-outcomes/pipeline/standard/standardtest"
)

// TestRun_Query runs outcomes query on the demo's lake (the sample
// consortium make demo ingests): a headline view in each format, a current
// kind view, a file-level table and the pointers; a bad query gets DuckDB's
// message and exit 1, never a stack trace.
func TestRun_Query(t *testing.T) {
	std := standardtest.Load(t)
	l := lakefixture.Demo(t, std)
	reach := "SELECT period, registered FROM reach_by_quarter WHERE scope = 'consortium' AND period = '2026-Q3'"
	tests := []struct {
		name     string
		args     []string
		code     int
		check    func(t *testing.T, stdout string)
		inStderr string
	}{
		{"table", []string{"query", "--lake", l.Dir, reach}, 0, func(t *testing.T, out string) {
			if f := strings.Fields(out); len(f) < 4 || f[0] != "period" || f[2] != "2026-Q3" || !strings.Contains(out, "(1 rows)") {
				t.Errorf("table output:\n%s", out)
			}
		}, ""},
		{"csv", []string{"query", "--lake", l.Dir, "--format", "csv", reach}, 0, func(t *testing.T, out string) {
			recs, err := csv.NewReader(strings.NewReader(out)).ReadAll()
			if err != nil || len(recs) != 2 || recs[0][1] != "registered" || recs[1][0] != "2026-Q3" || recs[1][1] == "" {
				t.Errorf("csv output %q (%v)", out, err)
			}
		}, ""},
		{"json", []string{"query", "--lake", l.Dir, "--format", "json", reach}, 0, func(t *testing.T, out string) {
			var rows []map[string]*string
			if err := json.Unmarshal([]byte(out), &rows); err != nil || len(rows) != 1 || *rows[0]["period"] != "2026-Q3" {
				t.Errorf("json output %q (%v)", out, err)
			}
		}, ""},
		{"current rows, dates and decimals", []string{"query", "--lake", l.Dir, "--format", "csv",
			"SELECT MIN(registration_date) AS first, (SELECT SUM(delivery_cost_gbp) FROM finance) AS cost FROM carers"}, 0, func(t *testing.T, out string) {
			recs, _ := csv.NewReader(strings.NewReader(out)).ReadAll()
			if len(recs) != 2 || len(recs[1][0]) != len("2024-01-01") || !strings.Contains(recs[1][1], ".") {
				t.Errorf("csv output %q", out)
			}
		}, ""},
		{"files and pointers", []string{"query", "--lake", l.Dir, "--format", "csv",
			"SELECT COUNT(*) FROM carers_files f JOIN pointers p ON p.upload_id = f.upload_id AND p.kind = 'carers'"}, 0, func(t *testing.T, out string) {
			if recs, _ := csv.NewReader(strings.NewReader(out)).ReadAll(); len(recs) != 2 || recs[1][0] == "0" {
				t.Errorf("csv output %q", out)
			}
		}, ""},
		{"bad query", []string{"query", "--lake", l.Dir, "SELECT * FROM no_such_table"}, 1, nil, "Table with name no_such_table does not exist"},
		{"syntax error", []string{"query", "--lake", l.Dir, "SELEKT 1"}, 1, nil, "syntax error"},
		{"no lake", []string{"query", "--lake", filepath.Join(t.TempDir(), "none"), "SELECT 1"}, 2, nil, "no such folder"},
		{"bad format", []string{"query", "--lake", l.Dir, "--format", "xml", "SELECT 1"}, 2, nil, "usage: outcomes query"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := runCLI(t, tt.args...)
			if code != tt.code {
				t.Fatalf("exit %d, want %d; stderr: %s", code, tt.code, stderr)
			}
			if tt.check != nil {
				tt.check(t, stdout)
			}
			if !strings.Contains(stderr, tt.inStderr) {
				t.Errorf("stderr %q does not say %q", stderr, tt.inStderr)
			}
			if strings.Contains(stderr, "goroutine") || strings.Contains(stderr, "panic") {
				t.Errorf("a stack trace: %s", stderr)
			}
		})
	}

	t.Run("prompt", func(t *testing.T) {
		db, err := duckdblake.Open(context.Background(), l.Dir, std)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		hist := loadHistory(filepath.Join(t.TempDir(), "history"))
		in := "\\d\rSELECT COUNT(*) AS n\r  FROM carers;\rSELECT nonsense FROM carers;\r\\q\r"
		var out bytes.Buffer
		rw := struct {
			io.Reader
			io.Writer
		}{strings.NewReader(in), &out}
		if code := promptLoop(context.Background(), db, rw, "table", hist); code != 0 {
			t.Fatalf("exit %d", code)
		}
		for _, want := range []string{"reach_by_quarter", "carers_files", "pointers", "(1 rows)", "nonsense"} {
			if !strings.Contains(out.String(), want) {
				t.Errorf("the prompt's output does not show %q:\n%s", want, out.String())
			}
		}
		if again := loadHistory(hist.path); again.Len() < 3 || again.At(0) != `\q` || again.At(2) != "  FROM carers;" {
			t.Errorf("history kept %d lines: %q", again.Len(), again.lines)
		}
	})
}

// TestRun_DDL prints the DDL for the example consortium: a CREATE
// EXTERNAL TABLE for every kind, the pointers and the log, and a CREATE
// VIEW for every view.
func TestRun_DDL(t *testing.T) {
	std := standardtest.Load(t)
	code, stdout, stderr := runCLI(t, "ddl", "--database", "outcomes", "--bucket", "lake-bucket",
		"--consortium", "../../testdata/consortium/example.json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	tables, err := catalog.Tables(std, nil, "", "")
	if err != nil {
		t.Fatal(err)
	}
	views, err := catalog.Views(std)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range std.Kinds {
		for _, want := range []string{"CREATE EXTERNAL TABLE IF NOT EXISTS `outcomes`.`" + k.Name + "_files`", `CREATE OR REPLACE VIEW "outcomes"."` + k.Name + `" AS`} {
			if !strings.Contains(stdout, want) {
				t.Errorf("no %s", want)
			}
		}
	}
	for _, tb := range tables {
		if !strings.Contains(stdout, "`outcomes`.`"+tb.Name+"`") {
			t.Errorf("no table %s", tb.Name)
		}
	}
	for _, v := range views {
		if !strings.Contains(stdout, `CREATE OR REPLACE VIEW "outcomes"."`+v.Name+`" AS`) {
			t.Errorf("no view %s", v.Name)
		}
	}
	if !strings.Contains(stdout, "s3://lake-bucket/curated/carers/org=${org}/period=${period}/") {
		t.Error("no location template in the bucket")
	}
	if code, _, stderr := runCLI(t, "ddl", "--database", "outcomes", "--bucket", "b"); code != 2 || !strings.Contains(stderr, "usage") {
		t.Errorf("without --consortium: exit %d, %s", code, stderr)
	}
}
