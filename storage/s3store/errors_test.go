package s3store_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/carer-outcomes/carer-outcomes/pipeline"
	"github.com/carer-outcomes/carer-outcomes/pipeline/lake"
	"github.com/carer-outcomes/carer-outcomes/storage/s3store"
)

// clientAttempts is how many attempts the clients of these tests make.
const clientAttempts = 3

// fakeS3 serves one canned answer to every request on 127.0.0.1 and counts
// the requests.
type fakeS3 struct {
	url      string
	requests atomic.Int64
}

// newFake starts a server whose handler answers every request.
func newFake(tb testing.TB, handler http.HandlerFunc) *fakeS3 {
	tb.Helper()
	f := &fakeS3{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.requests.Add(1)
		_, _ = io.Copy(io.Discard, r.Body)
		handler(w, r)
	}))
	tb.Cleanup(srv.Close)
	f.url = srv.URL
	return f
}

// s3Error answers with an S3 error document (HEAD answers have no body).
func s3Error(status int, code string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/xml")
		w.WriteHeader(status)
		if r.Method != http.MethodHead {
			fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>%s</Code><Message>fake</Message><RequestId>1</RequestId></Error>`, code)
		}
	}
}

// store returns a store on the fake server with a client that retries
// quickly.
func (f *fakeS3) store(tb testing.TB) *s3store.Store {
	tb.Helper()
	client := s3.New(s3.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(f.url),
		UsePathStyle: true,
		Credentials:  credentials.NewStaticCredentialsProvider("access", "secret", ""),
		Retryer: retry.NewStandard(func(o *retry.StandardOptions) {
			o.MaxAttempts = clientAttempts
			o.MaxBackoff = time.Millisecond
		}),
	})
	return s3store.NewFromClient(client, "bucket", "lake")
}

// op is one store call whose error is checked.
type op func(ctx context.Context, s lake.Store) error

func opGet(ctx context.Context, s lake.Store) error {
	rc, _, err := s.Get(ctx, "k")
	if err == nil {
		_, err = io.ReadAll(rc)
		rc.Close()
	}
	return err
}

func opStat(ctx context.Context, s lake.Store) error { _, err := s.Stat(ctx, "k"); return err }
func opList(ctx context.Context, s lake.Store) error { _, err := s.List(ctx, "a/"); return err }
func opDelete(ctx context.Context, s lake.Store) error {
	return s.Delete(ctx, "k")
}

func opPut(cond lake.Condition) op {
	return func(ctx context.Context, s lake.Store) error {
		_, err := s.Put(ctx, "k", strings.NewReader("body"), 4, cond)
		return err
	}
}

// ok marks a case whose call must succeed.
const ok = pipeline.ErrorKind(-1)

func TestStore_ErrorKinds(t *testing.T) {
	ifAbsent, ifMatch := lake.Condition{IfAbsent: true}, lake.Condition{IfMatch: `"abc"`}
	tests := []struct {
		name    string
		op      op
		handler http.HandlerFunc
		want    pipeline.ErrorKind
	}{
		{"Get, no such key", opGet, s3Error(404, "NoSuchKey"), pipeline.NotFound},
		{"Get, no such bucket", opGet, s3Error(404, "NoSuchBucket"), pipeline.Internal},
		{"Get, access denied", opGet, s3Error(403, "AccessDenied"), pipeline.Internal},
		{"Get, bad request", opGet, s3Error(400, "InvalidArgument"), pipeline.Internal},
		{"Get, slow down", opGet, s3Error(503, "SlowDown"), pipeline.Transient},
		{"Get, internal error", opGet, s3Error(500, "InternalError"), pipeline.Transient},
		{"Get, too many requests", opGet, s3Error(429, "TooManyRequests"), pipeline.Transient},
		{"Get, request timeout", opGet, s3Error(400, "RequestTimeout"), pipeline.Transient},
		{"Get, body cut short", opGet, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", "100")
			w.Header().Set("ETag", `"abc"`)
			io.WriteString(w, "only ten b")
		}, pipeline.Transient},
		{"Get, connection closed", opGet, func(w http.ResponseWriter, r *http.Request) {
			conn, _, err := http.NewResponseController(w).Hijack()
			if err == nil {
				conn.Close()
			}
		}, pipeline.Transient},
		{"Stat, not found", opStat, s3Error(404, ""), pipeline.NotFound},
		{"Stat, forbidden", opStat, s3Error(403, ""), pipeline.Internal},
		{"Stat, unavailable", opStat, s3Error(503, ""), pipeline.Transient},
		{"Put, ok", opPut(lake.Condition{}), func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("ETag", `"abc"`)
		}, ok},
		{"Put, no ETag in the answer", opPut(lake.Condition{}), func(w http.ResponseWriter, r *http.Request) {}, pipeline.Internal},
		{"Put if absent, precondition failed", opPut(ifAbsent), s3Error(412, "PreconditionFailed"), pipeline.Conflict},
		{"Put if match, precondition failed", opPut(ifMatch), s3Error(412, "PreconditionFailed"), pipeline.Conflict},
		{"Put if match, concurrent conditional write", opPut(ifMatch), s3Error(409, "ConditionalRequestConflict"), pipeline.Conflict},
		{"Put if match, no such key", opPut(ifMatch), s3Error(404, "NoSuchKey"), pipeline.NotFound},
		{"Put, operation aborted", opPut(lake.Condition{}), s3Error(409, "OperationAborted"), pipeline.Transient},
		{"Put, key too long", opPut(lake.Condition{}), s3Error(400, "KeyTooLongError"), pipeline.Invalid},
		{"Put, parent is an object", opPut(lake.Condition{}), s3Error(409, "ObjectParentIsFile"), pipeline.Invalid},
		{"Put, key is a folder", opPut(lake.Condition{}), s3Error(409, "ExistingObjectIsDirectory"), pipeline.Invalid},
		{"Put, slow down", opPut(lake.Condition{}), s3Error(503, "SlowDown"), pipeline.Transient},
		{"List, internal error", opList, s3Error(500, "InternalError"), pipeline.Transient},
		{"List, broken XML", opList, func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, `<ListBucketResult><Contents><Key>a/b</Key><Size>x</Size></Contents></ListBucketResult>`)
		}, pipeline.Internal},
		{"Delete, no such key", opDelete, s3Error(404, "NoSuchKey"), ok},
		{"Delete, unavailable", opDelete, s3Error(503, "ServiceUnavailable"), pipeline.Transient},
		{"Delete, access denied", opDelete, s3Error(403, "AccessDenied"), pipeline.Internal},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newFake(t, tc.handler).store(t)
			err := tc.op(t.Context(), s)
			if tc.want == ok {
				if err != nil {
					t.Fatalf("got %v, want success", err)
				}
				return
			}
			wantKind(t, "call", err, tc.want)
		})
	}
}

// TestStore_Timeout: a server that never answers gives Transient once the
// caller's deadline passes.
func TestStore_Timeout(t *testing.T) {
	ifAbsent := lake.Condition{IfAbsent: true}
	hang := func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }
	tests := []struct {
		name string
		call op
	}{
		{"Get", opGet},
		{"Stat", opStat},
		{"Put", opPut(lake.Condition{})},
		{"Put if absent", opPut(ifAbsent)},
		{"List", opList},
		{"Delete", opDelete},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newFake(t, hang).store(t)
			ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
			defer cancel()
			wantKind(t, tc.name, tc.call(ctx, s), pipeline.Transient)
		})
	}
}

// TestStore_PutRetries checks that the SDK retries a plain Put but sends a
// conditional one once: a retry of a conditional write whose answer was
// lost would fail on the write itself.
func TestStore_PutRetries(t *testing.T) {
	ifAbsent, ifMatch := lake.Condition{IfAbsent: true}, lake.Condition{IfMatch: `"abc"`}
	tests := []struct {
		name string
		cond lake.Condition
		want int64
	}{
		{"plain", lake.Condition{}, clientAttempts},
		{"if absent", ifAbsent, 1},
		{"if match", ifMatch, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t, s3Error(503, "SlowDown"))
			wantKind(t, "Put", opPut(tc.cond)(t.Context(), f.store(t)), pipeline.Transient)
			if got := f.requests.Load(); got != tc.want {
				t.Errorf("%d requests, want %d", got, tc.want)
			}
		})
	}
}
