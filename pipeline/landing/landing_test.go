package landing

import (
	"testing"

	"github.com/carer-outcomes/carer-outcomes/pipeline"
	"github.com/carer-outcomes/carer-outcomes/pipeline/standard/standardtest"
)

func TestParse(t *testing.T) {
	std := standardtest.Load(t)
	id := "0123456789abcdef0123456789abcdef"
	tests := []struct {
		key string
		ok  bool
	}{
		{"landing/org=LEEDS-CC/period=2026-Q3/" + id + "/return.xlsx", true},
		{"landing/org=LEEDS-CC/period=2026-Q3/" + id + "/Carers Q3 (final).csv", true},
		{"landing/org=leeds/period=2026-Q3/" + id + "/return.xlsx", false},
		{"landing/org=A/period=2026-Q3/" + id + "/return.xlsx", false},
		{"landing/period=2026-Q3/" + id + "/return.xlsx", false},
		{"landing/org=LEEDS-CC/period=2026-Q5/" + id + "/return.xlsx", false},
		{"landing/org=LEEDS-CC/period=2026-Q3/not-an-id/return.xlsx", false},
		{"landing/org=LEEDS-CC/period=2026-Q3/" + id + "/../return.xlsx", false},
		{"landing/org=LEEDS-CC/period=2026-Q3/" + id + "/return.exe", false},
		{"landing/org=LEEDS-CC/period=2026-Q3/" + id + "/sub/return.xlsx", false},
		{"curated/org=LEEDS-CC/period=2026-Q3/" + id + "/return.xlsx", false},
	}
	for _, tt := range tests {
		t.Run(tt.key, func(t *testing.T) {
			u, err := Parse(std, tt.key)
			if (err == nil) != tt.ok {
				t.Fatalf("Parse: %v", err)
			}
			if err != nil && pipeline.KindOf(err) != pipeline.Invalid {
				t.Errorf("kind %v, want invalid", pipeline.KindOf(err))
			}
			if err == nil && Key(u) != tt.key {
				t.Errorf("Key(Parse(k)) = %s", Key(u))
			}
		})
	}
}
