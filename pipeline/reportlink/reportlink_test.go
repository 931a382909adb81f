package reportlink_test

import (
	"strings"
	"testing"
	"time"

	"github.com/carer-outcomes/carer-outcomes/pipeline"
	"github.com/carer-outcomes/carer-outcomes/pipeline/reportlink"
)

const key = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"

func TestSigner_Check(t *testing.T) {
	s, err := reportlink.ParseKey(key)
	if err != nil {
		t.Fatal(err)
	}
	other, _ := reportlink.ParseKey(strings.Repeat("ab", 32))
	made := time.Date(2026, 10, 10, 6, 0, 0, 0, time.UTC)
	expires := made.Add(7 * 24 * time.Hour)
	link := s.Path("reports/2026-Q3/LEEDS-CC", "report.html", expires)
	if !strings.HasPrefix(link, "/1792216800/") { // 2026-10-17T06:00:00Z
		t.Errorf("link %s: want its expiry, in Unix seconds, first", link)
	}
	sibling := strings.Replace(link, "report.html", "headline.csv", 1)
	tests := []struct {
		name, path string
		now        time.Time
		want       string
		fails      bool
		kind       pipeline.Kind
	}{
		{"fresh", link, made, "reports/2026-Q3/LEEDS-CC/report.html", false, 0},
		{"a second before expiry", link, expires.Add(-time.Second), "reports/2026-Q3/LEEDS-CC/report.html", false, 0},
		{"another file of the folder", sibling, made, "reports/2026-Q3/LEEDS-CC/headline.csv", false, 0},
		{"at expiry", link, expires, "", true, pipeline.NotFound},
		{"another organisation's folder", strings.Replace(link, "LEEDS-CC", "BHAM-CA", 1), made, "", true, pipeline.Invalid},
		{"a later expiry", strings.Replace(link, "1792216800", "1792216801", 1), made, "", true, pipeline.Invalid},
		{"another key's link", other.Path("reports/2026-Q3/LEEDS-CC", "report.html", expires), made, "", true, pipeline.Invalid},
		{"out of the folder", strings.Replace(link, "LEEDS-CC/report.html", "LEEDS-CC/../BHAM-CA/report.html", 1), made, "", true, pipeline.Invalid},
		{"no file", strings.TrimSuffix(link, "report.html"), made, "", true, pipeline.Invalid},
		{"not a link", "/favicon.ico", made, "", true, pipeline.Invalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.Check(tt.path, tt.now)
			if tt.fails {
				if err == nil || pipeline.KindOf(err) != tt.kind {
					t.Fatalf("Check = %q, %v; want an error of kind %v", got, err, tt.kind)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("Check = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

func TestParseKey(t *testing.T) {
	for _, bad := range []string{"", "zz", strings.Repeat("ab", 16)} {
		if _, err := reportlink.ParseKey(bad); pipeline.KindOf(err) != pipeline.Invalid {
			t.Errorf("ParseKey(%q) = %v, want invalid", bad, err)
		}
	}
}
