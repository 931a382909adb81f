package web

import (
	"strings"
	"testing"

	"github.com/carer-outcomes/carer-outcomes/pipeline/landing"
)

func TestLandingName(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"carers.csv", "carers.csv"},
		{"Carers Q3 (final).XLSX", "Carers Q3 (final).xlsx"},
		{"Carers – Q3 ‘final’.xlsx", "Carers _ Q3 _final_.xlsx"},
		{"..hidden.csv", "file_hidden.csv"},
		{"a..b.csv", "a_b.csv"},
		{"Ünïcode.csv", "file_n_code.csv"},
		{".csv", "file.csv"},
		{strings.Repeat("x", 200) + ".xlsx", strings.Repeat("x", 115) + ".xlsx"},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got := LandingName(tc.in)
			if got != tc.want {
				t.Errorf("LandingName(%q) = %q, want %q", tc.in, got, tc.want)
			}
			if err := landing.CheckFileName(got); err != nil {
				t.Errorf("the landing key refuses it: %v", err)
			}
		})
	}
}
