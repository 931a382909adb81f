package catalog_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/carer-outcomes/carer-outcomes/internal/lakefixture"
	"github.com/carer-outcomes/carer-outcomes/pipeline/catalog"
	"github.com/carer-outcomes/carer-outcomes/pipeline/consortium"
	"github.com/carer-outcomes/carer-outcomes/pipeline/standard"
	"github.com/carer-outcomes/carer-outcomes/pipeline/standard/standardtest"
)

func loadConsortium(t *testing.T, std *standard.Standard) *consortium.Consortium {
	t.Helper()
	c, err := consortium.Load(filepath.Join(lakefixture.Root(), "testdata", "consortium", "example.json"), std)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestTables checks each table's name, format, partition keys and the
// partition projection Athena finds partitions by: organisations from the
// consortium file, quarters from its first quarter, and a location
// template that is the layout the lake writes (docs/lake.md).
func TestTables(t *testing.T) {
	std := standardtest.Load(t)
	c := loadConsortium(t, std)
	tables, err := catalog.Tables(std, c, "lake-bucket", "/consortium/")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]struct {
		format   catalog.Format
		keys     string
		template string
	}{
		"pointers":   {catalog.JSON, "kind org period", "s3://lake-bucket/consortium/current/${kind}/org=${org}/period=${period}/"},
		"ingest_log": {catalog.JSON, "org period", "s3://lake-bucket/consortium/ledger/ingest_log/org=${org}/period=${period}/"},
	}
	for _, k := range std.Kinds {
		want[k.Name+"_files"] = struct {
			format   catalog.Format
			keys     string
			template string
		}{catalog.Parquet, "org period", "s3://lake-bucket/consortium/curated/" + k.Name + "/org=${org}/period=${period}/"}
	}
	want["survey_responses_files"] = struct {
		format   catalog.Format
		keys     string
		template string
	}{catalog.Parquet, "org period", "s3://lake-bucket/consortium/surveys/responses/org=${org}/period=${period}/"}
	if len(tables) != len(want) {
		t.Errorf("%d tables, want %d", len(tables), len(want))
	}
	for _, tb := range tables {
		t.Run(tb.Name, func(t *testing.T) {
			w, ok := want[tb.Name]
			if !ok {
				t.Fatalf("unexpected table")
			}
			var keys []string
			for _, k := range tb.PartitionKeys {
				keys = append(keys, k.Name)
				if k.Type != "string" {
					t.Errorf("partition key %s is %s, want string", k.Name, k.Type)
				}
			}
			if strings.Join(keys, " ") != w.keys {
				t.Errorf("partition keys %v, want %s", keys, w.keys)
			}
			if tb.Format != w.format {
				t.Errorf("format %s, want %s", tb.Format, w.format)
			}
			p := tb.Parameters
			if p["projection.enabled"] != "true" || p["storage.location.template"] != w.template {
				t.Errorf("projection %q, template %q, want true and %q", p["projection.enabled"], p["storage.location.template"], w.template)
			}
			if !strings.HasPrefix(w.template, tb.Location) {
				t.Errorf("location %s is not the template's root", tb.Location)
			}
			if got, want := p["projection.org.values"], "BHAM-CA,BRISTOL-CW,CORNWALL-CT,LEEDS-CC,MCR-CARERS,NORFOLK-CS"; got != want {
				t.Errorf("organisations %q, want %q", got, want)
			}
			quarters := strings.Split(p["projection.period.values"], ",")
			if len(quarters) != 4*catalog.ProjectedYears || quarters[0] != "2024-Q4" || quarters[1] != "2025-Q1" || quarters[4] != "2025-Q4" {
				t.Errorf("quarters %v…, want %d from 2024-Q4", quarters[:min(5, len(quarters))], 4*catalog.ProjectedYears)
			}
			if tb.Name == "pointers" && p["projection.kind.values"] != "carers,support,outcomes,followups,finance" {
				t.Errorf("kinds %q", p["projection.kind.values"])
			}
			for _, col := range append(slices.Clone(tb.Columns), tb.PartitionKeys...) {
				if col.Comment == "" {
					t.Errorf("column %s has no comment", col.Name)
				}
				for _, k := range tb.PartitionKeys {
					if col.Name == k.Name && !slices.Contains(tb.PartitionKeys, col) {
						t.Errorf("column %s repeats a partition key", col.Name)
					}
				}
			}
		})
	}
}

// TestTables_JSONMatchesIngest ingests the report fixture with the real
// ingest (returns replacing earlier ones included) and reads every pointer
// and ingest log entry it wrote: every field of every object must be a
// column of its table (or a partition key) with a type that holds its
// value, and every column must appear in some object unless its field is
// one the lake leaves out when empty.
func TestTables_JSONMatchesIngest(t *testing.T) {
	std := standardtest.Load(t)
	tables, err := catalog.Tables(std, nil, "b", "")
	if err != nil {
		t.Fatal(err)
	}
	l := lakefixture.Report(t, std)
	// Fields written only when they have a value (omitempty in the lake).
	optional := map[string]bool{"errors_by_code": true, "superseded_upload_id": true, "superseded_key": true, "values": true}
	ctx := context.Background()
	for _, tb := range tables {
		if tb.Format != catalog.JSON {
			continue
		}
		t.Run(tb.Name, func(t *testing.T) {
			types := map[string]string{}
			for _, c := range append(slices.Clone(tb.Columns), tb.PartitionKeys...) {
				types[c.Name] = c.Type
			}
			objs, err := l.Lake.Store.List(ctx, tb.Path)
			if err != nil {
				t.Fatal(err)
			}
			seen := map[string]bool{}
			n := 0
			for _, o := range objs {
				if ok, _ := filepath.Match(tb.Glob, strings.TrimPrefix(o.Key, tb.Path)); !ok {
					continue
				}
				n++
				rc, _, err := l.Lake.Store.Get(ctx, o.Key)
				if err != nil {
					t.Fatal(err)
				}
				b, err := io.ReadAll(rc)
				rc.Close()
				if err != nil {
					t.Fatal(err)
				}
				var m map[string]json.RawMessage
				if err := json.Unmarshal(b, &m); err != nil {
					t.Fatalf("%s: %v", o.Key, err)
				}
				for k, v := range m {
					seen[k] = true
					typ, ok := types[k]
					if !ok {
						t.Errorf("%s: field %s is no column of %s", o.Key, k, tb.Name)
						continue
					}
					if err := holds(typ, v); err != nil {
						t.Errorf("%s: field %s (%s): %v", o.Key, k, typ, err)
					}
				}
			}
			if n == 0 {
				t.Fatal("the ingest wrote no object of the table")
			}
			for name := range types {
				if !seen[name] && !optional[name] {
					t.Errorf("column %s is in no object the ingest wrote", name)
				}
			}
			t.Logf("%d objects read", n)
		})
	}
}

// holds reports whether a JSON value can be read as a Hive type.
func holds(typ string, v json.RawMessage) error {
	if string(v) == "null" {
		return nil
	}
	var x any
	d := json.NewDecoder(bytes.NewReader(v))
	d.UseNumber()
	if err := d.Decode(&x); err != nil {
		return err
	}
	switch {
	case typ == "string":
		if _, ok := x.(string); !ok {
			return fmt.Errorf("%s is not a string", v)
		}
	case typ == "int" || typ == "bigint":
		n, ok := x.(json.Number)
		if _, err := n.Int64(); !ok || err != nil {
			return fmt.Errorf("%s is not a whole number", v)
		}
	case strings.HasPrefix(typ, "map<string,"):
		m, ok := x.(map[string]any)
		if !ok {
			return fmt.Errorf("%s is not an object", v)
		}
		for _, e := range m {
			b, _ := json.Marshal(e)
			if err := holds(strings.TrimSuffix(strings.TrimPrefix(typ, "map<string,"), ">"), b); err != nil {
				return err
			}
		}
	case strings.HasPrefix(typ, "struct<"):
		if _, ok := x.(map[string]any); !ok {
			return fmt.Errorf("%s is not an object", v)
		}
	default:
		return fmt.Errorf("no check for %s", typ)
	}
	return nil
}

// TestWriteDDL checks that the DDL has a CREATE EXTERNAL TABLE for every
// kind, the pointers and the log, with its SerDe, and a CREATE VIEW for
// every view, each statement ending in a semicolon.
func TestWriteDDL(t *testing.T) {
	std := standardtest.Load(t)
	tables, err := catalog.Tables(std, loadConsortium(t, std), "lake-bucket", "")
	if err != nil {
		t.Fatal(err)
	}
	views, err := catalog.Views(std)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := catalog.WriteDDL(&b, "outcomes", tables, views); err != nil {
		t.Fatal(err)
	}
	ddl := b.String()
	var names []string
	for _, k := range std.Kinds {
		names = append(names, k.Name+"_files", k.Name)
	}
	for _, v := range views {
		names = append(names, v.Name)
	}
	for _, tb := range tables {
		stmt := "CREATE EXTERNAL TABLE IF NOT EXISTS `outcomes`.`" + tb.Name + "`"
		i := strings.Index(ddl, stmt)
		if i < 0 {
			t.Errorf("no %s", stmt)
			continue
		}
		end := i + strings.Index(ddl[i:], ";\n\n")
		serde := map[catalog.Format]string{catalog.Parquet: "ParquetHiveSerDe", catalog.JSON: "org.openx.data.jsonserde.JsonSerDe"}[tb.Format]
		if !strings.Contains(ddl[i:end], serde) || !strings.Contains(ddl[i:end], "PARTITIONED BY") {
			t.Errorf("%s: no %s or no partitions", tb.Name, serde)
		}
	}
	for _, name := range names {
		if !strings.Contains(ddl, "CREATE EXTERNAL TABLE IF NOT EXISTS `outcomes`.`"+name+"`") && !strings.Contains(ddl, `CREATE OR REPLACE VIEW "outcomes"."`+name+`" AS`) {
			t.Errorf("no statement for %s", name)
		}
	}
	if got, want := strings.Count(ddl, ";\n"), len(tables)+len(views); got != want {
		t.Errorf("%d statements, want %d", got, want)
	}
	if !strings.Contains(ddl, "struct<`rows`:bigint,`columns`:array<struct<`column`:string") {
		t.Error("the ingest log's values: struct field names are not quoted")
	}
}

// TestViews lists the views: one of current rows per kind, then the code
// tables, then one headline view per committed .sql file (a file left out
// of the creation order would never reach Athena), each with a comment.
func TestViews(t *testing.T) {
	std := standardtest.Load(t)
	views, err := catalog.Views(std)
	if err != nil {
		t.Fatal(err)
	}
	files, err := catalog.ViewFiles()
	if err != nil {
		t.Fatal(err)
	}
	var headline []string
	for i, v := range views {
		if i < len(std.Kinds) && v.Name != std.Kinds[i].Name {
			t.Errorf("view %d is %s, want the kind %s", i, v.Name, std.Kinds[i].Name)
		}
		if v.Comment == "" || v.SQL == "" {
			t.Errorf("view %s has no comment or no SQL", v.Name)
		}
		if v.Headline {
			headline = append(headline, "views/"+v.Name+".sql")
		}
	}
	slices.Sort(headline)
	if !slices.Equal(headline, files) {
		t.Errorf("headline views %v, .sql files %v", headline, files)
	}
}
