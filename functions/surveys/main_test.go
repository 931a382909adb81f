package main

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/carer-outcomes/carer-outcomes/internal/functest"
	"github.com/carer-outcomes/carer-outcomes/internal/lambdatest"
	"github.com/carer-outcomes/carer-outcomes/pipeline"
	"github.com/carer-outcomes/carer-outcomes/pipeline/ingest"
	"github.com/carer-outcomes/carer-outcomes/pipeline/lake"
	"github.com/carer-outcomes/carer-outcomes/pipeline/metrics/lakedata"
	"github.com/carer-outcomes/carer-outcomes/pipeline/pseudonym"
	"github.com/carer-outcomes/carer-outcomes/pipeline/standard"
	"github.com/carer-outcomes/carer-outcomes/pipeline/surveys"
	"github.com/carer-outcomes/carer-outcomes/pipeline/tabular"
	"github.com/carer-outcomes/carer-outcomes/storage/s3store"
	"github.com/carer-outcomes/carer-outcomes/webhook"
)

const (
	pkg          = "github.com/carer-outcomes/carer-outcomes/functions/surveys"
	keySecretID  = "carer-outcomes/pseudonym-key"
	secretPrefix = "carer-outcomes/webhooks/"
	testKey      = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
	queueURL     = "https://sqs.eu-west-2.amazonaws.com/000000000000/surveys"
)

// The fixture of each tool and the form it is for.
var fixtures = []struct{ tool, form, file string }{
	{surveys.Typeform, "w26-typeform", "typeform.json"},
	{surveys.Tally, "w13-tally", "tally.json"},
	{surveys.SmartSurvey, "w52-smartsurvey", "smartsurvey.json"},
	{surveys.MSForms, "followup-msforms", "msforms.json"},
	{surveys.Kobo, "outreach-kobo", "kobo.json"},
	{surveys.Generic, "paper-generic", "generic.json"},
}

func formSecret(form string) string { return "webhook-secret-of-" + form }

// secretsExtension serves the Parameters and Secrets extension: the
// pseudonymisation key and each form's webhook secret; any other secret
// is not found, as Secrets Manager answers.
func secretsExtension(tb testing.TB) string {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.URL.Query().Get("secretId")
		var v string
		switch {
		case r.URL.Path != "/secretsmanager/get":
			http.Error(w, "not found", http.StatusNotFound)
			return
		case id == keySecretID:
			v = testKey
		case strings.HasPrefix(id, secretPrefix+"LEEDS-CC/"):
			v = formSecret(strings.TrimPrefix(id, secretPrefix+"LEEDS-CC/"))
		default:
			http.Error(w, `{"__type":"ResourceNotFoundException"}`, http.StatusBadRequest)
			return
		}
		json.NewEncoder(w).Encode(map[string]string{"SecretString": v})
	})}
	go srv.Serve(ln)
	tb.Cleanup(func() { srv.Close() })
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	return port
}

// sqsServer serves SQS's SendMessage (the JSON protocol the SDK speaks)
// on 127.0.0.1 and keeps the bodies sent.
type sqsServer struct {
	URL  string
	mu   sync.Mutex
	sent []string
}

func startSQS(tb testing.TB) *sqsServer {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	s := &sqsServer{URL: "http://" + ln.Addr().String()}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in struct{ QueueUrl, MessageBody string }
		if r.Header.Get("X-Amz-Target") != "AmazonSQS.SendMessage" || json.NewDecoder(r.Body).Decode(&in) != nil || in.QueueUrl != queueURL {
			w.WriteHeader(http.StatusBadRequest)
			io.WriteString(w, `{"__type":"com.amazonaws.sqs#InvalidAddress","message":"bad request"}`)
			return
		}
		s.mu.Lock()
		s.sent = append(s.sent, in.MessageBody)
		n := len(s.sent)
		s.mu.Unlock()
		sum := md5.Sum([]byte(in.MessageBody))
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
		json.NewEncoder(w).Encode(map[string]string{"MessageId": fmt.Sprintf("msg-%d", n), "MD5OfMessageBody": hex.EncodeToString(sum[:])})
	})}
	go srv.Serve(ln)
	tb.Cleanup(func() { srv.Close() })
	return s
}

func (s *sqsServer) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.sent)
}

// take returns the messages sent since the last take, as SQS records.
func (s *sqsServer) take() []events.SQSMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]events.SQSMessage, len(s.sent))
	for i, b := range s.sent {
		out[i] = events.SQSMessage{MessageId: fmt.Sprintf("m%d-%d", time.Now().UnixNano(), i), Body: b, EventSource: "aws:sqs"}
	}
	s.sent = nil
	return out
}

type fixture struct {
	s3       *functest.S3
	sqs      *sqsServer
	lake     *lake.Lake
	std      *standard.Standard
	webhook  *lambdatest.Runtime
	consumer *lambdatest.Runtime
	compact  *lambdatest.Runtime
}

// setup runs the webhook, consumer and compaction handlers, procs processes
// of each of the first two, against versitygw, the SQS server and the
// secrets extension, with LEEDS-CC's carers return in the lake.
func setup(t *testing.T, procs int) *fixture {
	t.Helper()
	srv := functest.StartS3(t, "lake")
	q := startSQS(t)
	port := secretsExtension(t)
	consortiumFile, err := filepath.Abs("../../testdata/consortium/surveys.json")
	if err != nil {
		t.Fatal(err)
	}
	bin := lambdatest.Build(t, pkg)
	base := []string{"AWS_ACCESS_KEY_ID=" + srv.AccessKey, "AWS_SECRET_ACCESS_KEY=" + srv.SecretKey, "AWS_REGION=" + srv.Region,
		"S3_ENDPOINT=" + srv.Endpoint, "S3_PATH_STYLE=true", "LAKE_BUCKET=lake"}
	run := func(n int, env ...string) *lambdatest.Runtime {
		rt := lambdatest.Start(t)
		for range n {
			rt.Run(t, bin, append(slices.Clone(base), env...)...)
		}
		return rt
	}
	std, err := standard.Latest()
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{s3: srv, sqs: q, lake: &lake.Lake{Store: s3store.NewFromClient(srv.Client, "lake", "")}, std: std,
		webhook: run(procs, "SURVEYS_HANDLER=webhook", "SURVEY_QUEUE_URL="+queueURL, "SQS_ENDPOINT="+q.URL,
			"CONSORTIUM_FILE="+consortiumFile, "WEBHOOK_SECRET_PREFIX="+secretPrefix, "OUTCOMES_KEY_SECRET_ID="+keySecretID,
			"PARAMETERS_SECRETS_EXTENSION_HTTP_PORT="+port),
		consumer: run(procs, "SURVEYS_HANDLER=consumer"),
		compact:  run(1, "SURVEYS_HANDLER=compact"),
	}
	f.ingest(t, pipeline.Period{Year: 2026, Quarter: 2}, "carers.csv", carersQ1)
	return f
}

func key(tb testing.TB) pseudonym.Key {
	tb.Helper()
	k, err := pseudonym.ParseKey([]byte(testKey))
	if err != nil {
		tb.Fatal(err)
	}
	return k
}

func (f *fixture) ingest(t *testing.T, p pipeline.Period, name, content string) {
	t.Helper()
	cfg := ingest.Config{Standard: f.std, Lake: f.lake, Key: key(t), Limits: tabular.DefaultLimits(), TempDir: t.TempDir()}
	_, err := ingest.Run(context.Background(), cfg, ingest.Request{Org: "LEEDS-CC", Period: p,
		Files: []ingest.File{{Name: name, Data: strings.NewReader(content), Size: int64(len(content))}}})
	if err != nil {
		t.Fatal(err)
	}
}

// deliver sends one delivery through API Gateway's event, as the tool
// would, with the given headers (names in any case; API Gateway lowers
// them), and returns the status.
func (f *fixture) deliver(t *testing.T, form string, body []byte, header map[string]string) int {
	t.Helper()
	code, err := f.post(t, form, body, header)
	if err != nil {
		t.Fatal(err)
	}
	return code
}

// post is deliver for a goroutine of the test's own: it returns a bad
// answer as an error rather than stopping the test from that goroutine.
func (f *fixture) post(t *testing.T, form string, body []byte, header map[string]string) (int, error) {
	hdr := map[string]string{"content-type": "application/json"}
	for k, v := range header {
		hdr[strings.ToLower(k)] = v
	}
	ev := events.APIGatewayV2HTTPRequest{Version: "2.0", RouteKey: "POST /surveys/{org}/{form}", RawPath: "/surveys/LEEDS-CC/" + form,
		Headers: hdr, Body: string(body), PathParameters: map[string]string{"org": "LEEDS-CC", "form": form}}
	ev.RequestContext.HTTP.Method = http.MethodPost
	ev.RequestContext.DomainName = "surveys.example.org"
	b, err := json.Marshal(ev)
	if err != nil {
		return 0, err
	}
	res := f.webhook.Invoke(t, b, time.Minute)
	if res.Error != nil {
		return 0, fmt.Errorf("the webhook failed: %s: %s", res.Error.Type, res.Error.Message)
	}
	var resp events.APIGatewayV2HTTPResponse
	if err := json.Unmarshal(res.Response, &resp); err != nil {
		return 0, fmt.Errorf("response %s: %v", res.Response, err)
	}
	return resp.StatusCode, nil
}

// signed is the header a tool sends with body.
func signed(tool string, secret, body []byte) map[string]string {
	name, value := webhook.Sign(tool, secret, body)
	return map[string]string{name: value}
}

// consume hands SQS records to the consumer function in one event.
func (f *fixture) consume(t *testing.T, recs []events.SQSMessage) {
	t.Helper()
	b, err := json.Marshal(events.SQSEvent{Records: recs})
	if err != nil {
		t.Fatal(err)
	}
	res := f.consumer.Invoke(t, b, time.Minute)
	if res.Error != nil {
		t.Fatalf("the consumer failed: %s: %s", res.Error.Type, res.Error.Message)
	}
	var resp events.SQSEventResponse
	if err := json.Unmarshal(res.Response, &resp); err != nil || len(resp.BatchItemFailures) != 0 {
		t.Fatalf("consumer answered %s (%v)", res.Response, err)
	}
}

// rows reads the survey responses from the lake on versitygw as the
// metrics do: client reference (found from the pseudonym), wave, date and
// employment status, sorted.
func (f *fixture) rows(t *testing.T, refs []string) []string {
	t.Helper()
	ds, err := lakedata.Load(context.Background(), f.lake, f.std, "LEEDS-CC")
	if err != nil {
		t.Fatal(err)
	}
	h, err := key(t).For("LEEDS-CC")
	if err != nil {
		t.Fatal(err)
	}
	byID := map[string]string{}
	for _, r := range refs {
		byID[string(h.CarerID([]byte(r)))] = r
	}
	var out []string
	for _, fu := range ds.Followups {
		if fu.Survey {
			out = append(out, fmt.Sprintf("%s %s %s %s", byID[fu.CarerID], fu.Wave, fu.Date, fu.EmploymentStatus))
		}
	}
	slices.Sort(out)
	return out
}

// C001 to C006 are registered; C007's registration arrives in a later
// carers return, after its response.
const (
	carersQ1 = "client_ref,registration_date,employment_status,consent_followup\n" +
		"C001,2025-12-01,UNEMPLOYED,Y\nC002,2026-04-01,INACTIVE_CARING,Y\nC003,2025-06-02,UNEMPLOYED,Y\n" +
		"C004,2025-07-01,UNEMPLOYED,Y\nC005,2025-08-20,UNEMPLOYED,Y\nC006,2024-08-01,UNEMPLOYED,Y\n"
	carersQ3 = "client_ref,registration_date,employment_status,consent_followup\nC007,2026-09-01,EMPLOYED_PT,Y\n"
)

var fixtureRefs = []string{"C001", "C002", "C003", "C004", "C005", "C006", "C007"}

// The rows the fixtures stand for, by hand from the fixture files and
// testdata/consortium/surveys.json.
var wantRows = []string{
	"C001 W26 2026-07-14 EMPLOYED_PT",
	"C002 W13 2026-07-15 INACTIVE_CARING",
	"C003 W52 2026-08-03 SELF_EMPLOYED",
	"C004 W52 2026-08-04 UNEMPLOYED",
	"C005 W52 2026-09-02 EMPLOYED_FT",
	"C006 W104 2026-09-10 TRAINING",
}

func readFixture(tb testing.TB, name string) []byte {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "events", "surveys", name))
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// Every tool's fixture: a bad, missing or replayed signature, or a
// tampered body, is refused and nothing is queued; valid deliveries,
// delivered twice and consumed out of order, end with exactly the rows the
// fixtures stand for; the response of a carer not registered yet is
// accepted once the carers return lands; compaction leaves one file with
// the same rows.
func TestSurveys_EndToEnd(t *testing.T) {
	f := setup(t, 1)
	for _, fx := range fixtures {
		body := readFixture(t, fx.file)
		secret := []byte(formSecret(fx.form))
		tampered := bytes.Replace(body, []byte("C00"), []byte("C09"), 1)
		name, valid := webhook.Sign(fx.tool, secret, body)
		_, wrong := webhook.Sign(fx.tool, []byte("not-the-secret"), body)
		cases := []struct {
			name   string
			body   []byte
			header map[string]string
			want   int
		}{
			{"wrong secret", body, map[string]string{name: wrong}, http.StatusUnauthorized},
			{"missing signature", body, map[string]string{}, http.StatusUnauthorized},
			{"tampered body", tampered, map[string]string{name: valid}, http.StatusUnauthorized},
			{"valid", body, map[string]string{name: valid}, http.StatusOK},
			{"replay", body, map[string]string{name: valid}, http.StatusOK},
		}
		if fx.tool == surveys.MSForms || fx.tool == surveys.Kobo {
			cases = slices.Delete(cases, 2, 3) // a secret header does not cover the body
		}
		for _, c := range cases {
			before := f.sqs.count()
			if code := f.deliver(t, fx.form, c.body, c.header); code != c.want {
				t.Fatalf("%s %s: status %d, want %d", fx.tool, c.name, code, c.want)
			}
			if queued := f.sqs.count() - before; (queued > 0) != (c.want == http.StatusOK) {
				t.Fatalf("%s %s: %d messages queued", fx.tool, c.name, queued)
			}
		}
	}
	if code := f.deliver(t, "no-such-form", readFixture(t, "typeform.json"), map[string]string{}); code != http.StatusNotFound {
		t.Fatalf("unknown form: status %d", code)
	}
	recs := f.sqs.take()
	if len(recs) != 2*len(fixtures) {
		t.Fatalf("%d messages queued, want %d", len(recs), 2*len(fixtures))
	}
	// Out of order, a message an invocation, each twice.
	slices.Reverse(recs)
	for _, r := range append(slices.Clone(recs), recs...) {
		f.consume(t, []events.SQSMessage{r})
	}
	if got := f.rows(t, fixtureRefs); !slices.Equal(got, wantRows) {
		t.Fatalf("rows\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(wantRows, "\n"))
	}

	f.ingest(t, pipeline.Period{Year: 2026, Quarter: 3}, "carers-q3.csv", carersQ3)
	want := append(slices.Clone(wantRows), "C007 BASELINE 2026-09-18 EMPLOYED_PT")
	slices.Sort(want)
	if got := f.rows(t, fixtureRefs); !slices.Equal(got, want) {
		t.Fatalf("rows after the carers return\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	res := f.compact.Invoke(t, []byte(`{"source":"aws.scheduler"}`), time.Minute)
	if res.Error != nil {
		t.Fatalf("compaction failed: %+v", res.Error)
	}
	objs, err := f.lake.Store.List(context.Background(), "surveys/responses/")
	if err != nil {
		t.Fatal(err)
	}
	if len(objs) != 1 {
		t.Fatalf("%d files after compaction, want 1 (one partition)", len(objs))
	}
	if got := f.rows(t, fixtureRefs); !slices.Equal(got, want) {
		t.Fatalf("rows after compaction\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// bigCarers registers S0001 to S1000 on 5 January 2026.
func bigCarers(n int) string {
	var b strings.Builder
	b.WriteString("client_ref,registration_date,employment_status,consent_followup\n")
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "S%04d,2026-01-05,UNEMPLOYED,Y\n", i)
	}
	return b.String()
}

// smartSurveyBatch is the SmartSurvey fixture's first response, once for
// each of S0001 to S<n>, in one delivery.
func smartSurveyBatch(t *testing.T, n int) []byte {
	t.Helper()
	var batch []map[string]any
	if err := json.Unmarshal(readFixture(t, "smartsurvey.json"), &batch); err != nil {
		t.Fatal(err)
	}
	out := make([]json.RawMessage, n)
	for i := range n {
		b, _ := json.Marshal(batch[0])
		s := strings.Replace(string(b), `"id":310000001`, fmt.Sprintf(`"id":%d`, 320000000+i), 1)
		s = strings.Replace(s, `"value":"C003"`, fmt.Sprintf(`"value":"S%04d"`, i+1), 1)
		out[i] = json.RawMessage(s)
	}
	b, err := json.Marshal(out)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// A SmartSurvey batch of 1,000 responses is one delivery, queued in
// several messages and written whole; 50 deliveries at once to four
// webhook processes, consumed by four consumer processes at once, add
// exactly 50 rows.
func TestSurveys_BatchAndConcurrency(t *testing.T) {
	f := setup(t, 4)
	f.ingest(t, pipeline.Period{Year: 2026, Quarter: 1}, "carers-big.csv", bigCarers(1000))
	refs := make([]string, 1000)
	for i := range refs {
		refs[i] = fmt.Sprintf("S%04d", i+1)
	}

	body := smartSurveyBatch(t, 1000)
	if code := f.deliver(t, "w52-smartsurvey", body, signed(surveys.SmartSurvey, []byte(formSecret("w52-smartsurvey")), body)); code != http.StatusOK {
		t.Fatalf("the batch: status %d", code)
	}
	recs := f.sqs.take()
	if len(recs) < 2 {
		t.Fatalf("1,000 responses in %d messages", len(recs))
	}
	f.consume(t, recs)
	got := f.rows(t, refs)
	if len(got) != 1000 || got[0] != "S0001 W52 2026-08-03 SELF_EMPLOYED" || got[999] != "S1000 W52 2026-08-03 SELF_EMPLOYED" {
		t.Fatalf("%d rows: first %q", len(got), got[:min(3, len(got))])
	}

	tmpl := readFixture(t, "typeform.json")
	secret := []byte(formSecret("w26-typeform"))
	var wg sync.WaitGroup
	codes := make([]int, 50)
	for i := range 50 {
		wg.Go(func() {
			b := bytes.Replace(tmpl, []byte(`"token": "a3a12ec67a1365927098a606107fac15"`), fmt.Appendf(nil, `"token": "concurrent-%d"`, i), 1)
			b = bytes.Replace(b, []byte(`"client_ref": "C001"`), fmt.Appendf(nil, `"client_ref": "S%04d"`, i+1), 1)
			codes[i], _ = f.post(t, "w26-typeform", b, signed(surveys.Typeform, secret, b))
		})
	}
	wg.Wait()
	for i, c := range codes {
		if c != http.StatusOK {
			t.Fatalf("delivery %d: status %d", i, c)
		}
	}
	recs = f.sqs.take()
	if len(recs) != 50 {
		t.Fatalf("%d messages queued, want 50", len(recs))
	}
	var failed sync.Map
	for i, r := range recs {
		wg.Go(func() {
			b, _ := json.Marshal(events.SQSEvent{Records: []events.SQSMessage{r}})
			res := f.consumer.Invoke(t, b, time.Minute)
			var resp events.SQSEventResponse
			if res.Error != nil || json.Unmarshal(res.Response, &resp) != nil || len(resp.BatchItemFailures) != 0 {
				failed.Store(i, string(res.Response))
			}
		})
	}
	wg.Wait()
	failed.Range(func(k, v any) bool { t.Errorf("message %v: %v", k, v); return true })
	got = f.rows(t, refs)
	w26 := 0
	for _, r := range got {
		if strings.Contains(r, " W26 2026-07-14 EMPLOYED_PT") {
			w26++
		}
	}
	if len(got) != 1050 || w26 != 50 {
		t.Fatalf("%d rows, %d of them W26, want 1,050 and 50", len(got), w26)
	}
}
