package curated_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/carer-outcomes/carer-outcomes/pipeline/curated"
	"github.com/carer-outcomes/carer-outcomes/pipeline/standard/standardtest"
)

// wantColumn is a curated column as the data standard describes it, written
// out by hand: when the standard or the derivation changes, this test says
// what the lake's analysts will see change.
type wantColumn struct {
	name, sqlType string
	nullable      bool
}

func (c wantColumn) String() string {
	null := "not null"
	if c.nullable {
		null = "null"
	}
	return fmt.Sprintf("%s %s %s", c.name, c.sqlType, null)
}

const (
	req = false
	opt = true
)

func wantColumns() map[string][]wantColumn {
	lake := []wantColumn{{"upload_id", "string", req}, {"source_row", "int", req}}
	money := "decimal(14,2)"
	return map[string][]wantColumn{
		"carers": append(slices.Clone(lake),
			wantColumn{"carer_id", "string", req},
			wantColumn{"registration_date", "date", req},
			wantColumn{"age_band", "string", opt},
			wantColumn{"gender", "string", opt},
			wantColumn{"ethnicity", "string", opt},
			wantColumn{"postcode_outward", "string", opt},
			wantColumn{"local_authority", "string", opt},
			wantColumn{"caring_hours_per_week", "int", opt},
			wantColumn{"caring_hours_band", "string", opt},
			wantColumn{"cared_for_condition", "string", opt},
			wantColumn{"relationship", "string", opt},
			wantColumn{"limiting_illness", "string", opt},
			wantColumn{"financial_difficulty", "string", opt},
			wantColumn{"employment_status", "string", req},
			wantColumn{"personal_budget", "string", opt},
			wantColumn{"referral_source", "string", opt},
			wantColumn{"consent_followup", "string", req},
		),
		"support": append(slices.Clone(lake),
			wantColumn{"carer_id", "string", req},
			wantColumn{"date", "date", req},
			wantColumn{"activity", "string", req},
			wantColumn{"mode", "string", opt},
			wantColumn{"minutes", "int", opt},
			wantColumn{"outside_office_hours", "string", opt},
		),
		"outcomes": append(slices.Clone(lake),
			wantColumn{"carer_id", "string", req},
			wantColumn{"outcome_date", "date", req},
			wantColumn{"outcome", "string", req},
			wantColumn{"hours_per_week", "int", opt},
			wantColumn{"employer_size", "string", opt},
			wantColumn{"evidence", "string", opt},
		),
		"followups": append(slices.Clone(lake),
			wantColumn{"carer_id", "string", req},
			wantColumn{"survey_date", "date", req},
			wantColumn{"wave", "string", req},
			wantColumn{"employment_status", "string", req},
			wantColumn{"hours_per_week", "int", opt},
			wantColumn{"confidence", "int", opt},
			wantColumn{"it_skills", "int", opt},
			wantColumn{"swemwbs_1", "int", opt},
			wantColumn{"swemwbs_2", "int", opt},
			wantColumn{"swemwbs_3", "int", opt},
			wantColumn{"swemwbs_4", "int", opt},
			wantColumn{"swemwbs_5", "int", opt},
			wantColumn{"swemwbs_6", "int", opt},
			wantColumn{"swemwbs_7", "int", opt},
			wantColumn{"swemwbs_metric", "double", opt},
			wantColumn{"times_suited", "string", opt},
			wantColumn{"staff_understood", "string", opt},
			wantColumn{"heard_via", "string", opt},
			wantColumn{"response_mode", "string", opt},
		),
		"finance": append(slices.Clone(lake),
			wantColumn{"delivery_cost_gbp", money, req},
			wantColumn{"staff_fte", "double", opt},
			// No maximum in the standard: 32 bits might not hold them.
			wantColumn{"volunteer_hours", "bigint", opt},
			wantColumn{"outreach_sessions", "bigint", opt},
			wantColumn{"funding_local_authority_gbp", money, opt},
			wantColumn{"funding_nhs_gbp", money, opt},
			wantColumn{"funding_trusts_gbp", money, opt},
			wantColumn{"funding_lottery_gbp", money, opt},
			wantColumn{"funding_other_gbp", money, opt},
			wantColumn{"funding_secured_until", "date", opt},
		),
	}
}

func TestTables_Drift(t *testing.T) {
	std := standardtest.Load(t)
	tables, err := curated.Tables(std)
	if err != nil {
		t.Fatal(err)
	}
	want := wantColumns()
	var kinds []string
	for _, tb := range tables {
		kinds = append(kinds, tb.Kind.Name)
	}
	if wantKinds := []string{"carers", "support", "outcomes", "followups", "finance"}; !slices.Equal(kinds, wantKinds) {
		t.Fatalf("tables %q, want %q", kinds, wantKinds)
	}
	for _, tb := range tables {
		t.Run(tb.Kind.Name, func(t *testing.T) {
			var got []wantColumn
			for _, c := range tb.Columns {
				got = append(got, wantColumn{c.Name, c.SQLType(), c.Nullable})
				if c.Description == "" {
					t.Errorf("column %s has no description", c.Name)
				}
			}
			if !slices.Equal(got, want[tb.Kind.Name]) {
				t.Errorf("columns:\n%s\nwant:\n%s", lines(got), lines(want[tb.Kind.Name]))
			}
			if tb.Version != std.Version {
				t.Errorf("version %d, want %d", tb.Version, std.Version)
			}
		})
	}
}

func lines(cs []wantColumn) string {
	var b strings.Builder
	for _, c := range cs {
		fmt.Fprintf(&b, "  %s\n", c)
	}
	return b.String()
}

// TestTables_Complete checks the curated tables against the standard itself:
// every field is stored or, if personal, replaced by a derived column, and
// every derived entry is stored.
func TestTables_Complete(t *testing.T) {
	std := standardtest.Load(t)
	tables, err := curated.Tables(std)
	if err != nil {
		t.Fatal(err)
	}
	for _, tb := range tables {
		t.Run(tb.Kind.Name, func(t *testing.T) {
			for _, f := range tb.Kind.Fields {
				i := tb.Column(f.Name)
				if f.Personal != "" {
					if i >= 0 {
						t.Errorf("personal field %s (%s) is a column", f.Name, f.Personal)
					}
					replaced := false
					for _, c := range tb.Columns {
						replaced = replaced || c.Derived != nil && c.Derived.From[0] == f.Name
					}
					if !replaced {
						t.Errorf("personal field %s is not replaced by a derived column", f.Name)
					}
					continue
				}
				if i < 0 {
					t.Errorf("field %s is not a column", f.Name)
					continue
				}
				if c := tb.Columns[i]; c.Field != f || c.Nullable == f.Required {
					t.Errorf("column %s: field %v, nullable %v; want the field, nullable %v", f.Name, c.Field, c.Nullable, !f.Required)
				}
			}
			for _, d := range tb.Kind.Derived {
				i := tb.Column(d.Name)
				if i < 0 {
					t.Errorf("derived %s is not a column", d.Name)
					continue
				}
				if c := tb.Columns[i]; c.Derived == nil || c.Derived.Rule != d.Rule {
					t.Errorf("column %s does not come from its derived rule %s", d.Name, d.Rule)
				}
			}
			if n := len(tb.Columns); n != 2+len(tb.Kind.Fields)+len(tb.Kind.Derived)-personal(tb) {
				t.Errorf("%d columns: want the lake's 2, the fields without the personal ones, and the derived", n)
			}
		})
	}
}

func personal(tb *curated.Table) int {
	n := 0
	for _, f := range tb.Kind.Fields {
		if f.Personal != "" {
			n++
		}
	}
	return n
}
