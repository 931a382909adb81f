package main

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/carer-outcomes/carer-outcomes/pipeline/metrics"
)

func TestQuarterOf(t *testing.T) {
	at := func(s string) time.Time { tm, _ := time.Parse(time.RFC3339, s); return tm }
	for _, c := range []struct {
		time, detail, want string
	}{
		{"2026-10-05T06:00:00Z", `{}`, "2026-Q3"},
		{"2026-01-01T00:00:00Z", `{}`, "2025-Q4"},
		{"2026-06-30T23:59:59Z", ``, "2026-Q1"},
		{"2026-10-05T06:00:00Z", `{"period":"2026-Q1"}`, "2026-Q1"},
		{"2026-10-05T06:00:00Z", `{"period":"latest"}`, "latest"},
	} {
		got, err := quarterOf(events.EventBridgeEvent{Time: at(c.time), Detail: json.RawMessage(c.detail)})
		if err != nil || got != c.want {
			t.Errorf("%s %s: %q %v, want %q", c.time, c.detail, got, err, c.want)
		}
	}
	if _, err := quarterOf(events.EventBridgeEvent{Time: at("2026-10-05T06:00:00Z"), Detail: json.RawMessage(`{"period":"2026-Q5"}`)}); err == nil {
		t.Error("a bad period was accepted")
	}
}

// TestSummary_ConsortiumOnly: an organisation's or a subgroup's figure,
// small or not, never reaches the lead's e-mail.
func TestSummary_ConsortiumOnly(t *testing.T) {
	n := func(x float64) *float64 { return &x }
	figs := []metrics.Figure{
		{ID: "reach.registered", Scope: "LEEDS-CC", Period: "2026-Q3", Unit: metrics.UnitCount, Value: n(3)},
		{ID: "reach.registered", Scope: metrics.Consortium, Period: "2026-Q3", Unit: metrics.UnitCount, Value: n(2), Subgroup: &metrics.Subgroup{}},
		{ID: "reach.registered", Scope: metrics.Consortium, Period: "2026-Q2", Unit: metrics.UnitCount, Value: n(4)},
		{ID: "reach.registered", Scope: metrics.Consortium, Period: "2026-Q3", Unit: metrics.UnitCount, Value: n(120)},
	}
	got := summary("2026-Q3", figs)
	if len(got) != 1 || got[0] != "Carers registered: 120" {
		t.Errorf("summary %q", got)
	}
	_, text, body := leadEmail("2026-Q3", figs, nil, "https://x/report.html", maxLinkTTL)
	for _, s := range []string{text, body} {
		if strings.Contains(s, ": 3") || strings.Contains(s, ": 2") || strings.Contains(s, ": 4") {
			t.Errorf("a figure below consortium level: %s", s)
		}
	}
}

func TestConfigFromEnv_Links(t *testing.T) {
	base := map[string]string{"LAKE_BUCKET": "lake", "REPORTS_BUCKET": "reports", "FROM_ADDRESS": "a@example.org", "LEAD_ADDRESSES": "b@example.org"}
	tests := []struct {
		name    string
		env     map[string]string
		wantErr bool
	}{
		{"neither: presigned links", map[string]string{}, false},
		{"both: signed links", map[string]string{"LINK_BASE_URL": "https://l.example/", "LINK_KEY_SECRET_ID": "k"}, false},
		{"a base without a key", map[string]string{"LINK_BASE_URL": "https://l.example/"}, true},
		{"a key without a base", map[string]string{"LINK_KEY_SECRET_ID": "k"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := configFromEnv(func(k string) string {
				if v, ok := tt.env[k]; ok {
					return v
				}
				return base[k]
			})
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want error %v", err, tt.wantErr)
			}
			if err == nil && c.LinkBase != strings.TrimSuffix(tt.env["LINK_BASE_URL"], "/") {
				t.Errorf("LinkBase %q", c.LinkBase)
			}
		})
	}
}
