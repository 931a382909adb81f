package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/carer-outcomes/carer-outcomes/internal/functest"
	"github.com/carer-outcomes/carer-outcomes/internal/lambdatest"
	"github.com/carer-outcomes/carer-outcomes/pipeline"
	"github.com/carer-outcomes/carer-outcomes/pipeline/lake"
	"github.com/carer-outcomes/carer-outcomes/pipeline/landing"
	"github.com/carer-outcomes/carer-outcomes/pipeline/standard/standardtest"
	"github.com/carer-outcomes/carer-outcomes/storage/s3store"
)

const pkg = "github.com/carer-outcomes/carer-outcomes/functions/uploads"

type fixture struct {
	s3      *functest.S3
	client  *s3.Client
	lake    *lake.Lake
	runtime *lambdatest.Runtime
}

// setup runs the function's bootstrap against a local S3 with the buckets
// landing and lake.
func setup(t *testing.T) *fixture {
	t.Helper()
	srv := functest.StartS3(t, "landing", "lake")
	fn := srv.Run(t, pkg, "LANDING_BUCKET=landing", "LAKE_BUCKET=lake")
	return &fixture{s3: srv, client: srv.Client, lake: &lake.Lake{Store: s3store.NewFromClient(srv.Client, "lake", "")}, runtime: fn.Runtime}
}

// event fills in a fixture of testdata/events; the body is escaped as a
// JSON string.
func event(tb testing.TB, name string, vars map[string]string) []byte {
	tb.Helper()
	b, err := os.ReadFile("../../testdata/events/" + name)
	if err != nil {
		tb.Fatal(err)
	}
	s := string(b)
	for k, v := range vars {
		if k == "BODY" {
			q, _ := json.Marshal(v)
			v = string(q[1 : len(q)-1])
		}
		s = strings.ReplaceAll(s, "{{"+k+"}}", v)
	}
	if strings.Contains(s, "{{") {
		tb.Fatalf("%s: a placeholder is left: %s", name, s)
	}
	return []byte(s)
}

// edit changes an event as a JSON tree.
func edit(tb testing.TB, ev []byte, fn func(m map[string]any)) []byte {
	tb.Helper()
	var m map[string]any
	if err := json.Unmarshal(ev, &m); err != nil {
		tb.Fatal(err)
	}
	fn(m)
	b, err := json.Marshal(m)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

func claims(m map[string]any) map[string]any {
	return m["requestContext"].(map[string]any)["authorizer"].(map[string]any)["jwt"].(map[string]any)["claims"].(map[string]any)
}

func (f *fixture) invoke(tb testing.TB, ev []byte) events.APIGatewayV2HTTPResponse {
	tb.Helper()
	res := f.runtime.Invoke(tb, ev, time.Minute)
	if res.Error != nil {
		tb.Fatalf("the function failed: %s: %s", res.Error.Type, res.Error.Message)
	}
	var resp events.APIGatewayV2HTTPResponse
	if err := json.Unmarshal(res.Response, &resp); err != nil {
		tb.Fatalf("response %s: %v", res.Response, err)
	}
	if ct := resp.Headers["Content-Type"]; ct != "application/json" {
		tb.Errorf("Content-Type %q", ct)
	}
	return resp
}

// decode reads a response body, which must have the status want.
func decode(tb testing.TB, resp events.APIGatewayV2HTTPResponse, want int, v any) {
	tb.Helper()
	if resp.StatusCode != want {
		tb.Fatalf("status %d, want %d: %s", resp.StatusCode, want, resp.Body)
	}
	if err := json.Unmarshal([]byte(resp.Body), v); err != nil {
		tb.Fatalf("body %s: %v", resp.Body, err)
	}
}

func (f *fixture) post(tb testing.TB, org, body string) events.APIGatewayV2HTTPResponse {
	tb.Helper()
	return f.invoke(tb, event(tb, "apigw-post-uploads.json", map[string]string{"ORG": org, "BODY": body}))
}

func (f *fixture) landingKeys(tb testing.TB, prefix string) []string {
	tb.Helper()
	out, err := f.client.ListObjectsV2(context.Background(), &s3.ListObjectsV2Input{Bucket: aws.String("landing"), Prefix: aws.String(prefix)})
	if err != nil {
		tb.Fatal(err)
	}
	var keys []string
	for _, o := range out.Contents {
		keys = append(keys, aws.ToString(o.Key))
	}
	return keys
}

func put(tb testing.TB, u createResponse, contentLength string, body []byte) int {
	tb.Helper()
	req, err := http.NewRequest(u.Method, u.URL, bytes.NewReader(body))
	if err != nil {
		tb.Fatal(err)
	}
	for k, v := range u.Headers {
		req.Header.Set(k, v)
	}
	req.ContentLength, _ = strconv.ParseInt(contentLength, 10, 64)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

func TestUploads_Post(t *testing.T) {
	f := setup(t)
	now := time.Now().UTC()
	period := pipeline.PeriodOf(now).String()
	data := []byte("client_ref,registration_date,employment_status,consent_followup\nC001,2026-10-01,UNEMPLOYED,Y\n")

	// The body names another organisation: the key is the token's all the same.
	body, _ := json.Marshal(map[string]any{"period": period, "filename": "carers.csv", "size": len(data), "org": "OTHER-ORG"})
	var u createResponse
	decode(t, f.post(t, "TEST-ORG", string(body)), http.StatusCreated, &u)
	if !regexp.MustCompile(`^[0-9a-f]{32}$`).MatchString(u.ID) {
		t.Errorf("id %q", u.ID)
	}
	if want := "landing/org=TEST-ORG/period=" + period + "/" + u.ID + "/carers.csv"; u.Key != want {
		t.Errorf("key %q, want %q", u.Key, want)
	}
	if u.Method != http.MethodPut || u.Headers["Content-Length"] != strconv.Itoa(len(data)) {
		t.Errorf("method %q headers %v", u.Method, u.Headers)
	}
	if d := u.ExpiresAt.Sub(now); d < 14*time.Minute || d > 16*time.Minute {
		t.Errorf("expires_at %v, %v from now", u.ExpiresAt, d)
	}

	t.Run("a body of another size is refused", func(t *testing.T) {
		longer := append(append([]byte{}, data...), "C002,2026-10-02,UNEMPLOYED,Y\n"...)
		if code := put(t, u, strconv.Itoa(len(longer)), longer); code != http.StatusForbidden {
			t.Errorf("PUT of %d bytes to a URL signed for %d: %d", len(longer), len(data), code)
		}
		if code := put(t, u, strconv.Itoa(len(data)-1), data[:len(data)-1]); code != http.StatusForbidden {
			t.Errorf("PUT of %d bytes to a URL signed for %d: %d", len(data)-1, len(data), code)
		}
		if keys := f.landingKeys(t, "landing/"); len(keys) != 0 {
			t.Errorf("landed %q", keys)
		}
	})

	t.Run("the file lands under the token's organisation", func(t *testing.T) {
		if code := put(t, u, u.Headers["Content-Length"], data); code != http.StatusOK {
			t.Fatalf("PUT: %d", code)
		}
		obj, err := f.client.GetObject(context.Background(), &s3.GetObjectInput{Bucket: aws.String("landing"), Key: aws.String(u.Key)})
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(obj.Body)
		obj.Body.Close()
		if !bytes.Equal(got, data) {
			t.Errorf("landed %q", got)
		}
		if keys := f.landingKeys(t, "landing/org=OTHER-ORG/"); len(keys) != 0 {
			t.Errorf("landed for the body's org: %q", keys)
		}
		if _, err := landing.Parse(standardtest.Load(t), u.Key); err != nil {
			t.Errorf("the ingest function would refuse the key: %v", err)
		}
	})

	t.Run("bad requests", func(t *testing.T) {
		next := pipeline.PeriodOf(now).Next().String()
		for _, tc := range []struct{ name, body, want string }{
			{"a future quarter", `{"period":"` + next + `","filename":"carers.csv","size":10}`, "not started"},
			{"before 2000", `{"period":"1999-Q4","filename":"carers.csv","size":10}`, "2000"},
			{"not a quarter", `{"period":"2026-Q5","filename":"carers.csv","size":10}`, "YYYY-Qn"},
			{"no quarter", `{"filename":"carers.csv","size":10}`, "YYYY-Qn"},
			{"a path for a name", `{"period":"` + period + `","filename":"../carers.csv","size":10}`, "file name"},
			{"not csv or xlsx", `{"period":"` + period + `","filename":"carers.exe","size":10}`, "file name"},
			{"too large", `{"period":"` + period + `","filename":"carers.csv","size":52428801}`, "at most 50 MB"},
			{"empty", `{"period":"` + period + `","filename":"carers.csv","size":0}`, "size"},
			{"size as text", `{"period":"` + period + `","filename":"carers.csv","size":"10"}`, "whole number"},
			{"not JSON", `{"period":`, "JSON"},
			{"no body", ``, "empty"},
			{"two values", `{} {}`, "more than one"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				var e errorBody
				decode(t, f.post(t, "TEST-ORG", tc.body), http.StatusBadRequest, &e)
				if !strings.Contains(e.Error, tc.want) {
					t.Errorf("error %q, want it to mention %q", e.Error, tc.want)
				}
			})
		}
	})

	t.Run("no organisation in the token", func(t *testing.T) {
		ok := event(t, "apigw-post-uploads.json", map[string]string{"ORG": "TEST-ORG", "BODY": string(body)})
		for _, tc := range []struct {
			name string
			ev   []byte
		}{
			{"no claim", edit(t, ok, func(m map[string]any) { delete(claims(m), "custom:org") })},
			{"lower case", event(t, "apigw-post-uploads.json", map[string]string{"ORG": "test-org", "BODY": string(body)})},
			{"too long", event(t, "apigw-post-uploads.json", map[string]string{"ORG": "A-VERY-LONG-ORGANISATION", "BODY": string(body)})},
			{"no authoriser", edit(t, ok, func(m map[string]any) { delete(m["requestContext"].(map[string]any), "authorizer") })},
		} {
			t.Run(tc.name, func(t *testing.T) {
				var e errorBody
				decode(t, f.invoke(t, tc.ev), http.StatusForbidden, &e)
				if e.Error == "" {
					t.Error("no error message")
				}
			})
		}
	})

	t.Run("other routes", func(t *testing.T) {
		get := event(t, "apigw-get-uploads.json", map[string]string{"ORG": "TEST-ORG"})
		route := func(method, path string) []byte {
			return edit(t, get, func(m map[string]any) {
				m["rawPath"] = path
				h := m["requestContext"].(map[string]any)["http"].(map[string]any)
				h["method"], h["path"] = method, path
			})
		}
		for _, tc := range []struct {
			name string
			ev   []byte
			want int
		}{
			{"DELETE /uploads", route("DELETE", "/uploads"), http.StatusMethodNotAllowed},
			{"PUT /uploads/{id}", route("PUT", "/uploads/0123456789abcdef0123456789abcdef"), http.StatusMethodNotAllowed},
			{"GET /reports", route("GET", "/reports"), http.StatusNotFound},
			{"GET /uploads/a/b", route("GET", "/uploads/a/b"), http.StatusNotFound},
		} {
			t.Run(tc.name, func(t *testing.T) {
				var e errorBody
				decode(t, f.invoke(t, tc.ev), tc.want, &e)
				if e.Error == "" {
					t.Error("no error message")
				}
			})
		}
	})
}

// ingested writes into the lake what the ingest function leaves for a landed
// file: its report, its status and the landing record.
func (f *fixture) ingested(tb testing.TB, org, period, landingID, uploadID, file string, received time.Time, report string) {
	tb.Helper()
	ctx := context.Background()
	if err := f.lake.PutUploadFile(ctx, org, uploadID, "report.json", []byte(report)); err != nil {
		tb.Fatal(err)
	}
	st, _ := json.Marshal(lake.UploadStatus{Org: org, Period: period, UploadID: uploadID, File: file, Status: lake.UploadDone,
		Kinds: []string{"carers"}, Received: received, Done: received.Add(3 * time.Second)})
	if err := f.lake.PutUploadFile(ctx, org, uploadID, "status.json", st); err != nil {
		tb.Fatal(err)
	}
	rec, _ := json.Marshal(landing.Record{LandingID: landingID, UploadID: uploadID, Org: org, Period: period, File: file, Status: lake.UploadDone})
	if _, err := f.lake.Store.Put(ctx, landing.RecordKey(org, landingID), bytes.NewReader(rec), int64(len(rec)), lake.Condition{IfAbsent: true}); err != nil {
		tb.Fatal(err)
	}
}

// landFile puts a file in the landing bucket as an upload URL would.
func (f *fixture) landFile(tb testing.TB, org, period, id, file string) {
	tb.Helper()
	p, err := pipeline.ParsePeriod(period)
	if err != nil {
		tb.Fatal(err)
	}
	key := landing.Key(landing.Upload{Org: org, Period: p, ID: id, File: file})
	_, err = f.client.PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String("landing"), Key: aws.String(key), Body: strings.NewReader("client_ref\n")})
	if err != nil {
		tb.Fatal(err)
	}
}

func (f *fixture) getOne(tb testing.TB, org, id string) events.APIGatewayV2HTTPResponse {
	tb.Helper()
	return f.invoke(tb, event(tb, "apigw-get-upload.json", map[string]string{"ORG": org, "ID": id}))
}

func (f *fixture) getList(tb testing.TB, org string) []upload {
	tb.Helper()
	var l struct {
		Uploads []upload `json:"uploads"`
	}
	decode(tb, f.invoke(tb, event(tb, "apigw-get-uploads.json", map[string]string{"ORG": org})), http.StatusOK, &l)
	return l.Uploads
}

func TestUploads_Get(t *testing.T) {
	f := setup(t)
	const (
		ingestedID = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		waitingID  = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
		otherID    = "cccccccccccccccccccccccccccccccc"
		missingID  = "dddddddddddddddddddddddddddddddd"
		uploadID   = "5f1c0e9a7b3d2c4e6f8a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e"
		otherUp    = "0e1d2c3b4a5f6e7d8c9b0a1f2e3d4c5b6a7f8e9d0c1b2a3f4e5d6c7b8a9f0e1d"
	)
	report := `{"org":"TEST-ORG","period":"2026-Q3","standard_version":1,"files":[{"file":"carers.csv","format":"csv","tables":[{"kind":"carers","sheet":"","rows":2,"accepted":2,"rejected":0}]}]}`
	received := time.Date(2026, 10, 5, 9, 30, 12, 0, time.UTC)
	f.landFile(t, "TEST-ORG", "2026-Q3", ingestedID, "carers.csv")
	f.ingested(t, "TEST-ORG", "2026-Q3", ingestedID, uploadID, "carers.csv", received, report)
	f.landFile(t, "TEST-ORG", "2026-Q4", waitingID, "support.xlsx")
	f.ingested(t, "OTHER-ORG", "2026-Q3", otherID, otherUp, "finance.csv", received, `{"org":"OTHER-ORG"}`)

	t.Run("the list is the organisation's, newest first", func(t *testing.T) {
		got := f.getList(t, "TEST-ORG")
		if len(got) != 2 {
			t.Fatalf("uploads %+v, want 2", got)
		}
		if w := got[0]; w.ID != waitingID || w.Status != StatusReceived || w.File != "support.xlsx" || w.Period != "2026-Q4" || w.UploadID != "" {
			t.Errorf("first %+v, want the file not yet ingested", w)
		}
		if d := got[1]; d.ID != ingestedID || d.Status != lake.UploadDone || d.UploadID != uploadID || d.Period != "2026-Q3" ||
			!d.ReceivedAt.Equal(received) || d.DoneAt == nil || len(d.Kinds) != 1 {
			t.Errorf("second %+v, want the ingested file", d)
		}
		if got := f.getList(t, "OTHER-ORG"); len(got) != 1 || got[0].ID != otherID {
			t.Errorf("the other organisation's list %+v", got)
		}
		if got := f.getList(t, "NEW-ORG"); len(got) != 0 {
			t.Errorf("an organisation with no uploads: %+v", got)
		}
	})

	t.Run("one upload with its report", func(t *testing.T) {
		var got struct {
			upload
			Report json.RawMessage `json:"report"`
		}
		decode(t, f.getOne(t, "TEST-ORG", ingestedID), http.StatusOK, &got)
		if got.ID != ingestedID || got.Status != lake.UploadDone || got.UploadID != uploadID || got.File != "carers.csv" || got.Period != "2026-Q3" {
			t.Errorf("upload %+v", got.upload)
		}
		var a, b any
		json.Unmarshal([]byte(report), &a)
		json.Unmarshal(got.Report, &b)
		if !bytes.Equal(mustJSON(t, a), mustJSON(t, b)) {
			t.Errorf("report %s, want %s", got.Report, report)
		}
	})

	t.Run("landed, not yet ingested", func(t *testing.T) {
		var got map[string]any
		decode(t, f.getOne(t, "TEST-ORG", waitingID), http.StatusOK, &got)
		if got["status"] != string(StatusReceived) || got["file"] != "support.xlsx" || got["period"] != "2026-Q4" {
			t.Errorf("upload %v", got)
		}
		if _, ok := got["report"]; ok {
			t.Errorf("a report before ingest: %v", got)
		}
	})

	t.Run("another organisation's upload is not found", func(t *testing.T) {
		missing := f.getOne(t, "OTHER-ORG", missingID)
		for _, id := range []string{ingestedID, waitingID, "not-a-landing-id"} {
			resp := f.getOne(t, "OTHER-ORG", id)
			if resp.StatusCode != http.StatusNotFound || resp.Body != missing.Body {
				t.Errorf("GET %s as another organisation: %d %s, want as for a missing one: %d %s", id, resp.StatusCode, resp.Body, missing.StatusCode, missing.Body)
			}
		}
		if missing.StatusCode != http.StatusNotFound {
			t.Errorf("a missing upload: %d", missing.StatusCode)
		}
	})

	t.Run("S3 down is a 503 that says nothing of the cause", func(t *testing.T) {
		f.s3.Stop(t)
		resp := f.invoke(t, event(t, "apigw-get-uploads.json", map[string]string{"ORG": "TEST-ORG"}))
		f.s3.Restart(t)
		var e errorBody
		decode(t, resp, http.StatusServiceUnavailable, &e)
		if strings.Contains(e.Error, "127.0.0.1") || strings.Contains(e.Error, "TEST-ORG") {
			t.Errorf("error %q tells the cause", e.Error)
		}
	})
}

func mustJSON(tb testing.TB, v any) []byte {
	tb.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

func TestUploads_StartupErrors(t *testing.T) {
	bin := lambdatest.Build(t, pkg)
	for _, tc := range []struct {
		name string
		env  []string
		want string
	}{
		{"no lake bucket", []string{"LANDING_BUCKET=landing"}, "LAKE_BUCKET is not set"},
		{"no landing bucket", []string{"LAKE_BUCKET=lake"}, "LANDING_BUCKET is not set"},
		{"a bad TTL", []string{"LAKE_BUCKET=lake", "LANDING_BUCKET=landing", "UPLOAD_URL_TTL=15"}, "UPLOAD_URL_TTL"},
		{"a bad lake prefix", []string{"LAKE_BUCKET=lake", "LANDING_BUCKET=landing", "LAKE_PREFIX=a//b", "S3_ENDPOINT=http://127.0.0.1:9"}, `prefix \"a//b\"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := lambdatest.Start(t).Run(t, bin, tc.env...)
			if out, ok := p.WaitOutput(tc.want, 10*time.Second); !ok {
				t.Errorf("output %q does not say what is wrong", out)
			}
		})
	}
}
