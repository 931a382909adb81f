package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/carer-outcomes/carer-outcomes/pipeline"
	"github.com/carer-outcomes/carer-outcomes/pipeline/ingest"
	"github.com/carer-outcomes/carer-outcomes/pipeline/lake"
	"github.com/carer-outcomes/carer-outcomes/pipeline/landing"
	"github.com/carer-outcomes/carer-outcomes/pipeline/pseudonym"
	"github.com/carer-outcomes/carer-outcomes/pipeline/standard/standardtest"
	"github.com/carer-outcomes/carer-outcomes/pipeline/surveys"
	"github.com/carer-outcomes/carer-outcomes/pipeline/tabular"
	"github.com/carer-outcomes/carer-outcomes/storage/fsstore"
)

// fakePresigner signs nothing: it remembers what it was asked.
type fakePresigner struct {
	in      *s3.PutObjectInput
	expires time.Duration
}

func (p *fakePresigner) PresignPutObject(_ context.Context, in *s3.PutObjectInput, opts ...func(*s3.PresignOptions)) (*v4.PresignedHTTPRequest, error) {
	var o s3.PresignOptions
	for _, fn := range opts {
		fn(&o)
	}
	p.in, p.expires = in, o.Expires
	return &v4.PresignedHTTPRequest{
		URL: "https://landing.example/" + *in.Key + "?X-Amz-Signature=00", Method: http.MethodPut,
		SignedHeader: http.Header{"Host": {"landing.example"}, "Content-Length": {strconv.FormatInt(*in.ContentLength, 10)}},
	}, nil
}

func (p *fakePresigner) PresignGetObject(_ context.Context, in *s3.GetObjectInput, _ ...func(*s3.PresignOptions)) (*v4.PresignedHTTPRequest, error) {
	return &v4.PresignedHTTPRequest{URL: "https://reports.example/" + *in.Key + "?X-Amz-Signature=00", Method: http.MethodGet}, nil
}

// testNow is the fixed clock of the in-process tests.
func testNow() time.Time { return time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC) }

// newTestHandler is a handler on folder stores, with a fixed clock and ids.
func newTestHandler(tb testing.TB, cfg config) (*handler, *fakePresigner) {
	tb.Helper()
	open := func() lake.Store {
		s, err := fsstore.New(tb.TempDir())
		if err != nil {
			tb.Fatal(err)
		}
		return s
	}
	p := &fakePresigner{}
	return &handler{
		cfg: cfg, log: slog.New(slog.NewJSONHandler(io.Discard, nil)), std: standardtest.Load(tb),
		lake: &lake.Lake{Store: open()}, landing: open(), presign: p,
		now:   testNow,
		newID: func() (string, error) { return "0123456789abcdef0123456789abcdef", nil },
	}, p
}

func testConfig() config {
	c, _ := configFromEnv(func(k string) string {
		return map[string]string{"LANDING_BUCKET": "landing", "LAKE_BUCKET": "lake"}[k]
	})
	return c
}

func request(method, path, org, body string) events.APIGatewayV2HTTPRequest {
	ev := events.APIGatewayV2HTTPRequest{RawPath: path, Body: body}
	ev.RequestContext.Stage = "$default"
	ev.RequestContext.HTTP.Method, ev.RequestContext.HTTP.Path = method, path
	ev.RequestContext.Authorizer = &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{
		JWT: &events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{Claims: map[string]string{"custom:org": org, "sub": "u1"}},
	}
	return ev
}

func TestConfigFromEnv(t *testing.T) {
	for _, tc := range []struct {
		name    string
		env     map[string]string
		wantErr string
		check   func(config) bool
	}{
		{"defaults", map[string]string{"LANDING_BUCKET": "l", "LAKE_BUCKET": "k"}, "", func(c config) bool {
			return c.ClaimOrg == "custom:org" && c.MaxUploadMB == 50 && c.URLTTL == 15*time.Minute && !c.PathStyle
		}},
		{"settings", map[string]string{"LANDING_BUCKET": "l", "LAKE_BUCKET": "k", "LAKE_PREFIX": "p/", "S3_PATH_STYLE": "true",
			"CLAIM_ORG": "org", "MAX_UPLOAD_MB": "10", "UPLOAD_URL_TTL": "5m"}, "", func(c config) bool {
			return c.LakePrefix == "p/" && c.PathStyle && c.ClaimOrg == "org" && c.MaxUploadMB == 10 && c.URLTTL == 5*time.Minute
		}},
		{"no landing bucket", map[string]string{"LAKE_BUCKET": "k"}, "LANDING_BUCKET is not set", nil},
		{"no lake bucket", map[string]string{"LANDING_BUCKET": "l"}, "LAKE_BUCKET is not set", nil},
		{"bad size", map[string]string{"LANDING_BUCKET": "l", "LAKE_BUCKET": "k", "MAX_UPLOAD_MB": "0"}, "MAX_UPLOAD_MB", nil},
		{"bad TTL", map[string]string{"LANDING_BUCKET": "l", "LAKE_BUCKET": "k", "UPLOAD_URL_TTL": "900"}, "UPLOAD_URL_TTL", nil},
		{"bad path style", map[string]string{"LANDING_BUCKET": "l", "LAKE_BUCKET": "k", "S3_PATH_STYLE": "yes please"}, "S3_PATH_STYLE", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := configFromEnv(func(k string) string { return tc.env[k] })
			switch {
			case tc.wantErr != "":
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Errorf("error %v, want %q", err, tc.wantErr)
				}
			case err != nil:
				t.Errorf("error %v", err)
			case !tc.check(c):
				t.Errorf("config %+v", c)
			}
		})
	}
}

func TestCheckPeriod(t *testing.T) {
	for _, tc := range []struct {
		period string
		ok     bool
	}{
		{"2026-Q4", true}, {"2026-Q3", true}, {"2000-Q1", true},
		{"2027-Q1", false}, {"1999-Q4", false}, {"2026-Q0", false}, {"26-Q1", false}, {"", false},
	} {
		if _, err := checkPeriod(tc.period, testNow()); (err == nil) != tc.ok {
			t.Errorf("checkPeriod(%q) = %v, want ok %v", tc.period, err, tc.ok)
		}
	}
}

func TestRequestPath(t *testing.T) {
	for _, tc := range []struct{ stage, raw, want string }{
		{"$default", "/uploads", "/uploads"},
		{"prod", "/prod/uploads/abc", "/uploads/abc"},
		{"prod", "/production/uploads", "/production/uploads"},
		{"", "/uploads", "/uploads"},
	} {
		ev := events.APIGatewayV2HTTPRequest{RawPath: tc.raw}
		ev.RequestContext.Stage = tc.stage
		if got := requestPath(ev); got != tc.want {
			t.Errorf("requestPath(%s, %s) = %q, want %q", tc.stage, tc.raw, got, tc.want)
		}
	}
}

func TestHandler_Create(t *testing.T) {
	cfg := testConfig()
	cfg.ClaimOrg, cfg.URLTTL, cfg.MaxUploadMB = "org", 10*time.Minute, 1
	h, p := newTestHandler(t, cfg)
	ev := request("POST", "/uploads", "", `{"period":"2026-Q4","filename":"Support (Oct).xlsx","size":1048576,"org":"OTHER"}`)
	ev.RequestContext.Authorizer.JWT.Claims["org"] = "LEEDS-CC"
	resp, err := h.Handle(context.Background(), ev)
	if err != nil || resp.StatusCode != http.StatusCreated {
		t.Fatalf("%d %s %v", resp.StatusCode, resp.Body, err)
	}
	var got createResponse
	if err := json.Unmarshal([]byte(resp.Body), &got); err != nil {
		t.Fatal(err)
	}
	want := landing.Key(landing.Upload{Org: "LEEDS-CC", Period: pipeline.Period{Year: 2026, Quarter: 4}, ID: "0123456789abcdef0123456789abcdef", File: "Support (Oct).xlsx"})
	if got.Key != want || *p.in.Key != want || *p.in.Bucket != "landing" || *p.in.ContentLength != 1<<20 || p.expires != 10*time.Minute {
		t.Errorf("signed %s/%s for %d bytes and %v; answered key %q, want %q", *p.in.Bucket, *p.in.Key, *p.in.ContentLength, p.expires, got.Key, want)
	}
	if !got.ExpiresAt.Equal(testNow().Add(10*time.Minute)) || got.Headers["Content-Length"] != "1048576" || len(got.Headers) != 1 {
		t.Errorf("answer %+v", got)
	}

	ev.Body = `{"period":"2026-Q4","filename":"Support (Oct).xlsx","size":1048577}`
	if resp, _ := h.Handle(context.Background(), ev); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("a file over MAX_UPLOAD_MB: %d %s", resp.StatusCode, resp.Body)
	}
	// The default claim name is not read when CLAIM_ORG names another.
	ev = request("POST", "/uploads", "LEEDS-CC", `{"period":"2026-Q4","filename":"a.csv","size":1}`)
	if resp, _ := h.Handle(context.Background(), ev); resp.StatusCode != http.StatusForbidden {
		t.Errorf("org in custom:org with CLAIM_ORG=org: %d %s", resp.StatusCode, resp.Body)
	}
}

func TestHandler_List(t *testing.T) {
	h, _ := newTestHandler(t, testConfig())
	ctx := context.Background()
	putJSON := func(s lake.Store, key string, v any) {
		t.Helper()
		b, _ := json.Marshal(v)
		if _, err := s.Put(ctx, key, bytes.NewReader(b), int64(len(b)), lake.Condition{}); err != nil {
			t.Fatal(err)
		}
	}
	// Three ingested uploads received on different days, and one still waiting.
	for i, id := range []string{"11111111111111111111111111111111", "22222222222222222222222222222222", "33333333333333333333333333333333"} {
		up := string(bytes.Repeat([]byte{byte('a' + i)}, 64))
		status := lake.UploadDone
		if i == 1 {
			status = lake.UploadRejected
		}
		received := time.Date(2026, 10, 1+i*7, 9, 0, 0, 0, time.UTC)
		putJSON(h.lake.Store, lake.UploadKey("LEEDS-CC", up, "status.json"), lake.UploadStatus{Org: "LEEDS-CC", Period: "2026-Q3", UploadID: up, Status: status, Received: received, Done: received})
		putJSON(h.lake.Store, landing.RecordKey("LEEDS-CC", id), landing.Record{LandingID: id, UploadID: up, Org: "LEEDS-CC", Period: "2026-Q3", File: "f.csv", Status: status})
	}
	wait := landing.Key(landing.Upload{Org: "LEEDS-CC", Period: pipeline.Period{Year: 2026, Quarter: 4}, ID: "44444444444444444444444444444444", File: "g.csv"})
	putJSON(h.landing, wait, "x")
	// A key not written through the API is never listed.
	putJSON(h.landing, "landing/org=LEEDS-CC/period=2026-Q4/not-an-id/g.csv", "x")

	resp, _ := h.Handle(ctx, request("GET", "/uploads", "LEEDS-CC", ""))
	var got uploadList
	if err := json.Unmarshal([]byte(resp.Body), &got); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("%d %s", resp.StatusCode, resp.Body)
	}
	var order []string
	for _, u := range got.Uploads {
		order = append(order, u.ID[:1]+" "+string(u.Status))
	}
	if got, want := strings.Join(order, ", "), "4 received, 3 done, 2 rejected, 1 done"; got != want {
		t.Errorf("uploads %s, want %s", got, want)
	}
}

// GET /uploads/due answers the caller's own due list, each carer named by
// the file and row of their registration; GET /uploads/survey-rejections
// lists its rejected survey responses.
func TestHandler_Due(t *testing.T) {
	h, _ := newTestHandler(t, testConfig())
	ctx := context.Background()
	std := standardtest.Load(t)
	key, err := pseudonym.ParseKey([]byte(strings.Repeat("ab", 32)))
	if err != nil {
		t.Fatal(err)
	}
	// Registered 2026-08-30: the 13-week survey falls due on 2026-11-29,
	// within four weeks of the clock's 2026-11-22.
	carers := "client_ref,registration_date,employment_status,consent_followup\nC1,2026-08-30,UNEMPLOYED,Y\nC2,2026-08-30,UNEMPLOYED,N\n"
	_, err = ingest.Run(ctx, ingest.Config{Standard: std, Lake: h.lake, Key: key, Limits: tabular.DefaultLimits(), TempDir: t.TempDir()},
		ingest.Request{Org: "LEEDS-CC", Period: pipeline.Period{Year: 2026, Quarter: 3}, Files: []ingest.File{{Name: "carers.csv", Data: strings.NewReader(carers), Size: int64(len(carers))}}})
	if err != nil {
		t.Fatal(err)
	}
	resp, _ := h.Handle(ctx, request("GET", "/uploads/due", "LEEDS-CC", ""))
	var got dueList
	if err := json.Unmarshal([]byte(resp.Body), &got); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("%d %s", resp.StatusCode, resp.Body)
	}
	if got.On != "2026-11-22" || len(got.Surveys) != 1 {
		t.Fatalf("due list %+v", got)
	}
	d := got.Surveys[0]
	if d.Wave != "W13" || d.DueOn != "2026-11-29" || d.Status != "due" || d.File != "carers.csv" || d.Row != 2 || d.RegisteredOn != "2026-08-30" {
		t.Fatalf("due %+v", d)
	}
	if strings.Contains(resp.Body, "C1") {
		t.Fatalf("the answer names the carer: %s", resp.Body)
	}
	// The task list page's route has the same list beside the return.
	resp, _ = h.Handle(ctx, request("GET", "/returns", "LEEDS-CC", ""))
	var ret struct {
		Org        string              `json:"org"`
		SurveysDue []surveys.DueSurvey `json:"surveys_due"`
	}
	if err := json.Unmarshal([]byte(resp.Body), &ret); err != nil || resp.StatusCode != http.StatusOK || ret.Org != "LEEDS-CC" ||
		len(ret.SurveysDue) != 1 || ret.SurveysDue[0] != d {
		t.Fatalf("GET /returns: %d %s", resp.StatusCode, resp.Body)
	}
	// Another organisation's list is its own, and empty.
	resp, _ = h.Handle(ctx, request("GET", "/uploads/due", "BRISTOL-CW", ""))
	if err := json.Unmarshal([]byte(resp.Body), &got); err != nil || resp.StatusCode != http.StatusOK || len(got.Surveys) != 0 {
		t.Fatalf("%d %s", resp.StatusCode, resp.Body)
	}
	resp, _ = h.Handle(ctx, request("GET", "/uploads/survey-rejections", "LEEDS-CC", ""))
	if resp.StatusCode != http.StatusOK || resp.Body != `{"rejected":[],"held":[]}` {
		t.Fatalf("%d %s", resp.StatusCode, resp.Body)
	}
	if resp, _ := h.Handle(ctx, request("POST", "/uploads/due", "LEEDS-CC", "")); resp.StatusCode != http.StatusMethodNotAllowed {
		t.Fatalf("POST: %d", resp.StatusCode)
	}
}

// failingList is a store whose List fails with err.
type failingList struct {
	lake.Store
	err error
}

func (s failingList) List(context.Context, string) ([]lake.Object, error) { return nil, s.err }

// TestHandler_ErrorKinds checks the table from the domain's error kinds to
// HTTP statuses: what the caller may read is answered, any other cause is
// not.
func TestHandler_ErrorKinds(t *testing.T) {
	tests := []struct {
		kind   pipeline.ErrorKind
		status int
		told   bool
	}{
		{pipeline.Invalid, http.StatusBadRequest, true},
		{pipeline.NotFound, http.StatusNotFound, true},
		{pipeline.Conflict, http.StatusConflict, false},
		{pipeline.Transient, http.StatusServiceUnavailable, false},
		{pipeline.Internal, http.StatusInternalServerError, false},
	}
	for _, tt := range tests {
		t.Run(tt.kind.String(), func(t *testing.T) {
			h, _ := newTestHandler(t, testConfig())
			h.landing = failingList{h.landing, fmt.Errorf("wrapped: %w", pipeline.Errorf(tt.kind, "the cause"))}
			resp, err := h.Handle(context.Background(), request("GET", "/uploads", "LEEDS-CC", ""))
			if err != nil || resp.StatusCode != tt.status {
				t.Fatalf("%d %s %v, want %d", resp.StatusCode, resp.Body, err, tt.status)
			}
			if told := strings.Contains(resp.Body, "the cause"); told != tt.told {
				t.Errorf("body %s: cause told %v, want %v", resp.Body, told, tt.told)
			}
		})
	}
	// The answers that are no domain error: a method a route does not serve.
	h, _ := newTestHandler(t, testConfig())
	resp, _ := h.Handle(context.Background(), request("DELETE", "/uploads", "LEEDS-CC", ""))
	if resp.StatusCode != http.StatusMethodNotAllowed || resp.Headers["Allow"] != "GET, POST" || !strings.Contains(resp.Body, "use GET or POST") {
		t.Errorf("DELETE /uploads: %d %v %s", resp.StatusCode, resp.Headers, resp.Body)
	}
}
