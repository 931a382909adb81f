package curated_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/carer-outcomes/carer-outcomes/pipeline/curated"
	"github.com/carer-outcomes/carer-outcomes/pipeline/standard/standardtest"
	"github.com/carer-outcomes/carer-outcomes/pipeline/validate"
)

// TestRedact removes one carer's rows from a curated support file and reads
// the copy back with DuckDB, an independent reader: the other rows, every
// column, in order; the same metadata; nothing written for a carer the
// file does not hold.
func TestRedact(t *testing.T) {
	std := standardtest.Load(t)
	tab := table(t, std, "support")
	var recs []*validate.Record
	for i, ref := range []string{"C001", "C002", "C001", "C003", "C001"} {
		recs = append(recs, record(t, tab.Kind, i+2, map[string]string{"client_ref": ref, "date": fmt.Sprintf("2026-07-%02d", i+10),
			"activity": "JOB_SEARCH", "mode": "ONLINE", "minutes": fmt.Sprint(30 + i)}))
	}
	data := writeTable(t, tab, recs...)
	dir := t.TempDir()
	orig, redacted := filepath.Join(dir, "orig.parquet"), filepath.Join(dir, "redacted.parquet")

	var out bytes.Buffer
	red, err := curated.Redact(bytes.NewReader(data), int64(len(data)), carerID(t, "C001"), &out)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(red.Rows, []int{2, 4, 6}) || red.Kept != 2 {
		t.Fatalf("redacted source rows %v, kept %d; want [2 4 6] and 2", red.Rows, red.Kept)
	}
	for p, b := range map[string][]byte{orig: data, redacted: out.Bytes()} {
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	db := openDuckDB(t)
	q := func(path, sel string) [][]string { return query(t, db, sel+" FROM read_parquet("+sqlString(path)+")") }
	want := q(orig, "SELECT * EXCLUDE (carer_id), carer_id = "+sqlString(carerID(t, "C001"))+" AS erased")
	var kept [][]string
	for _, r := range want {
		if r[len(r)-1] == "false" {
			kept = append(kept, r)
		}
	}
	got := q(redacted, "SELECT * EXCLUDE (carer_id), false AS erased")
	if fmt.Sprint(got) != fmt.Sprint(kept) {
		t.Errorf("rows:\n%v\nwant:\n%v", got, kept)
	}
	ids := query(t, db, "SELECT DISTINCT carer_id FROM read_parquet("+sqlString(redacted)+") ORDER BY 1")
	wantIDs := [][]string{{carerID(t, "C002")}, {carerID(t, "C003")}}
	slices.SortFunc(wantIDs, func(a, b []string) int { return strings.Compare(a[0], b[0]) })
	if fmt.Sprint(ids) != fmt.Sprint(wantIDs) {
		t.Errorf("carers %v, want %v", ids, wantIDs)
	}
	metaQ := "SELECT decode(key), decode(value) FROM parquet_kv_metadata("
	if a, b := query(t, db, metaQ+sqlString(orig)+") ORDER BY 1"), query(t, db, metaQ+sqlString(redacted)+") ORDER BY 1"); fmt.Sprint(a) != fmt.Sprint(b) {
		t.Errorf("metadata %v, want %v", b, a)
	}

	out.Reset()
	none, err := curated.Redact(bytes.NewReader(data), int64(len(data)), carerID(t, "C099"), &out)
	if err != nil || len(none.Rows) != 0 || out.Len() != 0 {
		t.Errorf("a carer the file does not hold: %+v, %d bytes written, %v", none, out.Len(), err)
	}
}
