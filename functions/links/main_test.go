package main

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/carer-outcomes/carer-outcomes/internal/functest"
	"github.com/carer-outcomes/carer-outcomes/internal/lambdatest"
	"github.com/carer-outcomes/carer-outcomes/pipeline/lake"
	"github.com/carer-outcomes/carer-outcomes/pipeline/reportlink"
	"github.com/carer-outcomes/carer-outcomes/storage/s3store"
)

const (
	pkg     = "github.com/carer-outcomes/carer-outcomes/functions/links"
	linkKey = "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0"
)

// invoke sends a function URL request for path.
func invoke(tb testing.TB, rt *lambdatest.Runtime, method, path string) events.LambdaFunctionURLResponse {
	tb.Helper()
	b, err := os.ReadFile("../../testdata/events/function-url-get.json")
	if err != nil {
		tb.Fatal(err)
	}
	ev := strings.NewReplacer("{{PATH}}", path, "{{METHOD}}", method).Replace(string(b))
	res := rt.Invoke(tb, []byte(ev), time.Minute)
	if res.Error != nil {
		tb.Fatalf("%s %s: the function failed: %s: %s", method, path, res.Error.Type, res.Error.Message)
	}
	var resp events.LambdaFunctionURLResponse
	if err := json.Unmarshal(res.Response, &resp); err != nil {
		tb.Fatalf("response %s: %v", res.Response, err)
	}
	return resp
}

func TestLinks_Serve(t *testing.T) {
	srv := functest.StartS3(t, "reports")
	store := s3store.NewFromClient(srv.Client, "reports", "")
	for key, body := range map[string]string{
		"reports/2026-Q3/LEEDS-CC/report.html":  "<html><h1>LEEDS-CC 2026-Q3</h1></html>",
		"reports/2026-Q3/LEEDS-CC/headline.csv": "figure,value\nreach.registered,12\n",
		"reports/2026-Q3/BHAM-CA/report.html":   "<html><h1>BHAM-CA 2026-Q3</h1></html>",
	} {
		if _, err := store.Put(context.Background(), key, strings.NewReader(body), int64(len(body)), lake.Condition{}); err != nil {
			t.Fatal(err)
		}
	}
	env := append(functest.SecretsExtension(t, map[string]string{"link-key": linkKey}), "REPORTS_BUCKET=reports", "LINK_KEY_SECRET_ID=link-key")
	rt := srv.Run(t, pkg, env...).Runtime
	signer, err := reportlink.ParseKey(linkKey)
	if err != nil {
		t.Fatal(err)
	}
	// Links as the report function makes them, one working and one
	// expired an hour ago; the function checks them against its own clock.
	fresh := signer.Path("reports/2026-Q3/LEEDS-CC", "report.html", time.Now().Add(72*time.Hour))
	expired := signer.Path("reports/2026-Q3/LEEDS-CC", "report.html", time.Now().Add(-time.Hour))
	tests := []struct {
		name, method, path string
		status             int
		body, contentType  string
	}{
		{"the report", "GET", fresh, 200, "<h1>LEEDS-CC 2026-Q3</h1>", "text/html; charset=utf-8"},
		{"a table beside it", "GET", strings.Replace(fresh, "report.html", "headline.csv", 1), 200, "reach.registered,12", "text/csv; charset=utf-8"},
		{"expired", "GET", expired, 410, "expired", "text/html; charset=utf-8"},
		{"another organisation's report", "GET", strings.Replace(fresh, "LEEDS-CC", "BHAM-CA", 1), 404, "not valid", "text/html; charset=utf-8"},
		{"a file that is not there", "GET", strings.Replace(fresh, "report.html", "missing.csv", 1), 404, "no longer kept", "text/html; charset=utf-8"},
		{"not a link", "GET", "/", 404, "not valid", "text/html; charset=utf-8"},
		{"a POST", "POST", fresh, 405, "Only GET", "text/html; charset=utf-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := invoke(t, rt, tt.method, tt.path)
			if resp.StatusCode != tt.status || !strings.Contains(resp.Body, tt.body) || resp.Headers["Content-Type"] != tt.contentType {
				t.Errorf("%d %q %.200s; want %d %q containing %q", resp.StatusCode, resp.Headers["Content-Type"], resp.Body, tt.status, tt.contentType, tt.body)
			}
			if resp.Headers["Referrer-Policy"] != "no-referrer" || resp.Headers["Cache-Control"] != "private, no-store" {
				t.Errorf("headers %v: the link must not leak through a referrer or a cache", resp.Headers)
			}
		})
	}
}

func TestConfigFromEnv(t *testing.T) {
	env := map[string]string{"REPORTS_BUCKET": "reports", "LINK_KEY_SECRET_ID": "k"}
	for _, missing := range []string{"REPORTS_BUCKET", "LINK_KEY_SECRET_ID"} {
		t.Run(missing, func(t *testing.T) {
			_, err := configFromEnv(func(k string) string {
				if k == missing {
					return ""
				}
				return env[k]
			})
			if err == nil || !strings.Contains(err.Error(), missing) {
				t.Errorf("err = %v, want one naming %s", err, missing)
			}
		})
	}
}
