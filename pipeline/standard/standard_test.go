package standard_test

import (
	"slices"
	"strings"
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
	// Each form of personal heading the data standard names, as an
	// organisation's spreadsheet or CRM writes it.
	forms := []string{
		"Name", "Full name", "First name", "Last name", "Surname", "Forename", "Given name", "Family name",
		"Date of birth", "DOB", "Birth date",
		"Address", "Address line", "Home address", "Street", "Street address", "House number", "Postcode with house number",
		"Phone", "Telephone", "Tel", "Mobile", "Phone number", "Telephone number", "Mobile number", "Contact number",
		"Email", "E-mail", "Email address", "E-mail address",
		"NI number", "NI no", "NINO", "National Insurance", "National Insurance number",
		"NHS number", "NHS no",
	}
	// Each normalisation a heading goes through before it is compared.
	variants := []struct {
		name string
		of   func(string) string
	}{
		{"as written", func(h string) string { return h }},
		{"upper case", strings.ToUpper},
		{"lower case", strings.ToLower},
		{"no spaces", func(h string) string { return strings.ReplaceAll(h, " ", "") }},
		{"snake case", func(h string) string { return strings.ToLower(strings.ReplaceAll(h, " ", "_")) }},
		{"punctuation", func(h string) string { return "(" + strings.ReplaceAll(h, " ", ". ") + "):" }},
		{"trailing digit", func(h string) string { return strings.ReplaceAll(h, " ", "") + "1" }},
		{"trailing number word", func(h string) string { return h + " 2" }},
		{"inside a longer heading", func(h string) string { return "Carer's " + h + " (main)" }},
	}
	for _, form := range forms {
		for _, v := range variants {
			h := v.of(form)
			t.Run(form+"/"+v.name, func(t *testing.T) {
				if !s.LooksPersonal(h) {
					t.Errorf("LooksPersonal(%q) = false, want true", h)
				}
			})
		}
	}
	// The headings of the issue that got through before, and other forms.
	for _, h := range []string{"Phone1", "Address1", "Email1", "NI number", "Contact number", "Mailing Street", "address 1", "Address Line 2",
		"MobileNo", "eMail", "NHSNumber", "Carer surname", "Telephone (home)", "Street_2"} {
		t.Run(h, func(t *testing.T) {
			if !s.LooksPersonal(h) {
				t.Errorf("LooksPersonal(%q) = false, want true", h)
			}
		})
	}
	for _, h := range []string{"Venue", "Notes", "Funding NHS", "Hours", "Hotel", "Number of sessions", "Nights", "Ni", "Postcode", "Contact", "Mailing list",
		"Television", "Dobson score", "Addressed", "Named worker", "Streets ahead"} {
		t.Run(h, func(t *testing.T) {
			if s.LooksPersonal(h) {
				t.Errorf("LooksPersonal(%q) = true, want false", h)
			}
		})
	}
	// No heading of the standard's own looks personal, except its personal
	// fields (date_of_birth, postcode, client_ref), which map to their field.
	for _, k := range s.Kinds {
		for _, f := range k.Fields {
			for _, h := range []string{f.Name, f.Title} {
				if f.Personal == "" && s.LooksPersonal(h) {
					t.Errorf("%s.%s: heading %q looks personal", k.Name, f.Name, h)
				}
			}
		}
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
