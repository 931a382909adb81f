package stacks_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/carer-outcomes/carer-outcomes/pipeline/catalog"
	"github.com/carer-outcomes/carer-outcomes/pipeline/curated"
)

// hiveTypes are the Glue (Hive) types of the curated Parquet types: what
// Athena must be told to read the files the ingest writes.
var hiveTypes = map[curated.Type]string{
	curated.String: "string", curated.Date: "date", curated.Int32: "int", curated.Int64: "bigint", curated.Double: "double",
}

func glueTables(t *testing.T) map[string]resource {
	t.Helper()
	out := map[string]resource{}
	for _, r := range stack(t, "Catalog").ofType("AWS::Glue::Table") {
		out[get(r.Properties, "TableInput", "Name").(string)] = r
	}
	return out
}

func columnList(v any) []string {
	var out []string
	for _, c := range list(v) {
		out = append(out, fmt.Sprint(get(c, "Name"))+" "+fmt.Sprint(get(c, "Type")))
	}
	return out
}

// TestCatalog_ColumnsEqualSchemas: each curated kind's table has the
// columns, in order and type, of the Parquet the ingest writes for it
// (pipeline/curated, derived from schemas/), and the partition keys of the
// lake's folders.
func TestCatalog_ColumnsEqualSchemas(t *testing.T) {
	glue := glueTables(t)
	kinds, err := curated.Tables(cfg.Standard)
	if err != nil {
		t.Fatal(err)
	}
	cat := stack(t, "Catalog")
	for _, k := range kinds {
		name := k.Kind.Name + catalog.FilesSuffix
		t.Run(name, func(t *testing.T) {
			r, ok := glue[name]
			if !ok {
				t.Fatalf("no Glue table %s", name)
			}
			var want []string
			for _, c := range k.Columns {
				typ := hiveTypes[c.Type]
				if c.Type == curated.Decimal {
					typ = fmt.Sprintf("decimal(%d,%d)", c.Precision, c.Scale)
				}
				want = append(want, c.Name+" "+typ)
			}
			sd := get(r.Properties, "TableInput", "StorageDescriptor")
			if got := columnList(get(sd, "Columns")); !slices.Equal(got, want) {
				t.Errorf("columns\n  %s\nwant the curated schema's\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
			}
			if got := columnList(get(r.Properties, "TableInput", "PartitionKeys")); !slices.Equal(got, []string{"org string", "period string"}) {
				t.Errorf("partition keys %v", got)
			}
			if loc := cat.render(get(sd, "Location")); !strings.HasPrefix(loc, "s3://${Data/Curated}/curated/") {
				t.Errorf("location %s: want the curated bucket's curated/ folder", loc)
			}
		})
	}
}

// TestCatalog_SameAsDDL: the stack deploys exactly the generator's tables,
// the ones `outcomes ddl` prints.
func TestCatalog_SameAsDDL(t *testing.T) {
	glue := glueTables(t)
	tables, err := catalog.Tables(cfg.Standard, cfg.Consortium, "BUCKET", "")
	if err != nil {
		t.Fatal(err)
	}
	if len(glue) != len(tables) {
		t.Errorf("%d Glue tables, the generator has %d", len(glue), len(tables))
	}
	cat := stack(t, "Catalog")
	for _, tb := range tables {
		r, ok := glue[tb.Name]
		if !ok {
			t.Errorf("no Glue table %s", tb.Name)
			continue
		}
		var want []string
		for _, c := range tb.Columns {
			want = append(want, c.Name+" "+c.Type)
		}
		sd := get(r.Properties, "TableInput", "StorageDescriptor")
		if got := columnList(get(sd, "Columns")); !slices.Equal(got, want) {
			t.Errorf("%s: columns differ from the DDL's", tb.Name)
		}
		if got := strings.ReplaceAll(cat.render(get(sd, "Location")), "${Data/Curated}", "BUCKET"); got != tb.Location {
			t.Errorf("%s: location %s, want %s", tb.Name, got, tb.Location)
		}
		params, _ := get(r.Properties, "TableInput", "Parameters").(map[string]any)
		for k, v := range tb.Parameters {
			if got := strings.ReplaceAll(cat.render(params[k]), "${Data/Curated}", "BUCKET"); got != v {
				t.Errorf("%s: parameter %s = %s, want %s", tb.Name, k, got, v)
			}
		}
		if get(sd, "SerdeInfo", "SerializationLibrary") != tb.SerDe() || get(sd, "InputFormat") != tb.InputFormat() {
			t.Errorf("%s: serde %v", tb.Name, get(sd, "SerdeInfo"))
		}
	}
	views, err := catalog.Views(cfg.Standard)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(cat.ofType("AWS::Athena::NamedQuery")); n != len(views) {
		t.Errorf("%d saved queries, want one CREATE VIEW per view (%d)", n, len(views))
	}
}

// TestCatalog_Analysts: the analysts' policy reads the tables' folders of
// the lake and nothing else of it (not uploads/, the uploaders' reports).
func TestCatalog_Analysts(t *testing.T) {
	cat := stack(t, "Catalog")
	_, p := cat.byPath(t, "Catalog/Analysts")
	tables, err := catalog.Tables(cfg.Standard, cfg.Consortium, "BUCKET", "")
	if err != nil {
		t.Fatal(err)
	}
	folders := map[string]bool{}
	for _, tb := range tables {
		folders["${Data/Curated.Arn}/"+tb.Path+"*"] = true
	}
	var reads []string
	for _, s := range list(get(p.Properties, "PolicyDocument", "Statement")) {
		for _, r := range list(get(s, "Resource")) {
			res := cat.render(r)
			if strings.HasPrefix(res, "${Data/Curated.Arn}/") {
				reads = append(reads, res)
				if !folders[res] {
					t.Errorf("analysts may %v %s, outside the tables' folders", get(s, "Action"), res)
				}
			}
			if strings.Contains(res, "Landing") || strings.Contains(res, "Raw") {
				t.Errorf("analysts may %v %s", get(s, "Action"), res)
			}
		}
	}
	if len(reads) != len(folders) {
		t.Errorf("analysts read %v, want every table's folder %v", reads, folders)
	}
}
