package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/carer-outcomes/carer-outcomes/internal/functest"
)

// faultProxy stands between the function and the S3 server. From the n-th
// request on it drops every connection, as a server that died would, until
// it is healed: that puts the failure at each step of an ingest in turn.
type faultProxy struct {
	URL      string
	mu       sync.Mutex
	requests int
	failFrom int // 0: never
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
	p := &faultProxy{URL: "http://" + ln.Addr().String()}
	// The Host header stays the proxy's: it is what the client signed.
	rp := httputil.NewSingleHostReverseProxy(u)
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.mu.Lock()
		p.requests++
		fail := p.failFrom > 0 && p.requests >= p.failFrom
		p.mu.Unlock()
		if fail {
			if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
				conn.Close()
			}
			return
		}
		rp.ServeHTTP(w, r)
	})}
	go srv.Serve(ln)
	tb.Cleanup(func() { srv.Close() })
	return p
}

// failFromNow makes the n-th request from now on, and all after it, fail;
// 0 heals the proxy. It returns how many requests were made since the last
// call.
func (p *faultProxy) failFromNow(n int) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	made := p.requests
	p.requests, p.failFrom = 0, n
	return made
}

var ledgerTime = regexp.MustCompile(`/\d{8}T[0-9.]+Z-`)

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
			snap = append(snap, ledgerTime.ReplaceAllString(key, "/<time>-")+" "+string(b))
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

// TestIngest_S3FailsAtEveryStep stops "S3" at each request of an ingest in
// turn: every time the message fails and is retried, and once S3 is back
// the retry leaves the lake exactly as a clean run does, with no partial or
// duplicate files.
func TestIngest_S3FailsAtEveryStep(t *testing.T) {
	srv := functest.StartS3(t, "landing", "lake")
	client := srv.Client
	proxy := newFaultProxy(t, srv.Endpoint)
	fn := srv.RunVia(t, proxy.URL, pkg, "LAKE_BUCKET=lake",
		"OUTCOMES_KEY_SECRET_ID="+secretID, "PARAMETERS_SECRETS_EXTENSION_HTTP_PORT="+secretsExtension(t))
	f := &fixture{s3: srv, client: client, runtime: fn.Runtime}
	carers, err := os.ReadFile("../../testdata/registry/carers.csv")
	if err != nil {
		t.Fatal(err)
	}
	support := []byte("client_ref,date,activity\nC001,2026-07-03,CV_WRITING\nC002,2026-07-04,JOB_SEARCH\nC077,2026-07-04,JOB_SEARCH\n")
	prepare := func() []byte {
		emptyBuckets(t, client)
		proxy.failFromNow(0)
		if resp := f.invoke(t, f.land(t, "TEST-ORG", "2026-Q3", "0123456789abcdef0123456789abcdef", "carers.csv", carers)); len(resp.BatchItemFailures) != 0 {
			t.Fatalf("carers: %+v", resp.BatchItemFailures)
		}
		ev := f.land(t, "TEST-ORG", "2026-Q3", "fedcba9876543210fedcba9876543210", "support.csv", support)
		proxy.failFromNow(0)
		return ev
	}
	ev := prepare()
	if resp := f.invoke(t, ev); len(resp.BatchItemFailures) != 0 {
		t.Fatalf("clean run: %+v", resp.BatchItemFailures)
	}
	steps := proxy.failFromNow(0)
	want := snapshot(t, client)
	if steps < 5 || !slices.ContainsFunc(want, func(s string) bool { return strings.HasPrefix(s, "curated/support/") }) {
		t.Fatalf("the clean run made %d requests and this lake: %q", steps, want)
	}
	for k := 1; k <= steps; k++ {
		ev := prepare()
		proxy.failFromNow(k)
		start := time.Now()
		resp := f.invoke(t, ev)
		proxy.failFromNow(0)
		if len(resp.BatchItemFailures) != 1 {
			t.Errorf("S3 down from request %d: failures %+v, want the message back", k, resp.BatchItemFailures)
			continue
		}
		if resp := f.invoke(t, ev); len(resp.BatchItemFailures) != 0 {
			t.Errorf("S3 down from request %d: the retry failed: %+v", k, resp.BatchItemFailures)
			continue
		}
		if got := snapshot(t, client); !slices.Equal(got, want) {
			t.Errorf("S3 down from request %d (failed after %v): the lake differs from a clean run's\n got %q\nwant %q", k, time.Since(start).Round(time.Millisecond), got, want)
		}
	}
	t.Logf("S3 failed at each of the %d requests of an ingest in turn", steps)
}
