package duckdblake_test

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/carer-outcomes/carer-outcomes/duckdblake"
	"github.com/carer-outcomes/carer-outcomes/internal/lakefixture"
	"github.com/carer-outcomes/carer-outcomes/pipeline"
	"github.com/carer-outcomes/carer-outcomes/pipeline/catalog"
	"github.com/carer-outcomes/carer-outcomes/pipeline/ingest"
	"github.com/carer-outcomes/carer-outcomes/pipeline/lake"
	"github.com/carer-outcomes/carer-outcomes/pipeline/standard/standardtest"
)

// arrowType is the Arrow type an independent reader should see for a
// catalog (Hive) type of a Parquet column.
func arrowType(hive string) string {
	switch {
	case hive == "string":
		return "utf8"
	case hive == "int":
		return "int32"
	case hive == "bigint":
		return "int64"
	case hive == "double":
		return "float64"
	case hive == "date":
		return "date32"
	case strings.HasPrefix(hive, "decimal("):
		return strings.ReplaceAll(hive, ",", ", ")
	}
	return "no Arrow type for " + hive
}

// TestTables_MatchEveryParquetFile reads the schema of every Parquet file
// the ingest wrote for the demo consortium, with DuckDB and with the Arrow
// reader, and checks that its columns are the catalog table's columns, in
// order, with the types the catalog gives Athena.
func TestTables_MatchEveryParquetFile(t *testing.T) {
	std := standardtest.Load(t)
	l := demo(t, std)
	tables, err := catalog.Tables(std, nil, "", "")
	if err != nil {
		t.Fatal(err)
	}
	db, err := duckdblake.Open(context.Background(), l.Dir, std)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	files := 0
	for _, tb := range tables {
		if tb.Format != catalog.Parquet {
			continue
		}
		names, err := filepath.Glob(filepath.Join(l.Dir, filepath.FromSlash(tb.Path), tb.Glob))
		if err != nil {
			t.Fatal(err)
		}
		if len(names) == 0 {
			t.Errorf("%s: no file in the demo lake", tb.Name)
		}
		var want, wantArrow []string
		for _, c := range tb.Columns {
			typ, err := duckdblake.DuckType(c.Type)
			if err != nil {
				t.Fatal(err)
			}
			want = append(want, c.Name+" "+typ)
			wantArrow = append(wantArrow, c.Name+" "+arrowType(c.Type))
		}
		for _, name := range names {
			files++
			var got []string
			for _, r := range queryRows(t, db.DB, fmt.Sprintf("SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet('%s', hive_partitioning = false))", name)) {
				got = append(got, r[0].String+" "+r[1].String)
			}
			if !slices.Equal(got, want) {
				t.Errorf("%s: DuckDB reads\n%v\nthe catalog says\n%v", name, got, want)
			}
			if got := arrowSchema(t, name); !slices.Equal(got, wantArrow) {
				t.Errorf("%s: Arrow reads\n%v\nthe catalog says\n%v", name, got, wantArrow)
			}
		}
	}
	t.Logf("%d Parquet files checked with DuckDB and Arrow", files)
}

func arrowSchema(t *testing.T, name string) []string {
	t.Helper()
	r, err := file.OpenParquetFile(name, false)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	fr, err := pqarrow.NewFileReader(r, pqarrow.ArrowReadProperties{}, memory.DefaultAllocator)
	if err != nil {
		t.Fatal(err)
	}
	s, err := fr.Schema()
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, f := range s.Fields() {
		out = append(out, f.Name+" "+f.Type.String())
	}
	return out
}

// failPointers is a store whose pointer writes fail: an ingest through it
// stores its Parquet files and then crashes before the commit, leaving
// orphans that no pointer names.
type failPointers struct{ lake.Store }

func (s failPointers) Put(ctx context.Context, key string, body io.Reader, size int64, cond lake.Condition) (lake.Object, error) {
	if strings.HasPrefix(key, "current/") {
		return lake.Object{}, errors.New("crash before the commit")
	}
	return s.Store.Put(ctx, key, body, size, cond)
}

// TestViews_CurrentRowsOnly ingests the report fixture, whose ORG-A
// 2026-Q2 return is v1, then a corrected return (v2) for the same
// organisation and quarter, then a third version of each file whose ingest
// crashes before its pointer is switched, leaving its Parquet file in the
// partition, and lays a second file of v2's carers beside the first (the
// same bytes received again, crashed before removing its copy). Each kind's view must show v2's rows only, all
// of them, while the file-level table also holds the orphan's.
func TestViews_CurrentRowsOnly(t *testing.T) {
	std := standardtest.Load(t)
	l := lakefixture.Report(t, std)
	dir := filepath.Join(lakefixture.Root(), "testdata", "report", "returns", "ORG-A", "2026-Q2")
	version := func(n int) []ingest.File {
		var files []ingest.File
		err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			// Each version's bytes differ (a different upload id), not
			// its rows: a trailing blank line is no row.
			b = append(b, bytes.Repeat([]byte("\n"), n)...)
			files = append(files, ingest.File{Name: d.Name(), Data: bytes.NewReader(b), Size: int64(len(b))})
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return files
	}
	ctx := context.Background()
	v1 := map[string]string{}
	for _, k := range std.Kinds {
		ptr, _, ok, err := l.Lake.Current(ctx, lake.Partition{Kind: k.Name, Org: "ORG-A", Period: mustPeriod(t, "2026-Q2")})
		if err != nil || !ok {
			t.Fatalf("%s: v1 has no pointer: %v", k.Name, err)
		}
		v1[k.Name] = ptr.UploadID
	}
	v2 := l.Ingest(t, "ORG-A", "2026-Q2", "2027-01-04", version(2)...)
	crashed := l.Config
	crashed.Lake = &lake.Lake{Store: failPointers{l.Lake.Store}}
	crash := lakefixture.Lake{Dir: l.Dir, Lake: crashed.Lake, Config: crashed}
	for _, f := range version(3) {
		func() {
			defer func() { _ = recover() }()
			res := crash.Ingest(&fatalToPanic{t}, "ORG-A", "2026-Q2", "2027-01-05", f)
			t.Errorf("%s: the ingest through a store that fails pointer writes did not fail: %+v", f.Name, res.Uploads)
		}()
	}

	// The same bytes as v2's carers received again, whose ingest crashed
	// before removing its copy: a second file of the current upload.
	ptr, _, _, err := l.Lake.Current(ctx, lake.Partition{Kind: "carers", Org: "ORG-A", Period: mustPeriod(t, "2026-Q2")})
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(l.Dir, filepath.FromSlash(ptr.Key)))
	if err != nil {
		t.Fatal(err)
	}
	copyKey := strings.TrimSuffix(ptr.Key, ".parquet")
	copyKey = copyKey[:strings.LastIndex(copyKey, "-")] + "-20270106T090000.000000000Z.parquet"
	if err := os.WriteFile(filepath.Join(l.Dir, filepath.FromSlash(copyKey)), b, 0o644); err != nil {
		t.Fatal(err)
	}

	db, err := duckdblake.Open(ctx, l.Dir, std)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	v2IDs := map[string]bool{}
	for _, up := range v2.Uploads {
		v2IDs[up.UploadID] = true
	}
	for _, k := range std.Kinds {
		t.Run(k.Name, func(t *testing.T) {
			ptr, _, ok, err := l.Lake.Current(ctx, lake.Partition{Kind: k.Name, Org: "ORG-A", Period: mustPeriod(t, "2026-Q2")})
			if err != nil || !ok {
				t.Fatalf("no pointer: %v", err)
			}
			if !v2IDs[ptr.UploadID] || ptr.UploadID == v1[k.Name] {
				t.Fatalf("the pointer names %s, not a v2 upload", ptr.UploadID)
			}
			rows := queryRows(t, db.DB, fmt.Sprintf("SELECT upload_id, COUNT(*) FROM %s WHERE org = 'ORG-A' AND period = '2026-Q2' GROUP BY upload_id", k.Name))
			if len(rows) != 1 || rows[0][0].String != ptr.UploadID || rows[0][1].String != fmt.Sprint(ptr.Rows) {
				t.Errorf("view %s: %v, want %d rows of v2 (%s) only", k.Name, rows, ptr.Rows, ptr.UploadID[:12])
			}
			files := queryRows(t, db.DB, fmt.Sprintf("SELECT COUNT(DISTINCT upload_id) FROM %s WHERE org = 'ORG-A' AND period = '2026-Q2'", k.Name+catalog.FilesSuffix))
			if files[0][0].String != "2" {
				t.Errorf("%s: %s uploads, want 2: v2 and the crashed commit's orphan", k.Name+catalog.FilesSuffix, files[0][0].String)
			}
			if k.Name == "carers" {
				copies := queryRows(t, db.DB, "SELECT COUNT(*) FROM carers_files WHERE upload_id = '"+ptr.UploadID+"'")
				if mustInt(t, copies[0][0]) != 2*ptr.Rows {
					t.Errorf("carers_files has %s rows of v2, want %d: two files of it", copies[0][0].String, 2*ptr.Rows)
				}
			}
		})
	}
}

// fatalToPanic turns a helper's Fatal into a panic, for a step that is
// meant to fail (the crashed ingest).
type fatalToPanic struct{ *testing.T }

func (f *fatalToPanic) Fatalf(format string, args ...any) { panic(fmt.Sprintf(format, args...)) }
func (f *fatalToPanic) Fatal(args ...any)                 { panic(fmt.Sprint(args...)) }

func mustPeriod(t *testing.T, s string) pipeline.Period {
	t.Helper()
	p, err := pipeline.ParsePeriod(s)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestFunctions_DoNotLinkDuckDB lists what each Lambda function's binary
// links: DuckDB (cgo, tens of megabytes) is for the command line only.
func TestFunctions_DoNotLinkDuckDB(t *testing.T) {
	cmd := exec.Command("go", "list", "-deps", "./functions/...")
	cmd.Dir = lakefixture.Root()
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	deps := strings.Fields(string(out))
	if len(deps) < 10 {
		t.Fatalf("go list lists %d packages", len(deps))
	}
	for _, d := range deps {
		if strings.Contains(d, "duckdb") {
			t.Errorf("a Lambda function links %s", d)
		}
	}
}

// TestOpen_OlderFiles rewrites one current carers file without a column,
// as a file of an earlier version of the standard would be: the tables
// merge the files by column name, the old file's rows read with nulls in
// the column it lacks, and every other file's rows are unchanged.
func TestOpen_OlderFiles(t *testing.T) {
	std := standardtest.Load(t)
	l := lakefixture.Report(t, std)
	ctx := context.Background()
	ptr, _, ok, err := l.Lake.Current(ctx, lake.Partition{Kind: "carers", Org: "ORG-A", Period: mustPeriod(t, "2026-Q2")})
	if err != nil || !ok {
		t.Fatalf("no pointer: %v", err)
	}
	path := filepath.Join(l.Dir, filepath.FromSlash(ptr.Key))
	db, err := duckdblake.Open(ctx, l.Dir, std)
	if err != nil {
		t.Fatal(err)
	}
	before := queryRows(t, db.DB, "SELECT COUNT(*), COUNT(consent_followup) FROM carers")
	old := path + ".old.parquet"
	if _, err := db.Exec(fmt.Sprintf("COPY (SELECT * EXCLUDE (consent_followup) FROM read_parquet('%s', hive_partitioning = false)) TO '%s' (FORMAT parquet)", path, old)); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if err := os.Rename(old, path); err != nil {
		t.Fatal(err)
	}
	db, err = duckdblake.Open(ctx, l.Dir, std)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	after := queryRows(t, db.DB, "SELECT COUNT(*), COUNT(consent_followup) FROM carers")
	if after[0][0] != before[0][0] || fmt.Sprint(ptr.Rows) == "0" || mustInt(t, after[0][1]) != mustInt(t, before[0][1])-ptr.Rows {
		t.Errorf("carers (rows, with consent_followup): before %v, after %v; the rewritten file has %d rows", before[0], after[0], ptr.Rows)
	}
}

func mustInt(t *testing.T, s sql.NullString) int {
	t.Helper()
	var n int
	if _, err := fmt.Sscan(s.String, &n); err != nil {
		t.Fatal(err)
	}
	return n
}
