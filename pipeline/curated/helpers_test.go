package curated_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"strconv"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/format"

	"github.com/carer-outcomes/carer-outcomes/pipeline"
	"github.com/carer-outcomes/carer-outcomes/pipeline/curated"
	"github.com/carer-outcomes/carer-outcomes/pipeline/parse"
	"github.com/carer-outcomes/carer-outcomes/pipeline/pseudonym"
	"github.com/carer-outcomes/carer-outcomes/pipeline/standard"
	"github.com/carer-outcomes/carer-outcomes/pipeline/validate"
)

const (
	testOrg    = "TEST-ORG"
	testPeriod = "2026-Q3"
)

func testHasher(tb testing.TB, org string) *pseudonym.Hasher {
	tb.Helper()
	key, err := pseudonym.ParseKey([]byte(strings.Repeat("ab", 32)))
	if err != nil {
		tb.Fatal(err)
	}
	h, err := key.For(org)
	if err != nil {
		tb.Fatal(err)
	}
	return h
}

// carerID is the pseudonym of a client reference under the test key.
func carerID(tb testing.TB, ref string) string {
	tb.Helper()
	return string(testHasher(tb, testOrg).CarerID([]byte(ref)))
}

func uploadID(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

func table(tb testing.TB, std *standard.Standard, kind string) *curated.Table {
	tb.Helper()
	tables, err := curated.Tables(std)
	if err != nil {
		tb.Fatal(err)
	}
	for _, t := range tables {
		if t.Kind.Name == kind {
			return t
		}
	}
	tb.Fatalf("no curated table %s", kind)
	return nil
}

// record builds a validated record from cells written as an uploader would,
// parsed the way validation parses them; cells not named are missing.
func record(tb testing.TB, k *standard.Kind, row int, cells map[string]string) *validate.Record {
	tb.Helper()
	rec := &validate.Record{Row: row, Values: make([]validate.Value, len(k.Fields))}
	for name, cell := range cells {
		f := k.Field(name)
		if f == nil {
			tb.Fatalf("%s has no field %s", k.Name, name)
		}
		v := validate.Value{Present: true}
		switch f.Type {
		case standard.Text:
			v.Text = []byte(cell)
		case standard.Code:
			i, ok := f.CodeList.Lookup([]byte(cell))
			if !ok {
				tb.Fatalf("%s: %q is not a code", name, cell)
			}
			v.Int = int64(i)
		case standard.Date:
			d, p := parse.Date([]byte(cell))
			if p != parse.OK {
				tb.Fatalf("%s: %q is not a date", name, cell)
			}
			v.Int, v.Text = int64(d), []byte(cell)
		case standard.Integer:
			n, err := strconv.ParseInt(cell, 10, 64)
			if err != nil {
				tb.Fatal(err)
			}
			v.Int = n
		case standard.Number:
			x, err := strconv.ParseFloat(cell, 64)
			if err != nil {
				tb.Fatal(err)
			}
			v.Float = x
		case standard.Money:
			pence, p := parse.Money([]byte(cell), f.MaxDecimals)
			if p != parse.OK {
				tb.Fatalf("%s: %q is not money", name, cell)
			}
			v.Int = pence
		}
		rec.Values[f.Index] = v
	}
	return rec
}

// writeTable writes records to an in-memory curated file.
func writeTable(tb testing.TB, t *curated.Table, recs ...*validate.Record) []byte {
	tb.Helper()
	var buf bytes.Buffer
	w, err := curated.NewWriter(&buf, t, curated.Meta{UploadID: uploadID([]byte(t.Kind.Name)), Org: testOrg, Period: testPeriod,
		SchemaVersion: t.Version, FileName: "test.csv"}, testHasher(tb, testOrg))
	if err != nil {
		tb.Fatal(err)
	}
	for _, r := range recs {
		if err := w.Write(r); err != nil {
			tb.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		tb.Fatal(err)
	}
	if w.Rows() != len(recs) {
		tb.Errorf("Rows() = %d, want %d", w.Rows(), len(recs))
	}
	return buf.Bytes()
}

// readRows reads a curated file back with parquet-go, each row as column
// name → value: string for text, pipeline.Days for dates, int64 for whole
// numbers and decimals (in units of the scale), float64 for doubles, nil for
// null.
func readRows(tb testing.TB, data []byte) []map[string]any {
	tb.Helper()
	f, err := parquet.OpenFile(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		tb.Fatal(err)
	}
	leaves := f.Schema().Columns()
	var out []map[string]any
	for _, rg := range f.RowGroups() {
		rows := rg.Rows()
		buf := make([]parquet.Row, 64)
		for {
			n, err := rows.ReadRows(buf)
			for _, r := range buf[:n] {
				m := map[string]any{}
				for _, v := range r {
					name := leaves[v.Column()][0]
					col, _ := f.Schema().Lookup(name)
					switch {
					case v.IsNull():
						m[name] = nil
					case col.Node.Type().Kind() == parquet.ByteArray:
						m[name] = string(v.ByteArray())
					case isDate(col.Node.Type()):
						m[name] = pipeline.Days(v.Int32())
					case col.Node.Type().Kind() == parquet.Int32:
						m[name] = int64(v.Int32())
					case col.Node.Type().Kind() == parquet.Int64:
						m[name] = v.Int64()
					case col.Node.Type().Kind() == parquet.Double:
						m[name] = v.Double()
					default:
						tb.Fatalf("column %s: unexpected type %s", name, col.Node.Type())
					}
				}
				out = append(out, m)
			}
			if err == io.EOF {
				break
			}
			if err != nil {
				tb.Fatal(err)
			}
		}
		rows.Close()
	}
	return out
}

func day(tb testing.TB, s string) pipeline.Days {
	tb.Helper()
	d, p := parse.Date([]byte(s))
	if p != parse.OK {
		tb.Fatalf("%q is not a date", s)
	}
	return d
}

func isDate(t parquet.Type) bool {
	lt := t.LogicalType()
	if lt == nil {
		return false
	}
	_, ok := lt.Value.(*format.DateType)
	return ok
}
