package standard_test

import (
	"slices"
	"testing"

	"github.com/carer-outcomes/carer-outcomes/pipeline/standard"
	"github.com/carer-outcomes/carer-outcomes/pipeline/standard/standardtest"
)

func TestLoad(t *testing.T) {
	s := standardtest.Load(t)
	if len(s.Kinds) != 5 {
		t.Fatalf("kinds = %d, want 5", len(s.Kinds))
	}
	for _, k := range s.Kinds {
		t.Logf("%s: %d fields", k.Name, len(k.Fields))
	}
}

func TestCodeList_Lookup(t *testing.T) {
	s := standardtest.Load(t)
	tests := []struct {
		list, cell, want string
		ok               bool
	}{
		{"employment_status", "EMPLOYED_PT", "EMPLOYED_PT", true},
		{"employment_status", " employed_pt ", "EMPLOYED_PT", true},
		{"employment_status", "Part-time employed", "EMPLOYED_PT", true},
		{"employment_status", "EMPLOYED PART-TIME (UNDER 30 HOURS A WEEK)", "EMPLOYED_PT", true},
		{"employment_status", "Self employed", "SELF_EMPLOYED", true},
		{"gender", "Female", "F", true},
		{"gender", "f", "F", true},
		{"yes_no", "Yes", "Y", true},
		{"yes_no", "no", "N", true},
		{"wave", "Week 13", "W13", true},
		{"outcome", "stayed in work", "STAYED_IN_WORK", true},
		{"gender", "Woman", "", false},
		{"gender", "", "", false},
		{"yes_no", "Y es", "", false},
		{"activity", "CV__WRITING", "CV_WRITING", true},
		{"activity", string(make([]byte, 200)), "", false},
	}
	for _, tt := range tests {
		t.Run(tt.list+"/"+tt.cell, func(t *testing.T) {
			c := s.CodeLists[tt.list]
			i, ok := c.Lookup([]byte(tt.cell))
			if ok != tt.ok || ok && c.Entries[i].Code != tt.want {
				t.Errorf("Lookup(%q) = %d, %v; want %s, %v", tt.cell, i, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestStandard_LooksPersonal(t *testing.T) {
	s := standardtest.Load(t)
	tests := []struct {
		heading string
		want    bool
	}{
		{"Surname", true}, {"First name", true}, {"FirstName", true}, {"Email address", true}, {"e-mail", true},
		{"Phone", true}, {"Mobile no", true}, {"NHS number", true}, {"NHS No.", true}, {"Home address", true},
		{"Carer name", true}, {"Venue", false}, {"Notes", false}, {"Funding NHS", false}, {"Hours", false},
	}
	for _, tt := range tests {
		t.Run(tt.heading, func(t *testing.T) {
			if got := s.LooksPersonal(tt.heading); got != tt.want {
				t.Errorf("LooksPersonal(%q) = %v, want %v", tt.heading, got, tt.want)
			}
		})
	}
}

// FuzzCodeList_Lookup checks that Lookup finds exactly the entries whose code,
// label or an alias folds to the same text as the cell.
func FuzzCodeList_Lookup(f *testing.F) {
	s := standardtest.Load(f)
	for _, seed := range []string{"EMPLOYED_PT", "part-time employed", "  Yes ", "W13", "Baseline (at registration)", "x"} {
		f.Add(seed)
	}
	names := make([]string, 0, len(s.CodeLists))
	for n := range s.CodeLists {
		names = append(names, n)
	}
	slices.Sort(names)
	f.Fuzz(func(t *testing.T, cell string) {
		for _, n := range names {
			c := s.CodeLists[n]
			i, ok := c.Lookup([]byte(cell))
			want := -1
			for j, e := range c.Entries {
				for _, name := range append([]string{e.Code, e.Label}, e.Aliases...) {
					if standard.FoldCode(name) == standard.FoldCode(cell) && standard.FoldCode(cell) != "" {
						want = j
					}
				}
			}
			if ok != (want >= 0) || ok && i != want {
				if !ok && len(cell) >= 95 {
					continue // longer than any code, label or alias: refused without folding
				}
				t.Fatalf("%s.Lookup(%q) = %d, %v; want %d", n, cell, i, ok, want)
			}
		}
	})
}

func TestField_Rules(t *testing.T) {
	s := standardtest.Load(t)
	tests := []struct {
		kind, field string
		want        []string
	}{
		{"carers", "client_ref", []string{"unique within the table", "1 to 64 characters"}},
		{"carers", "caring_hours_per_week", []string{"from 0 to 168"}},
		{"carers", "date_of_birth", []string{"not after the end of the quarter", "carer aged 16 to 105 at registration"}},
		{"support", "date", []string{"not before 2000-01-01", "not after the end of the quarter", "not before the carer's registration date"}},
		{"finance", "delivery_cost_gbp", []string{"at least 0"}},
		{"finance", "funding_secured_until", []string{"not before 2000-01-01", "may be after the quarter"}},
		{"carers", "gender", nil},
	}
	for _, tt := range tests {
		t.Run(tt.kind+"."+tt.field, func(t *testing.T) {
			if got := s.Kind(tt.kind).Field(tt.field).Rules(); !slices.Equal(got, tt.want) {
				t.Errorf("Rules() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestKind_RowLimit(t *testing.T) {
	s := standardtest.Load(t)
	for kind, want := range map[string]string{"finance": "exactly 1 row", "carers": ""} {
		t.Run(kind, func(t *testing.T) {
			if got := s.Kind(kind).RowLimit(); got != want {
				t.Errorf("RowLimit() = %q, want %q", got, want)
			}
		})
	}
}
