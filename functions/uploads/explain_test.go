package main

import (
	"encoding/json"
	"net/http"
	"net/url"
	"testing"

	"github.com/carer-outcomes/carer-outcomes/internal/lakefixture"
	"github.com/carer-outcomes/carer-outcomes/pipeline/lineage"
	"github.com/carer-outcomes/carer-outcomes/pipeline/standard/standardtest"
)

// explainEvent is GET /explain with the given query parameters, for org.
func explainEvent(tb testing.TB, org string, params map[string]string) []byte {
	tb.Helper()
	q := url.Values{}
	for k, v := range params {
		q.Set(k, v)
	}
	p, _ := json.Marshal(params)
	return event(tb, "apigw-get-explain.json", map[string]string{"ORG": org, "QUERY": q.Encode(), "PARAMS": string(p)})
}

// TestUploads_Explain lists, through the API, the rows behind figures of
// the hand-worked fixture ingested into the S3 lake: the caller's own rows
// (WORKING.md, "Lineage"), never another organisation's.
func TestUploads_Explain(t *testing.T) {
	f := setup(t)
	lakefixture.Into(t, standardtest.Load(t), f.lake).Backfill(t, lakefixture.ReportPath("returns", "manifest.json"))

	tests := []struct {
		name   string
		org    string
		params map[string]string
		status int
		counts map[string]int
		rows   int
	}{
		{"ORG-A's registrations", "ORG-A", map[string]string{"period": "2026-Q2", "figure": "reach.registered"}, http.StatusOK, map[string]int{"value": 3}, 3},
		{"ORG-B's registrations: its own only", "ORG-B", map[string]string{"period": "2026-Q2", "figure": "reach.registered"}, http.StatusOK, map[string]int{"value": 2}, 2},
		{"a sustained figure", "ORG-A", map[string]string{"period": "2026-Q2", "figure": "sustained.starts.w26"}, http.StatusOK,
			map[string]int{"due": 3, "sustained": 2, "not_sustained": 0, "unknown": 1}, 5},
		{"a cohort rate of a subgroup", "ORG-A", map[string]string{"period": "2026-Q2", "figure": "hard_outcome_rate.w52", "cohort": "2025-Q2", "subgroup": "personal_budget=CARER"},
			http.StatusOK, map[string]int{"numerator": 2, "denominator": 3}, 5},
		{"no such figure", "ORG-B", map[string]string{"period": "2026-Q2", "figure": "hard_outcome_rate.w52", "cohort": "2025-Q2"}, http.StatusNotFound, nil, 0},
		{"no figure named", "ORG-A", map[string]string{"period": "2026-Q2"}, http.StatusBadRequest, nil, 0},
		{"a bad subgroup", "ORG-A", map[string]string{"period": "2026-Q2", "figure": "reach.registered", "subgroup": "age_band"}, http.StatusBadRequest, nil, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := f.invoke(t, explainEvent(t, tt.org, tt.params))
			if tt.status != http.StatusOK {
				var e errorBody
				decode(t, resp, tt.status, &e)
				return
			}
			var res lineage.Result
			decode(t, resp, http.StatusOK, &res)
			if res.Org != tt.org || len(res.Rows) != tt.rows {
				t.Errorf("org %s, %d rows, want %s and %d", res.Org, len(res.Rows), tt.org, tt.rows)
			}
			for _, r := range res.Rows {
				if r.Org != tt.org || r.UploadID == "" || r.File == "" {
					t.Errorf("row %+v", r)
				}
			}
			for k, v := range tt.counts {
				if res.Counts[k] != v {
					t.Errorf("counts %v, want %v", res.Counts, tt.counts)
				}
			}
			if res.Figure.ID != tt.params["figure"] || res.Query.Subgroup == nil && tt.params["subgroup"] != "" {
				t.Errorf("figure %+v query %+v", res.Figure, res.Query)
			}
		})
	}
}
