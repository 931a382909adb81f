package curated_test

import (
	"bytes"
	"slices"
	"testing"

	"github.com/carer-outcomes/carer-outcomes/pipeline"
	"github.com/carer-outcomes/carer-outcomes/pipeline/curated"
	"github.com/carer-outcomes/carer-outcomes/pipeline/standard/standardtest"
)

func TestInspect(t *testing.T) {
	std := standardtest.Load(t)
	tb := table(t, std, "carers")
	k := std.Kind("carers")
	data := writeTable(t, tb,
		record(t, k, 2, carerCells("A1", "2026-07-01", "1970-01-01", "LS7 2QW", "")),
		record(t, k, 3, carerCells("A2", "2026-07-02", "", "", "")))
	facts, err := curated.Inspect(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	raw := curated.RawColumns(std)
	// The identifiers the standard has the lake pseudonymise or coarsen.
	for _, want := range []string{"client_ref", "date_of_birth", "postcode"} {
		if !slices.Contains(raw, want) {
			t.Errorf("RawColumns = %q, missing %s", raw, want)
		}
	}
	if facts.Rows != 2 || !slices.Contains(facts.Columns, "carer_id") || !slices.Contains(facts.Columns, "age_band") {
		t.Errorf("facts = %+v, want 2 rows with carer_id and age_band", facts)
	}
	for _, c := range facts.Columns {
		if slices.Contains(raw, c) {
			t.Errorf("a curated file has the raw column %s", c)
		}
	}
	if _, err := curated.Inspect(bytes.NewReader([]byte("not parquet")), 11); pipeline.KindOf(err) != pipeline.Invalid {
		t.Errorf("not Parquet: %v, want Invalid", err)
	}
}
