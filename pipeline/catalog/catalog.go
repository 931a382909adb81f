// Package catalog is what Athena (and DuckDB, locally) are told about the
// lake: a table per curated kind of the data standard, the pointers and the
// ingest log, and the views analysts query. It is generated from the
// standard and the consortium's configuration, never typed out, and it is
// data only (names, types, locations, parameters, SQL), so that the CLI
// prints it as DDL (`outcomes ddl`), the CDK stacks turn it into Glue
// tables and Athena views, and the local query adapter turns it into DuckDB
// views, all from this one source.
//
// Partitions are found by partition projection: organisations as an enum
// from the consortium's configuration and quarters enumerated from its first
// quarter (docs/analysts.md says why, rather than partitions registered at
// commit).
package catalog

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/carer-outcomes/carer-outcomes/pipeline"
	"github.com/carer-outcomes/carer-outcomes/pipeline/consortium"
	"github.com/carer-outcomes/carer-outcomes/pipeline/curated"
	"github.com/carer-outcomes/carer-outcomes/pipeline/lake"
	"github.com/carer-outcomes/carer-outcomes/pipeline/standard"
)

// Format is how a table's objects are stored.
type Format string

// Formats of tables.
const (
	Parquet Format = "parquet"
	JSON    Format = "json"
)

// SerDe classes and formats, by Format, as Glue and Athena name them.
var (
	serdes = map[Format]string{
		Parquet: "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe",
		JSON:    "org.openx.data.jsonserde.JsonSerDe",
	}
	inputFormats = map[Format]string{
		Parquet: "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
		JSON:    "org.apache.hadoop.mapred.TextInputFormat",
	}
	outputFormats = map[Format]string{
		Parquet: "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat",
		JSON:    "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat",
	}
)

// SerDe is the table's serialisation library (Glue's SerdeInfo).
func (t *Table) SerDe() string { return serdes[t.Format] }

// InputFormat and OutputFormat are the table's Hive formats (Glue's
// StorageDescriptor).
func (t *Table) InputFormat() string  { return inputFormats[t.Format] }
func (t *Table) OutputFormat() string { return outputFormats[t.Format] }

// Column is one column of a table, its type as Athena's DDL (Hive) writes
// it: string, int, bigint, double, decimal(p,s), date, map<…>, struct<…>,
// array<…>.
type Column struct {
	Name, Type, Comment string
}

// Table is one external table.
type Table struct {
	Name, Comment string
	Columns       []Column
	PartitionKeys []Column
	// Path is the table's folder relative to the lake's root (the bucket
	// and prefix), ending in "/"; Location is the same in the bucket.
	Path, Location string
	// Glob is the pattern of the table's objects below Path, partition
	// folders included, for engines that read the lake directly (DuckDB).
	Glob   string
	Format Format
	// Parameters are the Glue table parameters: classification and
	// partition projection (projection.*, storage.location.template).
	Parameters map[string]string
}

// Names of the partition keys and of the lake's own tables.
const (
	OrgKey      = "org"
	PeriodKey   = "period"
	KindKey     = "kind"
	PointersTbl = "pointers"
	IngestLog   = "ingest_log"
	// SurveyResponsesTbl is the file-level table of the follow-ups that
	// arrived through a survey webhook (docs/surveys.md); the followups
	// view adds its rows to the returns'.
	SurveyResponsesTbl = "survey_responses_files"
	// FilesSuffix ends the name of a curated kind's file-level table: every
	// row of every file, current or not. The kind's own name is the view
	// of current rows.
	FilesSuffix = "_files"
	// ProjectedYears is how far past the consortium's first quarter the
	// quarters of the projection run. Athena reads no partition outside
	// the projection (and says nothing), so the DDL must be regenerated
	// (the stack redeployed) before then.
	ProjectedYears = 15
)

// Tables returns the table of every curated kind of the standard
// (<kind>_files), then the pointers and the ingest log, located in bucket
// under prefix ("" for the bucket's root). c gives the organisations and
// the first quarter of the partition projection; with c nil the tables
// have no projection (DuckDB reads the folders as they are).
func Tables(std *standard.Standard, c *consortium.Consortium, bucket, prefix string) ([]Table, error) {
	if std == nil {
		return nil, pipeline.Errorf(pipeline.Internal, "catalog: no standard")
	}
	curatedTables, err := curated.Tables(std)
	if err != nil {
		return nil, err
	}
	root := "s3://" + bucket + "/"
	if p := strings.Trim(prefix, "/"); p != "" {
		root += p + "/"
	}
	var quarters, orgs []string
	if c != nil {
		last := c.FirstQuarter
		for range 4*ProjectedYears - 1 {
			last = last.Next()
		}
		for _, q := range c.Quarters(last) {
			quarters = append(quarters, q.String())
		}
		orgs = c.Codes()
	}
	projection := func(t *Table, template string, enums map[string][]string) {
		if c == nil {
			return
		}
		t.Parameters["projection.enabled"] = "true"
		for _, k := range t.PartitionKeys {
			t.Parameters["projection."+k.Name+".type"] = "enum"
			t.Parameters["projection."+k.Name+".values"] = strings.Join(enums[k.Name], ",")
		}
		t.Parameters["storage.location.template"] = root + template
	}
	partition := []Column{
		{OrgKey, "string", "The organisation's code (the partition's org=)."},
		{PeriodKey, "string", "The quarter of the return, YYYY-Qn (the partition's period=)."},
	}
	var out []Table
	var kinds []string
	for _, ct := range curatedTables {
		kinds = append(kinds, ct.Kind.Name)
		t := Table{
			Name:          ct.Kind.Name + FilesSuffix,
			Comment:       fmt.Sprintf("Every row of every stored %s file, current or not (schema v%d); query the %s view for the current rows.", ct.Kind.Name, ct.Version, ct.Kind.Name),
			PartitionKeys: partition,
			Path:          lake.CuratedFolder(ct.Kind.Name),
			Glob:          "*/*/*.parquet",
			Format:        Parquet,
			Parameters:    map[string]string{"classification": "parquet"},
		}
		for _, col := range ct.Columns {
			t.Columns = append(t.Columns, Column{Name: col.Name, Type: col.SQLType(), Comment: col.Description})
		}
		projection(&t, t.Path+"org=${org}/period=${period}/", map[string][]string{OrgKey: orgs, PeriodKey: quarters})
		out = append(out, t)
		if ct.Kind.Name == followupsKind {
			s := t
			s.Name = SurveyResponsesTbl
			s.Comment = "Every row of every stored file of survey responses (follow-ups received through a survey webhook), with the curated followups columns; the followups view has them with the returns' rows."
			s.PartitionKeys = []Column{partition[0], {PeriodKey, "string", "The quarter the responses were submitted in, YYYY-Qn (the partition's period=)."}}
			s.Path = lake.SurveyResponsesFolder()
			s.Parameters = map[string]string{"classification": "parquet"}
			projection(&s, s.Path+"org=${org}/period=${period}/", map[string][]string{OrgKey: orgs, PeriodKey: quarters})
			out = append(out, s)
		}
	}

	ptrCols, err := jsonColumns(reflect.TypeFor[lake.Pointer](), KindKey, OrgKey, PeriodKey)
	if err != nil {
		return nil, err
	}
	ptr := Table{
		Name:          PointersTbl,
		Comment:       "The pointers: which upload is current for each kind, organisation and quarter. The kind views join to it.",
		Columns:       ptrCols,
		PartitionKeys: append([]Column{{KindKey, "string", "The kind of table the pointer is for."}}, partition...),
		Path:          lake.PointerFolder(),
		Glob:          "*/*/*/current.json",
		Format:        JSON,
		Parameters:    map[string]string{"classification": "json"},
	}
	projection(&ptr, ptr.Path+"${kind}/org=${org}/period=${period}/", map[string][]string{KindKey: kinds, OrgKey: orgs, PeriodKey: quarters})
	logCols, err := jsonColumns(reflect.TypeFor[lake.LedgerEntry](), OrgKey, PeriodKey)
	if err != nil {
		return nil, err
	}
	log := Table{
		Name:          IngestLog,
		Comment:       "The ingest log: one entry per table of every upload, stored or rejected, append-only.",
		Columns:       logCols,
		PartitionKeys: partition,
		Path:          lake.LedgerFolder(),
		Glob:          "*/*/*.json",
		Format:        JSON,
		Parameters:    map[string]string{"classification": "json"},
	}
	projection(&log, log.Path+"org=${org}/period=${period}/", map[string][]string{OrgKey: orgs, PeriodKey: quarters})
	for i := range out {
		out[i].Location = root + out[i].Path
	}
	ptr.Location, log.Location = root+ptr.Path, root+log.Path
	return append(out, ptr, log), nil
}

// jsonComments describe the columns of the pointers and the ingest log.
// Every JSON field of lake.Pointer and lake.LedgerEntry needs one: a field
// added there fails here (and in the test against what ingest writes)
// rather than reaching Athena undescribed.
var jsonComments = map[string]string{
	"upload_id":            "SHA-256 (lowercase hex) of the uploaded file.",
	"key":                  "The stored Parquet file's key, relative to the lake's root.",
	"rows":                 "Rows stored.",
	"schema_version":       "The version of the data standard the table was read under.",
	"file":                 "The uploaded file's name.",
	"sheet":                "The sheet of a workbook the table came from (empty for CSV).",
	"committed_at":         "When the table was committed (ISO 8601 text, UTC; from_iso8601_timestamp in Athena).",
	"received_at":          "When the return was received (ISO 8601 text, UTC).",
	"kind":                 "The kind of table.",
	"rows_read":            "Rows read from the file.",
	"rows_accepted":        "Rows accepted.",
	"rows_rejected":        "Rows rejected.",
	"errors_by_code":       "Rejected rows by error code.",
	"status":               "What became of the table: current (made current), rejected (nothing stored) or superseded_on_arrival (a later receipt was already current).",
	"superseded_upload_id": "The upload this one replaced, if any.",
	"superseded_key":       "The replaced upload's Parquet file, if any.",
	"version":              "The partition's version this made current: 1 for the first upload, one more for each that replaced another (0 in the log for entries that made nothing current).",
	"values":               "Counts of the coded values of the rows stored (missing, and each code), for the data quality report.",
}

// jsonColumns are the columns of a JSON object written from a struct of
// type t: one per JSON field, in field order, except the fields named in
// skip (they are partition keys, which Hive tables may not repeat).
func jsonColumns(t reflect.Type, skip ...string) ([]Column, error) {
	var out []Column
	for _, f := range jsonFields(t) {
		name := f.name
		if slices.Contains(skip, name) {
			continue
		}
		typ, err := hiveType(f.typ)
		if err != nil {
			return nil, fmt.Errorf("catalog: %s.%s: %w", t.Name(), name, err)
		}
		comment, ok := jsonComments[name]
		if !ok {
			return nil, pipeline.Errorf(pipeline.Internal, "catalog: %s field %s has no column comment", t.Name(), name)
		}
		out = append(out, Column{Name: name, Type: typ, Comment: comment})
	}
	return out, nil
}

// hiveType is the Hive type of a Go value as encoding/json writes it. Times
// are text: the JSON SerDe reads only Hive's own timestamp layout, not the
// ISO 8601 that encoding/json writes.
func hiveType(t reflect.Type) (string, error) {
	if t == reflect.TypeFor[time.Time]() {
		return "string", nil
	}
	switch t.Kind() {
	case reflect.String:
		return "string", nil
	case reflect.Bool:
		return "boolean", nil
	case reflect.Int, reflect.Int64, reflect.Uint32:
		return "bigint", nil
	case reflect.Int32, reflect.Int16, reflect.Int8:
		return "int", nil
	case reflect.Float64, reflect.Float32:
		return "double", nil
	case reflect.Pointer:
		return hiveType(t.Elem())
	case reflect.Slice:
		e, err := hiveType(t.Elem())
		return "array<" + e + ">", err
	case reflect.Map:
		if t.Key().Kind() != reflect.String {
			return "", fmt.Errorf("map keyed by %s", t.Key())
		}
		e, err := hiveType(t.Elem())
		return "map<string," + e + ">", err
	case reflect.Struct:
		var fields []string
		for _, f := range jsonFields(t) {
			ft, err := hiveType(f.typ)
			if err != nil {
				return "", err
			}
			fields = append(fields, f.name+":"+ft)
		}
		return "struct<" + strings.Join(fields, ",") + ">", nil
	}
	return "", fmt.Errorf("no Hive type for %s", t)
}

type jsonField struct {
	name string
	typ  reflect.Type
}

// jsonFields are the fields encoding/json writes of a struct type, with
// the names it writes them under; an embedded struct's fields are its own,
// as encoding/json flattens them.
func jsonFields(t reflect.Type) []jsonField {
	var out []jsonField
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if f.Anonymous && name == "" && f.Type.Kind() == reflect.Struct {
			out = append(out, jsonFields(f.Type)...)
			continue
		}
		if name == "-" || !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		out = append(out, jsonField{name, f.Type})
	}
	return out
}
