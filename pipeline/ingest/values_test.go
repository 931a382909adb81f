package ingest_test

import (
	"context"
	"reflect"
	"testing"

	"github.com/carer-outcomes/carer-outcomes/pipeline/ingest"
	"github.com/carer-outcomes/carer-outcomes/pipeline/lake"
	"github.com/carer-outcomes/carer-outcomes/pipeline/standard"
	"github.com/carer-outcomes/carer-outcomes/pipeline/standard/standardtest"
	"github.com/carer-outcomes/carer-outcomes/pipeline/validate"
)

// record builds a row of kind k from codes by field name; a field not
// named, or named with "", is missing.
func record(tb testing.TB, k *standard.Kind, codes map[string]string) *validate.Record {
	tb.Helper()
	rec := &validate.Record{Values: make([]validate.Value, len(k.Fields))}
	for name, code := range codes {
		if code == "" {
			continue
		}
		f := k.Field(name)
		if f == nil || f.CodeList == nil {
			tb.Fatalf("%s has no coded field %s", k.Name, name)
		}
		i, ok := f.CodeList.Index(code)
		if !ok {
			tb.Fatalf("%s.%s has no code %s", k.Name, name, code)
		}
		rec.Values[f.Index] = validate.Value{Present: true, Int: int64(i)}
	}
	return rec
}

func TestValueCounter_Counts(t *testing.T) {
	std := standardtest.Load(t)
	tests := []struct {
		name string
		kind string
		rows []map[string]string
		want *lake.ValueCounts
	}{
		{
			name: "carers",
			kind: "carers",
			rows: []map[string]string{
				{"gender": "F", "ethnicity": "WHITE", "employment_status": "UNEMPLOYED", "consent_followup": "Y"},
				{"gender": "U", "ethnicity": "", "employment_status": "U", "consent_followup": "N"},
				{"gender": "", "employment_status": "RETIRED", "consent_followup": "U", "relationship": "PARENT"},
				{"gender": "F", "ethnicity": "U", "employment_status": "UNEMPLOYED", "consent_followup": "Y"},
			},
			// Four rows: a column no row names is missing in all four.
			want: &lake.ValueCounts{Rows: 4, Columns: []lake.ColumnCounts{
				{Column: "gender", Missing: 1, Codes: map[string]int{"F": 2, "U": 1}},
				{Column: "ethnicity", Missing: 2, Codes: map[string]int{"WHITE": 1, "U": 1}},
				{Column: "cared_for_condition", Missing: 4},
				{Column: "relationship", Missing: 3, Codes: map[string]int{"PARENT": 1}},
				{Column: "limiting_illness", Missing: 4},
				{Column: "financial_difficulty", Missing: 4},
				{Column: "employment_status", Codes: map[string]int{"UNEMPLOYED": 2, "U": 1, "RETIRED": 1}},
				{Column: "personal_budget", Missing: 4},
				{Column: "referral_source", Missing: 4},
				{Column: "consent_followup", Codes: map[string]int{"Y": 2, "N": 1, "U": 1}},
			}},
		},
		{
			name: "no rows",
			kind: "support",
			want: &lake.ValueCounts{Rows: 0, Columns: []lake.ColumnCounts{
				{Column: "activity"}, {Column: "mode"}, {Column: "outside_office_hours"},
			}},
		},
		{
			// Finance has no coded column: its counts are recorded, and
			// empty, which is not the same as not recorded.
			name: "no coded columns",
			kind: "finance",
			rows: []map[string]string{{}},
			want: &lake.ValueCounts{Rows: 1, Columns: []lake.ColumnCounts{}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k := std.Kind(tt.kind)
			c := ingest.NewValueCounter(k)
			for _, r := range tt.rows {
				c.Add(record(t, k, r))
			}
			if got := c.Counts(); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("counts:\n got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestRun_LedgerValueCounts(t *testing.T) {
	cfg := newConfig(t)
	// Row 6 is rejected (no such employment status) and is not counted;
	// "N/A" and an empty cell are both missing; "Male" is M by its label.
	carers := "client_ref,registration_date,gender,ethnicity,employment_status,consent_followup\n" +
		"LCC-A1,2026-07-01,F,WHITE,UNEMPLOYED,Y\n" +
		"LCC-A2,2026-07-02,U,,U,N\n" +
		"LCC-A3,2026-07-03,,N/A,RETIRED,U\n" +
		"LCC-A4,2026-07-04,Male,U,EMPLOYED_PT,Yes\n" +
		"LCC-A5,2026-07-05,F,ASIAN,NOT_A_STATUS,Y\n"
	// Every row rejected: nothing stored, so nothing counted.
	support := "client_ref,date,activity\nLCC-NOBODY,2026-07-03,CV_WRITING\n"
	finance := "delivery_cost_gbp\n1000\n"
	run(t, cfg, q3, file("carers.csv", carers), file("support.csv", support), file("finance.csv", finance))
	log, err := cfg.Lake.Ledger(context.Background(), "LEEDS-CC")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]*lake.ValueCounts{
		"carers": {Rows: 4, Columns: []lake.ColumnCounts{
			{Column: "gender", Missing: 1, Codes: map[string]int{"F": 1, "U": 1, "M": 1}},
			{Column: "ethnicity", Missing: 2, Codes: map[string]int{"WHITE": 1, "U": 1}},
			{Column: "cared_for_condition", Missing: 4},
			{Column: "relationship", Missing: 4},
			{Column: "limiting_illness", Missing: 4},
			{Column: "financial_difficulty", Missing: 4},
			{Column: "employment_status", Codes: map[string]int{"UNEMPLOYED": 1, "U": 1, "RETIRED": 1, "EMPLOYED_PT": 1}},
			{Column: "personal_budget", Missing: 4},
			{Column: "referral_source", Missing: 4},
			{Column: "consent_followup", Codes: map[string]int{"Y": 2, "N": 1, "U": 1}},
		}},
		"support": nil,
		"finance": {Rows: 1, Columns: []lake.ColumnCounts{}},
	}
	if len(log) != len(want) {
		t.Fatalf("%d ledger entries, want %d: %+v", len(log), len(want), log)
	}
	for _, e := range log {
		t.Run(e.Kind, func(t *testing.T) {
			if !reflect.DeepEqual(e.Values, want[e.Kind]) {
				t.Errorf("values:\n got %+v\nwant %+v", e.Values, want[e.Kind])
			}
		})
	}
}
