package ingest_test

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"

	_ "github.com/duckdb/duckdb-go/v2"

	"github.com/carer-outcomes/carer-outcomes/pipeline"
	"github.com/carer-outcomes/carer-outcomes/pipeline/ingest"
	"github.com/carer-outcomes/carer-outcomes/pipeline/lake"
	"github.com/carer-outcomes/carer-outcomes/pipeline/standard"
	"github.com/carer-outcomes/carer-outcomes/pipeline/synth"
	"github.com/carer-outcomes/carer-outcomes/storage/fsstore"
)

// TestRun_DuckDBReadsEveryFile ingests a small generated consortium, CSV
// files and workbooks, and reads every Parquet file the ingest wrote with
// DuckDB, an independent reader: row counts agree with the pointers, every
// column has the type the standard implies, and no string is read as BLOB.
func TestRun_DuckDBReadsEveryFile(t *testing.T) {
	cfg := newConfig(t)
	root := t.TempDir()
	store, err := fsstore.New(root)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Lake = &lake.Lake{Store: store}
	gen := synth.DefaultConfig()
	gen.Out, gen.Orgs, gen.Quarters, gen.History = t.TempDir(), 6, 2, 1
	m, err := synth.Generate(cfg.Standard, gen)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range m.Returns {
		period, err := pipeline.ParsePeriod(r.Period)
		if err != nil {
			t.Fatal(err)
		}
		req := ingest.Request{Org: r.Org, Period: period}
		for _, f := range r.Files {
			req.Files = append(req.Files, osFile(t, filepath.Join(gen.Out, f)))
		}
		res, err := ingest.Run(context.Background(), cfg, req)
		if err != nil {
			t.Fatal(err)
		}
		if !res.Report.Clean() {
			t.Fatalf("%s %s: a generated return was not clean", r.Org, r.Period)
		}
	}

	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	files := 0
	for _, k := range cfg.Standard.Kinds {
		ptrs, err := cfg.Lake.Pointers(context.Background(), k.Name, "")
		if err != nil {
			t.Fatal(err)
		}
		if len(ptrs) == 0 {
			t.Errorf("no %s was ingested", k.Name)
		}
		want := columnTypes(k)
		for _, p := range ptrs {
			files++
			path := filepath.Join(root, filepath.FromSlash(p.Key))
			var n int
			var ids int
			if err := db.QueryRow("SELECT count(*), count(DISTINCT upload_id) FROM read_parquet(?) WHERE upload_id = ?", path, p.UploadID).Scan(&n, &ids); err != nil {
				t.Fatalf("%s: %v", p.Key, err)
			}
			if n != p.Rows || (n > 0 && ids != 1) {
				t.Errorf("%s: DuckDB reads %d rows of upload %s, the pointer says %d", p.Key, n, p.UploadID, p.Rows)
			}
			rows, err := db.Query("SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet(?))", path)
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]string{}
			for rows.Next() {
				var name, typ string
				if err := rows.Scan(&name, &typ); err != nil {
					t.Fatal(err)
				}
				got[name] = typ
			}
			rows.Close()
			for name, typ := range want {
				if got[name] != typ {
					t.Errorf("%s: column %s is %q, want %q", p.Key, name, got[name], typ)
				}
			}
			for name, typ := range got {
				if typ == "BLOB" {
					t.Errorf("%s: column %s is BLOB", p.Key, name)
				}
			}
		}
	}
	if files < 5*6 {
		t.Errorf("only %d files read", files)
	}

	// The query docs/lake.md gives, pointers joined to files on the key,
	// reads exactly the pointers' rows, even beside a stray copy of a
	// current file (a late delivery of the same bytes that crashed before
	// removing its copy).
	ptrs, err := cfg.Lake.Pointers(context.Background(), "carers", "")
	if err != nil {
		t.Fatal(err)
	}
	want := 0
	for _, p := range ptrs {
		want += p.Rows
	}
	src := filepath.Join(root, filepath.FromSlash(ptrs[0].Key))
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(strings.TrimSuffix(src, ".parquet")+"-stray.parquet", b, 0o644); err != nil {
		t.Fatal(err)
	}
	var got int
	q := `SELECT count(*) FROM read_json(?) AS p JOIN read_parquet(?, filename = true) AS f ON f.filename = ? || p.key`
	if err := db.QueryRow(q, filepath.Join(root, "current/carers/*/*/current.json"), filepath.Join(root, "curated/carers/*/*/*.parquet"), root+"/").Scan(&got); err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Errorf("the documented query reads %d carers rows, the pointers say %d", got, want)
	}
}

// columnTypes is what DuckDB should call each stored column of a kind,
// worked out from the standard's field types independently of the writer.
func columnTypes(k *standard.Kind) map[string]string {
	out := map[string]string{"upload_id": "VARCHAR", "source_row": "INTEGER"}
	for _, f := range k.Fields {
		if f.Personal != "" {
			continue
		}
		switch f.Type {
		case standard.Text, standard.Code:
			out[f.Name] = "VARCHAR"
		case standard.Date:
			out[f.Name] = "DATE"
		case standard.Integer:
			// Bounded whole numbers fit 32 bits; unbounded ones get 64.
			out[f.Name] = "BIGINT"
			if f.Maximum != nil && *f.Maximum < 1<<31 {
				out[f.Name] = "INTEGER"
			}
		case standard.Number:
			out[f.Name] = "DOUBLE"
		case standard.Money:
			out[f.Name] = "DECIMAL(14,2)"
		}
	}
	for _, d := range k.Derived {
		switch {
		case d.Type == "number":
			out[d.Name] = "DOUBLE"
		case strings.HasPrefix(d.Type, "string"):
			out[d.Name] = "VARCHAR"
		}
	}
	return out
}
