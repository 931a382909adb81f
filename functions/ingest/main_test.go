package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"slices"
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
	"github.com/carer-outcomes/carer-outcomes/storage/s3store"
)

const (
	pkg      = "github.com/carer-outcomes/carer-outcomes/functions/ingest"
	secretID = "arn:aws:secretsmanager:eu-west-2:123456789012:secret:carer-outcomes/pseudonym-key"
	// The function sends its AWS_SESSION_TOKEN to the extension. The S3
	// server would refuse a session token its static keys did not issue, so
	// the test runs without one; keysource's own tests check the header.
	secretToken = ""
	testKey     = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
)

// secretsExtension serves the Parameters and Secrets extension's endpoint,
// answering only a request with the function's session token.
func secretsExtension(tb testing.TB) string {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/secretsmanager/get" || r.URL.Query().Get("secretId") != secretID || r.Header.Get("X-Aws-Parameters-Secrets-Token") != secretToken {
			http.Error(w, "forbidden", http.StatusForbidden)
			return
		}
		json.NewEncoder(w).Encode(map[string]string{"ARN": secretID, "SecretString": testKey})
	})}
	go srv.Serve(ln)
	tb.Cleanup(func() { srv.Close() })
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	return port
}

type fixture struct {
	s3      *functest.S3
	client  *s3.Client
	lake    *lake.Lake
	runtime *lambdatest.Runtime
	proc    *lambdatest.Process
}

func setup(t *testing.T) *fixture {
	t.Helper()
	srv := functest.StartS3(t, "landing", "lake")
	fn := srv.Run(t, pkg, "LAKE_BUCKET=lake", "OUTCOMES_KEY_SECRET_ID="+secretID,
		"PARAMETERS_SECRETS_EXTENSION_HTTP_PORT="+secretsExtension(t))
	return &fixture{s3: srv, client: srv.Client, lake: &lake.Lake{Store: s3store.NewFromClient(srv.Client, "lake", "")},
		runtime: fn.Runtime, proc: fn.Process}
}

// landAt puts a file where the uploads function would, and returns the SQS
// message that S3 would send for it, with the event's time at.
func (f *fixture) landAt(t *testing.T, org, period, id, name string, body []byte, at time.Time) events.SQSMessage {
	t.Helper()
	p, _ := pipeline.ParsePeriod(period)
	key := landing.Key(landing.Upload{Org: org, Period: p, ID: id, File: name})
	if _, err := f.client.PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String("landing"), Key: aws.String(key), Body: bytes.NewReader(body)}); err != nil {
		t.Fatal(err)
	}
	return sqsMessage(t, key, int64(len(body)), at, fmt.Sprintf("msg-%s-%d", id, at.UnixNano()))
}

// land is landAt at the fixture's event time, as a one-message batch.
func (f *fixture) land(t *testing.T, org, period, id, name string, body []byte) []byte {
	t.Helper()
	return batch(t, f.landAt(t, org, period, id, name, body, eventTime))
}

// eventTime is the time of the fixture's S3 event.
var eventTime = time.Date(2026, 10, 5, 9, 30, 12, 345e6, time.UTC)

// sqsMessage is the fixture's SQS message carrying an S3 ObjectCreated
// event, for key with the given size, time and message id.
func sqsMessage(tb testing.TB, key string, size int64, at time.Time, id string) events.SQSMessage {
	tb.Helper()
	tmpl, err := os.ReadFile("../../testdata/events/sqs-s3-object-created.json")
	if err != nil {
		tb.Fatal(err)
	}
	var ev events.SQSEvent
	if err := json.Unmarshal(tmpl, &ev); err != nil || len(ev.Records) != 1 {
		tb.Fatalf("the fixture: %v", err)
	}
	msg := ev.Records[0]
	r := strings.NewReplacer("{{BUCKET}}", "landing", "{{KEY}}", url.QueryEscape(key),
		`"eventTime": "2026-10-05T09:30:12.345Z"`, `"eventTime": "`+at.UTC().Format(time.RFC3339Nano)+`"`,
		`"size": 1024`, fmt.Sprintf(`"size": %d`, size))
	if body := r.Replace(msg.Body); body == msg.Body || !strings.Contains(body, at.UTC().Format(time.RFC3339Nano)) {
		tb.Fatalf("the fixture's body has changed: %s", msg.Body)
	} else {
		msg.Body = body
	}
	msg.MessageId = id
	return msg
}

// batch is an SQS event carrying msgs.
func batch(tb testing.TB, msgs ...events.SQSMessage) []byte {
	tb.Helper()
	b, err := json.Marshal(events.SQSEvent{Records: msgs})
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

func (f *fixture) invoke(t *testing.T, event []byte) events.SQSEventResponse {
	t.Helper()
	res := f.runtime.Invoke(t, event, time.Minute)
	if res.Error != nil {
		t.Fatalf("the function failed: %s: %s", res.Error.Type, res.Error.Message)
	}
	var resp events.SQSEventResponse
	if err := json.Unmarshal(res.Response, &resp); err != nil {
		t.Fatalf("response %s: %v", res.Response, err)
	}
	return resp
}

func (f *fixture) keys(t *testing.T, prefix string) []string {
	t.Helper()
	objs, err := f.lake.Store.List(context.Background(), prefix)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, o := range objs {
		out = append(out, o.Key)
	}
	return out
}

// record reads the landing record the function wrote for a landed file.
func (f *fixture) record(t *testing.T, org, landingID string) landing.Record {
	t.Helper()
	var rec landing.Record
	rc, _, err := f.lake.Store.Get(context.Background(), landing.RecordKey(org, landingID))
	if err != nil {
		t.Fatalf("no landing record of %s: %v", landingID, err)
	}
	defer rc.Close()
	if err := json.NewDecoder(rc).Decode(&rec); err != nil {
		t.Fatal(err)
	}
	return rec
}

func TestIngest_EndToEnd(t *testing.T) {
	f := setup(t)
	carers, err := os.ReadFile("../../testdata/registry/carers.csv")
	if err != nil {
		t.Fatal(err)
	}
	ev := f.land(t, "TEST-ORG", "2026-Q3", "0123456789abcdef0123456789abcdef", "carers.csv", carers)
	// Delivered twice, as SQS may: one curated file, the same lake.
	for i := range 2 {
		if resp := f.invoke(t, ev); len(resp.BatchItemFailures) != 0 {
			t.Fatalf("delivery %d: failures %+v", i+1, resp.BatchItemFailures)
		}
	}
	files := f.keys(t, "curated/")
	if len(files) != 1 || !strings.HasPrefix(files[0], "curated/carers/org=TEST-ORG/period=2026-Q3/") {
		t.Fatalf("curated files = %q", files)
	}
	rec := f.record(t, "TEST-ORG", "0123456789abcdef0123456789abcdef")
	st, ok, err := f.lake.Status(context.Background(), "TEST-ORG", rec.UploadID)
	if err != nil || !ok || st.Status != lake.UploadDone || rec.Status != lake.UploadDone {
		t.Errorf("status %+v %v %v, landing record %+v", st, ok, err, rec)
	}

	t.Run("the uploads function returns the report to its organisation only", func(t *testing.T) {
		rt := f.s3.Run(t, "github.com/carer-outcomes/carer-outcomes/functions/uploads", "LANDING_BUCKET=landing", "LAKE_BUCKET=lake").Runtime
		tmpl, err := os.ReadFile("../../testdata/events/apigw-get-upload.json")
		if err != nil {
			t.Fatal(err)
		}
		get := func(org string) events.APIGatewayV2HTTPResponse {
			ev := strings.NewReplacer("{{ORG}}", org, "{{ID}}", "0123456789abcdef0123456789abcdef").Replace(string(tmpl))
			res := rt.Invoke(t, []byte(ev), time.Minute)
			if res.Error != nil {
				t.Fatalf("uploads failed: %+v", res.Error)
			}
			var resp events.APIGatewayV2HTTPResponse
			if err := json.Unmarshal(res.Response, &resp); err != nil {
				t.Fatal(err)
			}
			return resp
		}
		own := get("TEST-ORG")
		var body struct {
			Status   string `json:"status"`
			UploadID string `json:"upload_id"`
			Report   struct {
				Files []struct {
					Tables []struct {
						Kind     string `json:"kind"`
						Accepted int    `json:"accepted"`
					} `json:"tables"`
				} `json:"files"`
			} `json:"report"`
		}
		if err := json.Unmarshal([]byte(own.Body), &body); err != nil || own.StatusCode != 200 {
			t.Fatalf("own organisation: %d %s", own.StatusCode, own.Body)
		}
		if body.Status != string(lake.UploadDone) || body.UploadID != rec.UploadID || len(body.Report.Files) != 1 || body.Report.Files[0].Tables[0].Accepted != 10 {
			t.Errorf("own organisation's answer: %s", own.Body)
		}
		if other := get("OTHER-ORG"); other.StatusCode != 404 || strings.Contains(other.Body, rec.UploadID) {
			t.Errorf("another organisation: %d %s", other.StatusCode, other.Body)
		}
	})

	t.Run("an invalid file is reported, not retried", func(t *testing.T) {
		const id = "11111111111111111111111111111111"
		ev := f.land(t, "TEST-ORG", "2026-Q3", id, "photo.csv", []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"))
		if resp := f.invoke(t, ev); len(resp.BatchItemFailures) != 0 {
			t.Errorf("an invalid file was retried: %+v", resp.BatchItemFailures)
		}
		// This file's own record, status and report: not any report.
		rec := f.record(t, "TEST-ORG", id)
		st, ok, err := f.lake.Status(context.Background(), "TEST-ORG", rec.UploadID)
		if rec.Status != lake.UploadRejected || err != nil || !ok || st.Status != lake.UploadRejected || st.File != "photo.csv" {
			t.Errorf("landing record %+v, status %+v %v %v: want photo.csv rejected", rec, st, ok, err)
		}
		if !slices.Contains(f.keys(t, "uploads/TEST-ORG/"), lake.UploadKey("TEST-ORG", rec.UploadID, "report.html")) {
			t.Error("no report of photo.csv")
		}
	})

	t.Run("the test event is ignored, in a batch with a file that is not", func(t *testing.T) {
		tmpl, _ := os.ReadFile("../../testdata/events/sqs-s3-test-event.json")
		var test events.SQSEvent
		if err := json.Unmarshal([]byte(strings.ReplaceAll(string(tmpl), "{{BUCKET}}", "landing")), &test); err != nil {
			t.Fatal(err)
		}
		const id = "33333333333333333333333333333333"
		good := f.landAt(t, "TEST-ORG", "2026-Q2", id, "carers.csv", carers, eventTime)
		if resp := f.invoke(t, batch(t, test.Records[0], good)); len(resp.BatchItemFailures) != 0 {
			t.Errorf("failures %+v", resp.BatchItemFailures)
		}
		if rec := f.record(t, "TEST-ORG", id); rec.Status != lake.UploadDone {
			t.Errorf("the file beside the test event: %+v", rec)
		}
	})

	t.Run("S3 down means retry, and the retry leaves a clean lake", func(t *testing.T) {
		support := []byte("client_ref,date,activity\nC001,2026-07-03,CV_WRITING\nC002,2026-07-04,JOB_SEARCH\n")
		ev := f.land(t, "TEST-ORG", "2026-Q3", "22222222222222222222222222222222", "support.csv", support)
		f.s3.Stop(t)
		resp := f.invoke(t, ev)
		f.s3.Restart(t)
		if len(resp.BatchItemFailures) != 1 {
			t.Fatalf("with S3 down: failures %+v, want the message back for a retry", resp.BatchItemFailures)
		}
		if resp := f.invoke(t, ev); len(resp.BatchItemFailures) != 0 {
			t.Fatalf("the retry failed: %+v", resp.BatchItemFailures)
		}
		support1 := f.keys(t, "curated/support/")
		if len(support1) != 1 {
			t.Errorf("curated support files after the retry: %q", support1)
		}
	})
}

func TestIngest_StartupErrors(t *testing.T) {
	p := lambdatest.Start(t).Run(t, lambdatest.Build(t, pkg)) // no LAKE_BUCKET
	if out, ok := p.WaitOutput("LAKE_BUCKET is not set", 10*time.Second); !ok {
		t.Errorf("output %q does not say what is missing", out)
	}
}

// BenchmarkIngest_ColdStart measures the time from starting the bootstrap to
// its first request for an invocation: configuration, the key from the
// secrets extension, the standard and the S3 clients are all set up by then.
func BenchmarkIngest_ColdStart(b *testing.B) {
	bin := lambdatest.Build(b, pkg)
	port := secretsExtension(b)
	st, err := os.Stat(bin)
	if err != nil {
		b.Fatal(err)
	}
	var total time.Duration
	for i := 0; i < b.N; i++ {
		rt := lambdatest.Start(b)
		p := rt.Run(b, bin, "AWS_ACCESS_KEY_ID=x", "AWS_SECRET_ACCESS_KEY=y", "LAKE_BUCKET=lake",
			"S3_ENDPOINT=http://127.0.0.1:1", "S3_PATH_STYLE=true",
			"OUTCOMES_KEY_SECRET_ID="+secretID, "PARAMETERS_SECRETS_EXTENSION_HTTP_PORT="+port)
		total += rt.NextPolled(b, 10*time.Second).Sub(p.Started)
	}
	b.ReportMetric(float64(total.Microseconds())/1000/float64(b.N), "ms-to-next")
	b.ReportMetric(float64(st.Size())/(1<<20), "bootstrap-MB")
}
