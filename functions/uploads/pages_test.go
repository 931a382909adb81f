package main

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/carer-outcomes/carer-outcomes/internal/functest"
	"github.com/carer-outcomes/carer-outcomes/pipeline"
	"github.com/carer-outcomes/carer-outcomes/pipeline/ingest"
	"github.com/carer-outcomes/carer-outcomes/pipeline/lake"
	"github.com/carer-outcomes/carer-outcomes/pipeline/pseudonym"
	"github.com/carer-outcomes/carer-outcomes/pipeline/returns"
	"github.com/carer-outcomes/carer-outcomes/pipeline/standard/standardtest"
	"github.com/carer-outcomes/carer-outcomes/pipeline/tabular"
	"github.com/carer-outcomes/carer-outcomes/storage/s3store"
)

const pagesCarers = "client_ref,registration_date,date_of_birth,gender,postcode,employment_status,consent_followup\n" +
	"R1,2026-07-02,1980-05-17,F,LS6 3AB,UNEMPLOYED,Y\nR2,2026-02-30,1975-01-09,M,M14 5RB,INACTIVE_CARING,N\n"

// setupPages runs the bootstrap with a reports bucket and three member
// organisations, one of which sends nothing.
func setupPages(t *testing.T) *fixture {
	t.Helper()
	srv := functest.StartS3(t, "landing", "lake", "reports")
	fn := srv.Run(t, pkg, "LANDING_BUCKET=landing", "LAKE_BUCKET=lake", "REPORTS_BUCKET=reports", "ORGANISATIONS=TEST-ORG,OTHER-ORG,SILENT-ORG")
	return &fixture{s3: srv, client: srv.Client, lake: &lake.Lake{Store: s3store.NewFromClient(srv.Client, "lake", "")}, runtime: fn.Runtime}
}

// ingestCarers ingests a carers file into the lake as the ingest function
// does, and returns its upload id.
func (f *fixture) ingestCarers(t *testing.T, org, content string) string {
	t.Helper()
	key, err := pseudonym.ParseKey([]byte(strings.Repeat("12", 32)))
	if err != nil {
		t.Fatal(err)
	}
	cfg := ingest.Config{Standard: standardtest.Load(t), Lake: f.lake, Key: key, Limits: tabular.DefaultLimits(), TempDir: t.TempDir()}
	res, err := ingest.Run(context.Background(), cfg, ingest.Request{Org: org, Period: pipeline.Period{Year: 2026, Quarter: 3},
		Files: []ingest.File{{Name: "carers.csv", Data: strings.NewReader(content), Size: int64(len(content))}}})
	if err != nil {
		t.Fatal(err)
	}
	return res.Uploads[0].UploadID
}

// pageGet asks GET path?period=2026-Q3 with the claims given (nil values
// are removed) and extra query parameters.
func (f *fixture) pageGet(t *testing.T, path string, claimsSet map[string]any, query map[string]string) events.APIGatewayV2HTTPResponse {
	t.Helper()
	ev := edit(t, event(t, "apigw-get-uploads.json", map[string]string{"ORG": "TEST-ORG"}), func(m map[string]any) {
		m["rawPath"], m["routeKey"] = path, "GET "+path
		rc := m["requestContext"].(map[string]any)
		rc["http"].(map[string]any)["path"], rc["routeKey"] = path, "GET "+path
		q := map[string]any{"period": "2026-Q3"}
		for k, v := range query {
			q[k] = v
		}
		m["queryStringParameters"] = q
		c := claims(m)
		for k, v := range claimsSet {
			if v == nil {
				delete(c, k)
			} else {
				c[k] = v
			}
		}
	})
	return f.invoke(t, ev)
}

func asOrg(org string) map[string]any { return map[string]any{"custom:org": org} }

var asLead = map[string]any{"custom:org": nil, "cognito:groups": "[lead]"}

func kinds(r returns.Return) map[string]returns.Kind {
	out := map[string]returns.Kind{}
	for _, k := range r.Kinds {
		out[k.Kind] = k
	}
	return out
}

func TestUploads_Pages(t *testing.T) {
	f := setupPages(t)
	first := f.ingestCarers(t, "TEST-ORG", pagesCarers)
	fixed := f.ingestCarers(t, "TEST-ORG", strings.Replace(pagesCarers, "2026-02-30", "2026-03-01", 1))
	theirs := f.ingestCarers(t, "OTHER-ORG", pagesCarers)
	f.landFile(t, "TEST-ORG", "2026-Q3", "eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee", "support.csv") // not ingested yet
	for _, scope := range []string{"TEST-ORG", "consortium"} {
		body := "<h1>report of " + scope + "</h1>"
		_, err := f.client.PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String("reports"),
			Key: aws.String("reports/2026-Q3/" + scope + "/report.html"), Body: strings.NewReader(body)})
		if err != nil {
			t.Fatal(err)
		}
	}

	t.Run("the organisation's return, kind by kind", func(t *testing.T) {
		var r returns.Return
		// An org in the query is ignored: the organisation is the token's.
		decode(t, f.pageGet(t, "/returns", asOrg("TEST-ORG"), map[string]string{"org": "OTHER-ORG"}), http.StatusOK, &r)
		k := kinds(r)
		if r.Org != "TEST-ORG" || r.Period != "2026-Q3" || len(r.Kinds) != 5 {
			t.Fatalf("return %+v", r)
		}
		if c := k["carers"]; c.State != returns.Accepted || c.UploadID != fixed || c.Rows != 2 || c.Accepted != 2 {
			t.Errorf("carers %+v, want the corrected upload, accepted", c)
		}
		if s := k["support"]; s.State != returns.Received {
			t.Errorf("support %+v, want received (a file waits in landing)", s)
		}
		if !r.Due.Equal(time.Date(2026, 10, 30, 23, 59, 59, 999999999, time.UTC)) {
			t.Errorf("due %v, want the end of 30 October 2026", r.Due)
		}
		var o returns.Return
		decode(t, f.pageGet(t, "/returns", asOrg("OTHER-ORG"), nil), http.StatusOK, &o)
		if c := kinds(o)["carers"]; c.UploadID != theirs || c.State != returns.AcceptedWithWarnings {
			t.Errorf("OTHER-ORG's carers %+v, want their own upload with a rejected row", c)
		}
		if s := kinds(o)["support"]; s.State == returns.Received {
			t.Errorf("OTHER-ORG's support is %q: TEST-ORG's waiting file counted", s.State)
		}
	})

	t.Run("the history, the corrected upload replacing the first", func(t *testing.T) {
		var h historyBody
		decode(t, f.pageGet(t, "/history", asOrg("TEST-ORG"), nil), http.StatusOK, &h)
		if len(h.Uploads) != 2 || h.Uploads[0].UploadID != fixed || h.Uploads[0].Replaced() || h.Uploads[1].UploadID != first || !h.Uploads[1].Replaced() {
			t.Errorf("history %+v, want the corrected upload in use and the first replaced", h.Uploads)
		}
		decode(t, f.pageGet(t, "/history", asOrg("OTHER-ORG"), nil), http.StatusOK, &h)
		if len(h.Uploads) != 1 || h.Uploads[0].UploadID != theirs {
			t.Errorf("OTHER-ORG's history %+v, want their one upload", h.Uploads)
		}
	})

	t.Run("the lead's view is the lead's only", func(t *testing.T) {
		resp := f.pageGet(t, "/lead/returns", asOrg("TEST-ORG"), nil)
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("an organisation's token: %d %s, want 403", resp.StatusCode, resp.Body)
		}
		resp = f.pageGet(t, "/lead/returns", map[string]any{"custom:org": "TEST-ORG", "cognito:groups": "[leads admins]"}, nil)
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("a token of other groups: %d, want 403", resp.StatusCode)
		}
		var l leadBody
		decode(t, f.pageGet(t, "/lead/returns", asLead, nil), http.StatusOK, &l)
		if len(l.Returns) != 3 || l.Returns[0].Org != "TEST-ORG" || l.Returns[2].Org != "SILENT-ORG" {
			t.Fatalf("lead's returns %+v", l.Returns)
		}
		if !l.Returns[2].Missing() || l.Returns[0].Late() != true {
			t.Errorf("SILENT-ORG missing %v, TEST-ORG late %v: want both (sent after 30 October)", l.Returns[2].Missing(), l.Returns[0].Late())
		}
		// A lead's token without an organisation has none of an organisation's routes.
		if resp := f.pageGet(t, "/returns", asLead, nil); resp.StatusCode != http.StatusForbidden {
			t.Errorf("/returns as a lead of no organisation: %d, want 403", resp.StatusCode)
		}
		if resp := f.pageGet(t, "/uploads", asLead, nil); resp.StatusCode != http.StatusForbidden {
			t.Errorf("/uploads as a lead of no organisation: %d, want 403", resp.StatusCode)
		}
	})

	t.Run("report links: the organisation's own, the lead's the consortium's", func(t *testing.T) {
		get := func(claims map[string]any) map[string]string {
			var r reportsBody
			decode(t, f.pageGet(t, "/reports", claims, nil), http.StatusOK, &r)
			out := map[string]string{}
			for _, l := range r.Reports {
				out[l.Scope] = l.URL
			}
			return out
		}
		mine := get(asOrg("TEST-ORG"))
		if len(mine) != 1 || mine["TEST-ORG"] == "" {
			t.Fatalf("TEST-ORG's links %v", mine)
		}
		res, err := http.Get(mine["TEST-ORG"])
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK || string(b) != "<h1>report of TEST-ORG</h1>" || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
			t.Errorf("the link: %d %s %q", res.StatusCode, res.Header.Get("Content-Type"), b)
		}
		if other := get(asOrg("OTHER-ORG")); len(other) != 0 {
			t.Errorf("OTHER-ORG, whose report is not made: %v", other)
		}
		if lead := get(asLead); len(lead) != 1 || lead["consortium"] == "" {
			t.Errorf("the lead's links %v, want the consortium's", lead)
		}
	})

	t.Run("a bad quarter is a 400", func(t *testing.T) {
		resp := f.pageGet(t, "/returns", asOrg("TEST-ORG"), map[string]string{"period": "2026-Q7"})
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("period 2026-Q7: %d, want 400", resp.StatusCode)
		}
	})
}
