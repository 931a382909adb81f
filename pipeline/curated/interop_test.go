package curated_test

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	_ "github.com/duckdb/duckdb-go/v2"

	"github.com/carer-outcomes/carer-outcomes/pipeline"
	"github.com/carer-outcomes/carer-outcomes/pipeline/curated"
	"github.com/carer-outcomes/carer-outcomes/pipeline/standard"
	"github.com/carer-outcomes/carer-outcomes/pipeline/standard/standardtest"
	"github.com/carer-outcomes/carer-outcomes/pipeline/tabular"
	"github.com/carer-outcomes/carer-outcomes/pipeline/validate"
	"github.com/carer-outcomes/carer-outcomes/schemas"
)

// written is one curated file the fixture sink wrote.
type written struct {
	input, kind, path string
	rows              int
}

// fixtureSink writes every table of an upload to a curated file in a
// folder, and remembers the personal values it was given, so that the test
// can look for them in the files.
type fixtureSink struct {
	t        *testing.T
	dir      string
	tables   []*curated.Table
	uploads  map[string]string // input name → upload ID
	files    []*written
	opened   int
	personal map[string]bool
}

type fixtureTable struct {
	s      *fixtureSink
	w      *curated.Writer
	f      *os.File
	out    *written
	fields []*standard.Field // the personal fields of the kind
}

func (s *fixtureSink) Table(info validate.TableInfo) (validate.TableSink, error) {
	var tb *curated.Table
	for _, t := range s.tables {
		if t.Kind == info.Kind {
			tb = t
		}
	}
	s.opened++
	out := &written{input: info.File, kind: info.Kind.Name, path: filepath.Join(s.dir, fmt.Sprintf("%d-%s.parquet", s.opened, info.Kind.Name))}
	f, err := os.Create(out.path)
	if err != nil {
		return nil, err
	}
	w, err := curated.NewWriter(f, tb, curated.Meta{UploadID: s.uploads[info.File], Org: testOrg, Period: testPeriod,
		SchemaVersion: tb.Version, FileName: info.File, Sheet: info.Sheet}, testHasher(s.t, testOrg))
	if err != nil {
		f.Close()
		return nil, err
	}
	ft := &fixtureTable{s: s, w: w, f: f, out: out}
	for _, fld := range info.Kind.Fields {
		if fld.Personal != "" {
			ft.fields = append(ft.fields, fld)
		}
	}
	return ft, nil
}

func (ft *fixtureTable) Row(rec *validate.Record) error {
	for _, f := range ft.fields {
		if v := rec.Values[f.Index]; v.Present {
			ft.s.personal[string(v.Text)] = true
			if f.Type == standard.Date {
				ft.s.personal[pipeline.Days(v.Int).String()] = true
			} else {
				upper := strings.ToUpper(string(v.Text))
				ft.s.personal[upper] = true
				ft.s.personal[strings.ReplaceAll(upper, " ", "")] = true
			}
		}
	}
	return ft.w.Write(rec)
}

func (ft *fixtureTable) Commit() error {
	if err := ft.w.Close(); err != nil {
		return err
	}
	ft.out.rows = ft.w.Rows()
	ft.s.files = append(ft.s.files, ft.out)
	return ft.f.Close()
}

func (ft *fixtureTable) Abort() {
	ft.f.Close()
	os.Remove(ft.out.path)
}

// writeFixtures validates the registry of carers and every good fixture as
// one upload of TEST-ORG for 2026-Q3, writing each accepted table.
func writeFixtures(t *testing.T) (*fixtureSink, *validate.Report) {
	t.Helper()
	std := standardtest.Load(t)
	tables, err := curated.Tables(std)
	if err != nil {
		t.Fatal(err)
	}
	names, err := filepath.Glob("../../testdata/good/*")
	if err != nil {
		t.Fatal(err)
	}
	names = slices.DeleteFunc(names, func(n string) bool { return strings.HasSuffix(n, ".json") })
	names = append([]string{"../../testdata/registry/carers.csv"}, names...)
	s := &fixtureSink{t: t, dir: t.TempDir(), tables: tables, uploads: map[string]string{}, personal: map[string]bool{}}
	var inputs []validate.Input
	for _, n := range names {
		data, err := os.ReadFile(n)
		if err != nil {
			t.Fatal(err)
		}
		name := filepath.Base(filepath.Dir(n)) + "/" + filepath.Base(n)
		s.uploads[name] = uploadID(data)
		inputs = append(inputs, validate.Input{Name: name, Data: bytes.NewReader(data), Size: int64(len(data))})
	}
	period, err := pipeline.ParsePeriod(testPeriod)
	if err != nil {
		t.Fatal(err)
	}
	cfg := validate.Config{Standard: std, Org: testOrg, Period: period, Sink: s,
		Limits: tabular.Limits{MaxFileBytes: 1 << 20, MaxUnpackedBytes: 16 << 20, MaxRows: 1000}}
	rep, err := validate.Run(context.Background(), cfg, inputs)
	if err != nil {
		t.Fatal(err)
	}
	return s, rep
}

func openDuckDB(t *testing.T) *sql.DB {
	t.Helper()
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// query returns a query's rows, every value as text ("NULL" for null).
func query(t *testing.T, db *sql.DB, q string, args ...any) [][]string {
	t.Helper()
	rows, err := db.Query(q, args...)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		t.Fatal(err)
	}
	var out [][]string
	for rows.Next() {
		vals := make([]sql.NullString, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		row := make([]string, len(cols))
		for i, v := range vals {
			row[i] = "NULL"
			if v.Valid {
				row[i] = v.String
			}
		}
		out = append(out, row)
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return out
}

// duckType is the type DuckDB reads for an Athena type.
func duckType(sqlType string) string {
	switch sqlType {
	case "string":
		return "VARCHAR"
	case "int":
		return "INTEGER"
	case "bigint":
		return "BIGINT"
	case "double":
		return "DOUBLE"
	case "date":
		return "DATE"
	}
	return strings.ToUpper(sqlType) // decimal(14,2)
}

func sqlString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

func TestWriter_DuckDB(t *testing.T) {
	s, rep := writeFixtures(t)
	db := openDuckDB(t)
	want := wantColumns()

	accepted := map[string]int{}
	for _, f := range rep.Files {
		if f.Error != nil {
			t.Fatalf("%s: %s", f.File, f.Error.Message)
		}
		for _, tr := range f.Tables {
			accepted[f.File+"/"+tr.Kind] += tr.Accepted
		}
	}
	kinds := map[string]bool{}
	for _, w := range s.files {
		kinds[w.kind] = true
	}
	if len(kinds) != len(want) {
		t.Fatalf("files of kinds %v, want every kind", kinds)
	}

	for _, w := range s.files {
		t.Run(w.input+"/"+w.kind, func(t *testing.T) {
			p := sqlString(w.path)
			if n := query(t, db, "SELECT count(*) FROM read_parquet("+p+")")[0][0]; n != fmt.Sprint(w.rows) || w.rows != accepted[w.input+"/"+w.kind] || w.rows == 0 {
				t.Errorf("%s rows read, %d written, %d accepted", n, w.rows, accepted[w.input+"/"+w.kind])
			}

			var got, wantDesc []string
			for _, r := range query(t, db, "DESCRIBE SELECT * FROM read_parquet("+p+")") {
				got = append(got, r[0]+" "+r[1])
			}
			for _, c := range want[w.kind] {
				wantDesc = append(wantDesc, c.name+" "+duckType(c.sqlType))
			}
			if !slices.Equal(got, wantDesc) {
				t.Errorf("DESCRIBE:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(wantDesc, "\n  "))
			}

			got, wantDesc = nil, nil
			for _, r := range query(t, db, "SELECT name, repetition_type FROM parquet_schema("+p+") WHERE num_children IS NULL OR num_children = 0") {
				got = append(got, r[0]+" "+r[1])
			}
			for _, c := range want[w.kind] {
				rep := "REQUIRED"
				if c.nullable {
					rep = "OPTIONAL"
				}
				wantDesc = append(wantDesc, c.name+" "+rep)
			}
			if !slices.Equal(got, wantDesc) {
				t.Errorf("repetition:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(wantDesc, "\n  "))
			}

			meta := map[string]string{}
			for _, r := range query(t, db, "SELECT decode(key), decode(value) FROM parquet_kv_metadata("+p+")") {
				meta[r[0]] = r[1]
			}
			wantMeta := map[string]string{
				"carer_outcomes.schema_version": fmt.Sprint(schemas.Latest), "carer_outcomes.upload_id": s.uploads[w.input],
				"carer_outcomes.kind": w.kind, "carer_outcomes.org": testOrg, "carer_outcomes.period": testPeriod,
			}
			for k, v := range meta {
				if strings.HasPrefix(k, "carer_outcomes.") && wantMeta[k] != v {
					t.Errorf("metadata %s = %q, want %q", k, v, wantMeta[k])
				}
			}
			for k, v := range wantMeta {
				if meta[k] != v {
					t.Errorf("metadata %s = %q, want %q", k, meta[k], v)
				}
			}

			for _, r := range query(t, db, "SELECT path_in_schema, type, compression, encodings FROM parquet_metadata("+p+")") {
				if r[2] != "ZSTD" {
					t.Errorf("column %s compressed with %s, want ZSTD", r[0], r[2])
				}
				// Only the encodings current readers know (Athena, Spark 3.3+,
				// DuckDB, Arrow); a dictionary for every column but the
				// nearly unique row number and pseudonym; never
				// DELTA_LENGTH_BYTE_ARRAY.
				for _, e := range strings.Split(r[3], ", ") {
					delta := e == "DELTA_BINARY_PACKED" && r[0] == "source_row"
					if e != "PLAIN" && e != "RLE" && e != "RLE_DICTIONARY" && !delta {
						t.Errorf("column %s encoded %s", r[0], r[3])
					}
				}
				if dict, want := strings.Contains(r[3], "RLE_DICTIONARY"), r[0] != "carer_id" && r[0] != "source_row"; dict != want {
					t.Errorf("column %s encoded %s: dictionary %v, want %v", r[0], r[3], dict, want)
				}
			}
			// Row groups carry minimum and maximum for pruning (Athena skips
			// row groups on them), except where they prune nothing.
			stats := map[string][]string{}
			for _, r := range query(t, db, "SELECT path_in_schema, stats_min_value, stats_max_value FROM parquet_metadata("+p+")") {
				stats[r[0]] = r[1:]
			}
			for _, c := range want[w.kind] {
				if hasStats := stats[c.name][0] != "NULL" && stats[c.name][1] != "NULL"; !c.nullable && hasStats != (c.name != "carer_id") {
					t.Errorf("column %s: minimum and maximum %q", c.name, stats[c.name])
				}
			}
			if by := query(t, db, "SELECT created_by FROM parquet_file_metadata("+p+")")[0][0]; !regexp.MustCompile(`^carer-outcomes version \S+ \(build \S+\)$`).MatchString(by) {
				t.Errorf("created_by %q", by)
			}
			if got := query(t, db, "SELECT DISTINCT upload_id FROM read_parquet("+p+")"); len(got) != 1 || got[0][0] != s.uploads[w.input] {
				t.Errorf("upload_id %v, want %s", got, s.uploads[w.input])
			}
		})
	}

	// Values, checked by the row's pseudonym and source row.
	tests := []struct {
		input, kind, ref string
		row              int
		want             map[string]string
	}{
		{"registry/carers.csv", "carers", "C001", 2, map[string]string{
			"registration_date": "2026-01-05", "age_band": "45-54", "gender": "F", "postcode_outward": "LS6",
			"caring_hours_per_week": "35", "caring_hours_band": "35-49", "employment_status": "EMPLOYED_PT", "consent_followup": "Y",
		}},
		{"good/carers_labels.csv", "carers", "C301", 2, map[string]string{
			"registration_date": "2026-07-06", "age_band": "45-54", "gender": "F", "ethnicity": "WHITE", "relationship": "PARTNER",
			"employment_status": "EMPLOYED_PT", "personal_budget": "NONE", "referral_source": "ON_SITE", "consent_followup": "Y",
			"postcode_outward": "NULL", "caring_hours_band": "NULL",
		}},
		{"good/carers_utf8_bom_crlf.csv", "carers", "C203", 4, map[string]string{
			"postcode_outward": "SW1A", "caring_hours_band": "50+", "age_band": "65+", "local_authority": "E09000033",
		}},
		{"good/support_day_first_dates.csv", "support", "C010", 2, map[string]string{
			"date": "2026-07-02", "activity": "ONE_TO_ONE_ADVICE", "mode": "IN_PERSON", "minutes": "60", "outside_office_hours": "N",
		}},
		{"good/outcomes_repeated_outcome.csv", "outcomes", "C007", 4, map[string]string{
			"outcome_date": "2026-08-17", "outcome": "STARTED_WORK", "hours_per_week": "20", "employer_size": "SMALL",
		}},
		{"good/followups_missing_markers.csv", "followups", "C001", 2, map[string]string{
			"survey_date": "2026-07-06", "wave": "W26", "swemwbs_1": "4", "swemwbs_metric": "23.21", "heard_via": "GP",
		}},
		{"good/followups_missing_markers.csv", "followups", "C002", 3, map[string]string{
			"hours_per_week": "NULL", "swemwbs_1": "NULL", "swemwbs_metric": "NULL", "staff_understood": "NULL",
		}},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s/%s/row %d", tt.input, tt.ref, tt.row), func(t *testing.T) {
			path := fileOf(t, s, tt.input, tt.kind)
			var cols []string
			var keys []string
			for k := range tt.want {
				keys = append(keys, k)
			}
			slices.Sort(keys)
			for _, k := range keys {
				cols = append(cols, "CAST("+k+" AS VARCHAR)")
			}
			rows := query(t, db, "SELECT "+strings.Join(cols, ", ")+" FROM read_parquet("+sqlString(path)+") WHERE carer_id = ? AND source_row = ?", carerID(t, tt.ref), tt.row)
			if len(rows) != 1 {
				t.Fatalf("%d rows for carer_id of %s at row %d, want 1", len(rows), tt.ref, tt.row)
			}
			for i, k := range keys {
				if rows[0][i] != tt.want[k] {
					t.Errorf("%s = %s, want %s", k, rows[0][i], tt.want[k])
				}
			}
		})
	}

	t.Run("finance money", func(t *testing.T) {
		path := fileOf(t, s, "good/finance_money_formats.csv", "finance")
		got := query(t, db, "SELECT CAST(delivery_cost_gbp AS VARCHAR), CAST(funding_nhs_gbp AS VARCHAR), CAST(funding_local_authority_gbp AS VARCHAR), "+
			"CAST(funding_other_gbp AS VARCHAR), CAST(delivery_cost_gbp * 2 AS VARCHAR), staff_fte, volunteer_hours, CAST(funding_secured_until AS VARCHAR) FROM read_parquet("+sqlString(path)+")")
		want := []string{"1234.50", "0.50", "12000.00", "NULL", "2469.00", "2.5", "1200", "2027-03-31"}
		if len(got) != 1 || !slices.Equal(got[0], want) {
			t.Errorf("finance row %q, want %q", got, want)
		}
	})
}

func fileOf(t *testing.T, s *fixtureSink, input, kind string) string {
	t.Helper()
	for _, w := range s.files {
		if w.input == input && w.kind == kind {
			return w.path
		}
	}
	t.Fatalf("no %s file written for %s", kind, input)
	return ""
}

// TestWriter_NoRawIdentifiers looks for every client reference, date of
// birth and postcode the fixtures hold, as written and normalised, in the
// bytes of every file and in every value DuckDB reads from them.
func TestWriter_NoRawIdentifiers(t *testing.T) {
	s, _ := writeFixtures(t)
	db := openDuckDB(t)
	var personal []string
	for p := range s.personal {
		personal = append(personal, p)
	}
	slices.Sort(personal)
	for _, want := range []string{"C001", "C301", "1971-03-02", "LS6 3AB", "LS63AB", "SW1A1AA"} {
		if !s.personal[want] {
			t.Fatalf("the fixtures' personal values %q lack %s: the test would prove nothing", personal, want)
		}
	}
	for _, w := range s.files {
		t.Run(w.input+"/"+w.kind, func(t *testing.T) {
			data, err := os.ReadFile(w.path)
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range personal {
				if bytes.Contains(data, []byte(p)) {
					t.Errorf("the file holds %q", p)
				}
			}
			rows := query(t, db, "SELECT COLUMNS(*)::VARCHAR FROM read_parquet("+sqlString(w.path)+")")
			for _, r := range rows {
				for _, v := range r {
					for _, p := range personal {
						if strings.Contains(v, p) {
							t.Errorf("a value %q holds %q", v, p)
						}
					}
				}
			}
		})
	}
}

// TestWriter_DuckDB_RowGroups reads a file of more than one row group.
func TestWriter_DuckDB_RowGroups(t *testing.T) {
	const n = curated.RowGroupRows + 1000
	data, want := manyCarers(t, n)
	path := filepath.Join(t.TempDir(), "carers.parquet")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	db := openDuckDB(t)
	p := sqlString(path)
	got := query(t, db, "SELECT count(*), count(DISTINCT carer_id), max(source_row) FROM read_parquet("+p+")")
	if w := []string{fmt.Sprint(n), fmt.Sprint(n), fmt.Sprint(n + 1)}; !slices.Equal(got[0], w) {
		t.Errorf("rows, carers, last row = %q, want %q", got[0], w)
	}
	got = query(t, db, "SELECT row_group_id, row_group_num_rows FROM parquet_metadata("+p+") WHERE path_in_schema = 'carer_id' ORDER BY 1")
	if len(got) != 2 || got[0][1] != fmt.Sprint(curated.RowGroupRows) || got[1][1] != "1000" {
		t.Errorf("row groups %q, want one of %d rows and one of 1000", got, curated.RowGroupRows)
	}
	for _, ref := range []string{"R0", "R" + fmt.Sprint(n-1)} {
		id := carerID(t, ref)
		got := query(t, db, "SELECT CAST(registration_date AS VARCHAR) FROM read_parquet("+p+") WHERE carer_id = ?", id)
		if len(got) != 1 || got[0][0] != want[id].String() {
			t.Errorf("carer %s: registration %q, want %s", ref, got, want[id])
		}
	}
}
