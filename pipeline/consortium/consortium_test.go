package consortium_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/carer-outcomes/carer-outcomes/pipeline"
	"github.com/carer-outcomes/carer-outcomes/pipeline/consortium"
	"github.com/carer-outcomes/carer-outcomes/pipeline/standard/standardtest"
)

const good = `{
  "name": "Test Carers Consortium",
  "first_quarter": "2025-Q4",
  "organisations": [
    {"code": "ORG-B", "name": "B", "contacts": ["b@example.org"]},
    {"code": "ORG-A", "name": "A", "contacts": []}
  ],
  "leads": ["lead@example.org"],
  "reports": {"schedule": "cron(0 6 10 1,4,7,10 ? *)", "timezone": "Europe/London", "from": "reports@example.org"},
  "retention": {"landing_days": 7, "raw_days": 2555, "reports_days": 730, "athena_results_days": 30, "access_log_days": 365}
}`

func TestParse(t *testing.T) {
	std := standardtest.Load(t)
	c, err := consortium.Parse([]byte(good), std)
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Codes(); !slices.Equal(got, []string{"ORG-A", "ORG-B"}) {
		t.Errorf("Codes = %v", got)
	}
	if c.FirstQuarter != (pipeline.Period{Year: 2025, Quarter: 4}) {
		t.Errorf("FirstQuarter = %v", c.FirstQuarter)
	}
	if got := c.Quarters(pipeline.Period{Year: 2026, Quarter: 2}); len(got) != 3 || got[2].String() != "2026-Q2" {
		t.Errorf("Quarters = %v", got)
	}
	if c.DueDays() != consortium.DefaultDueDays {
		t.Errorf("DueDays = %d with returns_due_days unset, want the default %d", c.DueDays(), consortium.DefaultDueDays)
	}
	if c, err := consortium.Parse([]byte(strings.Replace(good, `"retention": {`, `"returns_due_days": 45, "retention": {`, 1)), std); err != nil || c.DueDays() != 45 {
		t.Errorf("returns_due_days 45: DueDays %v, %v", c, err)
	}
	b, err := c.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	again, err := consortium.Parse(b, std)
	if err != nil || again.Name != c.Name || again.FirstQuarter != c.FirstQuarter {
		t.Errorf("round trip: %v %+v", err, again)
	}
}

func TestParse_Errors(t *testing.T) {
	std := standardtest.Load(t)
	tests := []struct {
		name, from, to, want string
	}{
		{"bad org code", `"ORG-A"`, `"org a"`, "organisations[1]"},
		{"duplicate org", `"ORG-B"`, `"ORG-A"`, "appears twice"},
		{"unknown field", `"leads"`, `"lead"`, "unknown field"},
		{"bad quarter", `"2025-Q4"`, `"2025-Q5"`, "YYYY-Qn"},
		{"bad lead", `"lead@example.org"`, `"Lead <lead@example.org>"`, "not an e-mail address"},
		{"no retention", `"raw_days": 2555`, `"raw_days": 0`, "retention.raw_days"},
		{"negative due days", `"retention": {`, `"returns_due_days": -1, "retention": {`, "returns_due_days is -1"},
		{"due after a year", `"retention": {`, `"returns_due_days": 400, "retention": {`, "returns_due_days is 400"},
		{"bad operator", `"leads"`, `"operators": ["ops at example.org"], "leads"`, "operator \"ops at example.org\""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := consortium.Parse([]byte(strings.Replace(good, tt.from, tt.to, 1)), std)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want one containing %q", err, tt.want)
			}
			if pipeline.KindOf(err) != pipeline.Invalid {
				t.Errorf("kind = %v, want invalid", pipeline.KindOf(err))
			}
		})
	}
}

func TestLoad_Example(t *testing.T) {
	path := filepath.Join("..", "..", "testdata", "consortium", "example.json")
	if _, err := os.Stat(path); err != nil {
		t.Fatal(err)
	}
	if _, err := consortium.Load(path, standardtest.Load(t)); err != nil {
		t.Fatal(err)
	}
}
