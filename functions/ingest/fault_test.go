package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/carer-outcomes/carer-outcomes/internal/functest"
	"github.com/carer-outcomes/carer-outcomes/pipeline"
	"github.com/carer-outcomes/carer-outcomes/pipeline/lake"
	"github.com/carer-outcomes/carer-outcomes/storage/s3store"
)

// Fault modes of faultProxy.
const (
	// dropped: from the n-th request on, every request is dropped before
	// it reaches S3, as a server that died would.
	dropped = "dropped before S3"
	// lost: the n-th request reaches S3 and is applied, and its answer is
	// lost; every request after it is dropped, so that the function cannot
	// learn what happened from a retry of its own.
	lost = "applied, answer lost"
)

// faultProxy stands between the function and the S3 server, failing
// requests in one of the modes above until it is healed; that puts the
// failure at each step of an ingest in turn. It also counts the body bytes
// it serves for each GET, by path.
type faultProxy struct {
	URL      string
	mu       sync.Mutex
	requests int
	failFrom int // 0: never
	mode     string
	served   map[string]int64
}

func newFaultProxy(tb testing.TB, target string) *faultProxy {
	tb.Helper()
	u, err := url.Parse(target)
	if err != nil {
		tb.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	p := &faultProxy{URL: "http://" + ln.Addr().String(), served: map[string]int64{}, mode: dropped}
	// The Host header stays the proxy's: it is what the client signed.
	rp := httputil.NewSingleHostReverseProxy(u)
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.mu.Lock()
		p.requests++
		n, mode := p.requests, p.mode
		fail := p.failFrom > 0 && n >= p.failFrom
		p.mu.Unlock()
		if fail && mode == lost && n == p.failFrom {
			rp.ServeHTTP(httptest.NewRecorder(), r) // applied; the answer goes nowhere
		}
		if fail {
			if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
				conn.Close()
			}
			return
		}
		cw := &countingWriter{ResponseWriter: w}
		rp.ServeHTTP(cw, r)
		if r.Method == http.MethodGet {
			p.mu.Lock()
			p.served[r.URL.Path] += cw.n
			p.mu.Unlock()
		}
	})}
	go srv.Serve(ln)
	tb.Cleanup(func() { srv.Close() })
	return p
}

type countingWriter struct {
	http.ResponseWriter
	n int64
}

func (c *countingWriter) Write(b []byte) (int, error) {
	n, err := c.ResponseWriter.Write(b)
	c.n += int64(n)
	return n, err
}

// failFromNow makes the n-th request from now on, and all after it, fail
// in the given mode; 0 heals the proxy. It returns how many requests were
// made since the last call.
func (p *faultProxy) failFromNow(n int, mode string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	made := p.requests
	p.requests, p.failFrom, p.mode = 0, n, mode
	return made
}

// servedFor is how many body bytes the proxy served for GETs of a path.
func (p *faultProxy) servedFor(path string) int64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.served[path]
}

// snapshot describes a lake so that two runs of the same ingest compare
// equal: every object by key and content, less the times of day.
func snapshot(tb testing.TB, client *s3.Client) []string {
	tb.Helper()
	out, err := client.ListObjectsV2(context.Background(), &s3.ListObjectsV2Input{Bucket: aws.String("lake")})
	if err != nil {
		tb.Fatal(err)
	}
	var snap []string
	for _, o := range out.Contents {
		key := aws.ToString(o.Key)
		obj, err := client.GetObject(context.Background(), &s3.GetObjectInput{Bucket: aws.String("lake"), Key: o.Key})
		if err != nil {
			tb.Fatal(err)
		}
		body, err := io.ReadAll(obj.Body)
		obj.Body.Close()
		if err != nil {
			tb.Fatal(err)
		}
		var v map[string]any
		switch {
		case strings.HasPrefix(key, "ledger/"), strings.HasSuffix(key, "/current.json"), strings.HasSuffix(key, "/status.json"):
			if err := json.Unmarshal(body, &v); err != nil {
				tb.Fatalf("%s: %v", key, err)
			}
			for _, k := range []string{"committed_at", "done_at"} {
				delete(v, k)
			}
			b, _ := json.Marshal(v)
			snap = append(snap, key+" "+string(b))
		default:
			sum := sha256.Sum256(body)
			snap = append(snap, key+" "+hex.EncodeToString(sum[:8]))
		}
	}
	slices.Sort(snap)
	return snap
}

func emptyBuckets(tb testing.TB, client *s3.Client) {
	tb.Helper()
	for _, b := range []string{"landing", "lake"} {
		out, err := client.ListObjectsV2(context.Background(), &s3.ListObjectsV2Input{Bucket: aws.String(b)})
		if err != nil {
			tb.Fatal(err)
		}
		for _, o := range out.Contents {
			if _, err := client.DeleteObject(context.Background(), &s3.DeleteObjectInput{Bucket: aws.String(b), Key: o.Key}); err != nil {
				tb.Fatal(err)
			}
		}
	}
}

// TestIngest_S3FailsAtEveryStep fails "S3" at each request of an ingest
// that supersedes an earlier version, in turn and in both modes (dropped
// before S3; applied with its answer lost): every time the message fails
// and is retried, and once S3 is back the retry leaves the lake exactly as
// a clean run does, and the lake check passes.
func TestIngest_S3FailsAtEveryStep(t *testing.T) {
	srv := functest.StartS3(t, "landing", "lake")
	client := srv.Client
	proxy := newFaultProxy(t, srv.Endpoint)
	fn := srv.RunVia(t, proxy.URL, pkg, "LAKE_BUCKET=lake",
		"OUTCOMES_KEY_SECRET_ID="+secretID, "PARAMETERS_SECRETS_EXTENSION_HTTP_PORT="+secretsExtension(t))
	f := &fixture{s3: srv, client: client, runtime: fn.Runtime, lake: &lake.Lake{Store: s3store.NewFromClient(client, "lake", "")}}
	carers, err := os.ReadFile("../../testdata/registry/carers.csv")
	if err != nil {
		t.Fatal(err)
	}
	v1 := []byte("client_ref,date,activity\nC001,2026-07-03,CV_WRITING\nC002,2026-07-04,JOB_SEARCH\n")
	v2 := []byte("client_ref,date,activity\nC001,2026-07-03,CV_WRITING\nC002,2026-07-04,JOB_SEARCH\nC077,2026-07-04,JOB_SEARCH\n")
	prepare := func() []byte {
		emptyBuckets(t, client)
		proxy.failFromNow(0, dropped)
		for _, up := range []struct {
			id, name string
			body     []byte
			at       time.Time
		}{
			{"0123456789abcdef0123456789abcdef", "carers.csv", carers, eventTime},
			{"00000000000000000000000000000001", "support.csv", v1, eventTime.Add(time.Hour)},
		} {
			if resp := f.invoke(t, batch(t, f.landAt(t, "TEST-ORG", "2026-Q3", up.id, up.name, up.body, up.at))); len(resp.BatchItemFailures) != 0 {
				t.Fatalf("%s: %+v", up.name, resp.BatchItemFailures)
			}
		}
		ev := batch(t, f.landAt(t, "TEST-ORG", "2026-Q3", "fedcba9876543210fedcba9876543210", "support-corrected.csv", v2, eventTime.Add(2*time.Hour)))
		proxy.failFromNow(0, dropped)
		return ev
	}
	ev := prepare()
	if resp := f.invoke(t, ev); len(resp.BatchItemFailures) != 0 {
		t.Fatalf("clean run: %+v", resp.BatchItemFailures)
	}
	steps := proxy.failFromNow(0, dropped)
	want := snapshot(t, client)
	if ptr, _, _, _ := f.lake.Current(context.Background(), lake.Partition{Kind: "support", Org: "TEST-ORG", Period: pipeline.Period{Year: 2026, Quarter: 3}}); steps < 8 || ptr.Version != 2 {
		t.Fatalf("the clean run made %d requests and left support at version %d; want a supersede", steps, ptr.Version)
	}
	for _, mode := range []string{dropped, lost} {
		for k := 1; k <= steps; k++ {
			ev := prepare()
			proxy.failFromNow(k, mode)
			start := time.Now()
			resp := f.invoke(t, ev)
			proxy.failFromNow(0, dropped)
			if len(resp.BatchItemFailures) != 1 {
				t.Errorf("%s from request %d: failures %+v, want the message back", mode, k, resp.BatchItemFailures)
				continue
			}
			if resp := f.invoke(t, ev); len(resp.BatchItemFailures) != 0 {
				t.Errorf("%s from request %d: the retry failed: %+v", mode, k, resp.BatchItemFailures)
				continue
			}
			if got := snapshot(t, client); !slices.Equal(got, want) {
				t.Errorf("%s from request %d (failed after %v): the lake differs from a clean run's\n got %q\nwant %q", mode, k, time.Since(start).Round(time.Millisecond), got, want)
			}
			checkLake(t, f.lake)
		}
	}
	t.Logf("S3 failed at each of the %d requests of a superseding ingest in turn, in 2 modes", steps)
}

// TestIngest_SizeRefusedUnread: an object over MAX_FILE_MB is refused from
// the event's size, or from a HEAD when the event has none, and not a byte
// of it is served; the uploader gets a report saying why.
func TestIngest_SizeRefusedUnread(t *testing.T) {
	srv := functest.StartS3(t, "landing", "lake")
	proxy := newFaultProxy(t, srv.Endpoint)
	fn := srv.RunVia(t, proxy.URL, pkg, "LAKE_BUCKET=lake", "MAX_FILE_MB=1",
		"OUTCOMES_KEY_SECRET_ID="+secretID, "PARAMETERS_SECRETS_EXTENSION_HTTP_PORT="+secretsExtension(t))
	f := &fixture{s3: srv, client: srv.Client, runtime: fn.Runtime, lake: &lake.Lake{Store: s3store.NewFromClient(srv.Client, "lake", "")}}
	big := bytes.Repeat([]byte("client_ref,registration_date,employment_status,consent_followup\n"), 25_000) // 1.6 MB
	for _, tt := range []struct {
		name, id string
		size     int64 // the event's; 0 for none
	}{{"the event's size", "99999999999999999999999999999991", int64(len(big))}, {"a HEAD", "99999999999999999999999999999992", 0}} {
		t.Run(tt.name, func(t *testing.T) {
			msg := f.landAt(t, "TEST-ORG", "2026-Q3", tt.id, "huge.csv", big, eventTime)
			key := "landing/org=TEST-ORG/period=2026-Q3/" + tt.id + "/huge.csv"
			msg = sqsMessage(t, key, tt.size, eventTime, msg.MessageId)
			if resp := f.invoke(t, batch(t, msg)); len(resp.BatchItemFailures) != 0 {
				t.Fatalf("failures %+v: a file too large is reported, not retried", resp.BatchItemFailures)
			}
			if n := proxy.servedFor("/landing/" + key); n != 0 {
				t.Errorf("%d bytes of the object were served, want 0", n)
			}
			rec := f.record(t, "TEST-ORG", tt.id)
			st, ok, err := f.lake.Status(context.Background(), "TEST-ORG", rec.UploadID)
			if rec.Status != lake.UploadRejected || err != nil || !ok || st.Status != lake.UploadRejected {
				t.Errorf("record %+v, status %+v %v %v: want rejected", rec, st, ok, err)
			}
			rc, _, err := f.lake.Store.Get(context.Background(), lake.UploadKey("TEST-ORG", rec.UploadID, "report.json"))
			if err != nil {
				t.Fatal(err)
			}
			report, _ := io.ReadAll(rc)
			rc.Close()
			if !bytes.Contains(report, []byte("over the limit of 1.0 MB")) {
				t.Errorf("the report does not say why: %s", report)
			}
		})
	}
	// The proxy counts what it serves: a file within the limit is read.
	small := f.landAt(t, "TEST-ORG", "2026-Q3", "99999999999999999999999999999993", "carers.csv", big[:200], eventTime)
	f.invoke(t, batch(t, small))
	if n := proxy.servedFor("/landing/landing/org=TEST-ORG/period=2026-Q3/99999999999999999999999999999993/carers.csv"); n != 200 {
		t.Errorf("a small file: %d bytes served, want 200", n)
	}
}
