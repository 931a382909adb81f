package surveys_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/carer-outcomes/carer-outcomes/pipeline/consortium"
	"github.com/carer-outcomes/carer-outcomes/pipeline/pseudonym"
	"github.com/carer-outcomes/carer-outcomes/pipeline/standard"
	"github.com/carer-outcomes/carer-outcomes/pipeline/surveys"
)

func loadConsortium(tb testing.TB) (*consortium.Consortium, *standard.Standard) {
	tb.Helper()
	std, err := standard.Latest()
	if err != nil {
		tb.Fatal(err)
	}
	c, err := consortium.Load(filepath.Join("..", "..", "testdata", "consortium", "surveys.json"), std)
	if err != nil {
		tb.Fatal(err)
	}
	return c, std
}

func testKey(tb testing.TB) pseudonym.Key {
	tb.Helper()
	k, err := pseudonym.ParseKey([]byte(strings.Repeat("ab", 32)))
	if err != nil {
		tb.Fatal(err)
	}
	return k
}

func carerID(tb testing.TB, org, ref string) string {
	tb.Helper()
	h, err := testKey(tb).For(org)
	if err != nil {
		tb.Fatal(err)
	}
	return string(h.CarerID([]byte(ref)))
}

// Each tool's fixture maps to the followups values its answers mean, and
// nothing else: the names, e-mail addresses, phone numbers and comments in
// the fixtures are gone.
func TestMap_Fixtures(t *testing.T) {
	c, _ := loadConsortium(t)
	tests := []struct {
		form, fixture string
		want          []map[string]string
	}{
		{"w26-typeform", "typeform.json", []map[string]string{{"client_ref": "C001", "wave": "W26", "survey_date": "2026-07-14",
			"employment_status": "EMPLOYED_PT", "hours_per_week": "16", "confidence": "4", "times_suited": "Y", "response_mode": "ONLINE"}}},
		{"w13-tally", "tally.json", []map[string]string{{"client_ref": "C002", "wave": "W13", "survey_date": "2026-07-15",
			"employment_status": "INACTIVE_CARING", "it_skills": "2", "staff_understood": "Yes", "response_mode": "ONLINE"}}},
		{"w52-smartsurvey", "smartsurvey.json", []map[string]string{
			{"client_ref": "C003", "wave": "W52", "survey_date": "2026-08-03", "employment_status": "Self-employed", "confidence": "3", "response_mode": "ONLINE"},
			{"client_ref": "C004", "wave": "W52", "survey_date": "2026-08-04", "employment_status": "Unemployed and looking for work", "confidence": "3", "response_mode": "ONLINE"}}},
		{"followup-msforms", "msforms.json", []map[string]string{{"client_ref": "C005", "wave": "W52", "survey_date": "2026-09-02",
			"employment_status": "EMPLOYED_FT", "hours_per_week": "35"}}},
		{"outreach-kobo", "kobo.json", []map[string]string{{"client_ref": "C006", "wave": "w104", "survey_date": "2026-09-10",
			"employment_status": "training", "it_skills": "5", "heard_via": "outreach", "response_mode": "IN_PERSON"}}},
		{"paper-generic", "generic.json", []map[string]string{{"client_ref": "C007", "wave": "BASELINE", "survey_date": "2026-09-18",
			"employment_status": "EMPLOYED_PT", "hours_per_week": "20", "response_mode": "PAPER",
			"swemwbs_1": "4", "swemwbs_2": "3", "swemwbs_3": "4", "swemwbs_4": "4", "swemwbs_5": "3", "swemwbs_6": "3", "swemwbs_7": "4"}}},
	}
	h, err := testKey(t).For("LEEDS-CC")
	if err != nil {
		t.Fatal(err)
	}
	received := time.Date(2026, 9, 30, 12, 0, 0, 0, time.UTC)
	for _, tt := range tests {
		t.Run(tt.form, func(t *testing.T) {
			f, ok := c.Form("LEEDS-CC", tt.form)
			if !ok {
				t.Fatalf("no form %s", tt.form)
			}
			body, err := os.ReadFile(filepath.Join("..", "..", "testdata", "events", "surveys", tt.fixture))
			if err != nil {
				t.Fatal(err)
			}
			rs, err := surveys.Parse(f.Tool, body)
			if err != nil {
				t.Fatal(err)
			}
			if len(rs) != len(tt.want) {
				t.Fatalf("%d responses, want %d", len(rs), len(tt.want))
			}
			for i, r := range rs {
				m, err := surveys.Map("LEEDS-CC", f, r, h, received)
				if err != nil {
					t.Fatal(err)
				}
				want := map[string]string{}
				for k, v := range tt.want[i] {
					want[k] = v
				}
				want["client_ref"] = carerID(t, "LEEDS-CC", want["client_ref"])
				if len(m.Values) != len(want) {
					t.Errorf("response %d: %d values %v, want %d %v", i, len(m.Values), m.Values, len(want), want)
				}
				for k, v := range want {
					if m.Values[k] != v {
						t.Errorf("response %d: %s = %q, want %q", i, k, m.Values[k], v)
					}
				}
				if m.MappingVersion != f.Mapping.Version || m.Tool != f.Tool || m.ResponseID == "" || !m.Received.Equal(received) {
					t.Errorf("response %d: message %+v", i, m)
				}
			}
		})
	}
}

func TestForm_Check(t *testing.T) {
	_, std := loadConsortium(t)
	ok := func() surveys.Form {
		return surveys.Form{ID: "w13", Tool: "tally", Mapping: surveys.Mapping{Version: 1, Columns: map[string]surveys.Source{
			"client_ref": {Hidden: "ref"}, "wave": {Value: "W13"}, "survey_date": {Submitted: true}, "employment_status": {Question: "q1"},
		}}}
	}
	tests := []struct {
		name   string
		change func(*surveys.Form)
		want   string // "" for no error
	}{
		{"valid", func(*surveys.Form) {}, ""},
		{"unknown tool", func(f *surveys.Form) { f.Tool = "surveymonkey" }, `tool "surveymonkey"`},
		{"no version", func(f *surveys.Form) { f.Mapping.Version = 0 }, "mapping.version is 0"},
		{"bad id", func(f *surveys.Form) { f.ID = "W 13" }, `id "W 13"`},
		{"required column unmapped", func(f *surveys.Form) { delete(f.Mapping.Columns, "employment_status") }, "no employment_status"},
		{"not a followups column", func(f *surveys.Form) { f.Mapping.Columns["name"] = surveys.Source{Question: "q9"} }, "mapping.columns.name: not a column"},
		{"two sources", func(f *surveys.Form) { f.Mapping.Columns["wave"] = surveys.Source{Value: "W13", Hidden: "w"} }, "exactly one"},
		{"fixed client reference", func(f *surveys.Form) { f.Mapping.Columns["client_ref"] = surveys.Source{Value: "C1"} }, "client_ref: the client reference"},
		{"fixed wave not a code", func(f *surveys.Form) { f.Mapping.Columns["wave"] = surveys.Source{Value: "W12"} }, `value "W12" is not one of its codes`},
		{"choice not a code", func(f *surveys.Form) {
			f.Mapping.Columns["employment_status"] = surveys.Source{Question: "q1", Choices: map[string]string{"Working": "WORKING"}}
		}, `choice "Working" maps to "WORKING"`},
		{"choice out of range", func(f *surveys.Form) {
			f.Mapping.Columns["confidence"] = surveys.Source{Question: "q2", Choices: map[string]string{"Very": "6"}}
		}, "out of range"},
		{"submitted into a code", func(f *surveys.Form) { f.Mapping.Columns["wave"] = surveys.Source{Submitted: true} }, "submitted is a date"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := ok()
			tt.change(&f)
			err := f.Check(std)
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("error %v", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Fatalf("error %v, want one saying %q", err, tt.want)
			}
		})
	}
}

// A choice matches its answer ignoring case and surrounding spaces; an
// answer with no choice is passed on as it is, for validation to judge.
func TestMap_Choices(t *testing.T) {
	h, err := testKey(t).For("LEEDS-CC")
	if err != nil {
		t.Fatal(err)
	}
	f := &surveys.Form{ID: "f", Tool: surveys.Generic, Mapping: surveys.Mapping{Version: 3, Columns: map[string]surveys.Source{
		"client_ref": {Hidden: "ref"}, "wave": {Value: "W13"}, "survey_date": {Submitted: true},
		"employment_status": {Question: "q", Choices: map[string]string{"Working full-time ": "EMPLOYED_FT"}},
		"heard_via":         {Question: "h", Choices: map[string]string{"Doctor": "GP"}},
	}}}
	r := surveys.Response{ID: "1", Submitted: time.Date(2026, 7, 1, 9, 0, 0, 0, time.UTC),
		Answers: map[string]string{"q": " working FULL-time", "h": "a friend", "name": "Jo"}, Hidden: map[string]string{"ref": "C1"}}
	m, err := surveys.Map("LEEDS-CC", f, r, h, r.Submitted)
	if err != nil {
		t.Fatal(err)
	}
	if m.Values["employment_status"] != "EMPLOYED_FT" || m.Values["heard_via"] != "a friend" || m.Values["wave"] != "W13" || m.Values["survey_date"] != "2026-07-01" {
		t.Fatalf("values %v", m.Values)
	}
	if _, ok := m.Values["name"]; ok || m.MappingVersion != 3 {
		t.Fatalf("message %+v", m)
	}
}
