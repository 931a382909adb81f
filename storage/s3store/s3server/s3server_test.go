package s3server_test

import (
	"errors"
	"fmt"
	"io"
	"net"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"

	"github.com/carer-outcomes/carer-outcomes/storage/s3store/s3server"
)

// put writes an object with the raw client, returning its ETag or the
// error's code.
func put(tb testing.TB, c *s3.Client, bucket, key, body string, mod func(*s3.PutObjectInput)) (etag, code string) {
	tb.Helper()
	in := &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), Body: strings.NewReader(body)}
	if mod != nil {
		mod(in)
	}
	out, err := c.PutObject(tb.Context(), in)
	if err != nil {
		var apiErr smithy.APIError
		if !errors.As(err, &apiErr) {
			tb.Fatalf("PutObject %s: %v", key, err)
		}
		return "", apiErr.ErrorCode()
	}
	return aws.ToString(out.ETag), ""
}

func read(tb testing.TB, c *s3.Client, bucket, key string) string {
	tb.Helper()
	out, err := c.GetObject(tb.Context(), &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		tb.Fatalf("GetObject %s: %v", key, err)
	}
	defer out.Body.Close()
	b, err := io.ReadAll(out.Body)
	if err != nil {
		tb.Fatalf("read %s: %v", key, err)
	}
	return string(b)
}

// TestServer_ConditionalWrites checks that the server honours the
// conditional writes the lake's commit protocol depends on.
func TestServer_ConditionalWrites(t *testing.T) {
	srv := s3server.Start(t)
	srv.CreateBucket(t, "cond")
	c := srv.Client(t)
	first, _ := put(t, c, "cond", "k", "first", nil)
	second, _ := put(t, c, "cond", "k", "second", nil)
	ifNoneMatch := func(in *s3.PutObjectInput) { in.IfNoneMatch = aws.String("*") }
	ifMatch := func(etag string) func(*s3.PutObjectInput) {
		return func(in *s3.PutObjectInput) { in.IfMatch = aws.String(etag) }
	}
	tests := []struct {
		name     string
		key      string
		mod      func(*s3.PutObjectInput)
		wantCode string // "" for success
	}{
		{"If-None-Match on an existing key", "k", ifNoneMatch, "PreconditionFailed"},
		{"If-None-Match on a new key", "new", ifNoneMatch, ""},
		{"If-Match with a stale ETag", "k", ifMatch(first), "PreconditionFailed"},
		{"If-Match on a missing key", "missing", ifMatch(first), "NoSuchKey"},
		{"If-Match with the current ETag", "k", ifMatch(second), ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var before string
			if tc.wantCode != "" && tc.key == "k" {
				before = read(t, c, "cond", tc.key)
			}
			_, code := put(t, c, "cond", tc.key, "conditional", tc.mod)
			if code != tc.wantCode {
				t.Fatalf("error code %q, want %q", code, tc.wantCode)
			}
			switch {
			case tc.wantCode == "":
				if got := read(t, c, "cond", tc.key); got != "conditional" {
					t.Errorf("%s = %q, want %q", tc.key, got, "conditional")
				}
			case before != "":
				if got := read(t, c, "cond", tc.key); got != before {
					t.Errorf("a failed conditional write changed %s from %q to %q", tc.key, before, got)
				}
			}
		})
	}

	// Racing If-None-Match writes: exactly one wins.
	for round := range 5 {
		key := fmt.Sprintf("race/%d", round)
		var wg sync.WaitGroup
		var mu sync.Mutex
		wins := 0
		for range 8 {
			wg.Go(func() {
				_, err := c.PutObject(t.Context(), &s3.PutObjectInput{
					Bucket: aws.String("cond"), Key: aws.String(key), Body: strings.NewReader("x"), IfNoneMatch: aws.String("*"),
				})
				var apiErr smithy.APIError
				switch {
				case err == nil:
					mu.Lock()
					wins++
					mu.Unlock()
				case !errors.As(err, &apiErr) || apiErr.ErrorCode() != "PreconditionFailed":
					t.Errorf("%s: losing If-None-Match write: %v, want PreconditionFailed", key, err)
				}
			})
		}
		wg.Wait()
		if wins != 1 {
			t.Errorf("%s: %d of 8 racing If-None-Match writes won, want 1", key, wins)
		}
	}
}

func TestServer_Restart(t *testing.T) {
	srv := s3server.Start(t)
	srv.CreateBucket(t, "restart")
	c := srv.Client(t)
	etag, _ := put(t, c, "restart", "a/b", "kept", nil)
	endpoint := srv.Endpoint

	srv.Stop(t)
	if conn, err := net.DialTimeout("tcp", strings.TrimPrefix(endpoint, "http://"), time.Second); err == nil {
		conn.Close()
		t.Fatalf("%s still accepts connections after Stop", endpoint)
	}
	srv.Stop(t) // stopping twice is fine
	srv.Restart(t)
	if srv.Endpoint != endpoint {
		t.Errorf("endpoint after Restart = %s, want %s", srv.Endpoint, endpoint)
	}
	if got := read(t, c, "restart", "a/b"); got != "kept" {
		t.Errorf("a/b after Restart = %q, want %q", got, "kept")
	}
	if _, code := put(t, c, "restart", "a/b", "next", func(in *s3.PutObjectInput) { in.IfMatch = aws.String(etag) }); code != "" {
		t.Errorf("If-Match with the ETag from before Restart failed: %s", code)
	}
	srv.Restart(t) // restarting a running server restarts it
	if got := read(t, c, "restart", "a/b"); got != "next" {
		t.Errorf("a/b after the second Restart = %q, want %q", got, "next")
	}
}

// TestStart_Cleanup checks that the server is gone once its test ends.
func TestStart_Cleanup(t *testing.T) {
	var addr string
	t.Run("server", func(t *testing.T) {
		srv := s3server.Start(t)
		addr = strings.TrimPrefix(srv.Endpoint, "http://")
	})
	if conn, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		conn.Close()
		t.Errorf("%s still accepts connections after its test ended", addr)
	}
}

// fatalTB records Fatalf instead of failing the test.
type fatalTB struct {
	testing.TB
	msg string
}

func (f *fatalTB) Fatalf(format string, args ...any) {
	f.msg = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

func TestStart_MissingBinary(t *testing.T) {
	t.Setenv("VERSITYGW", t.TempDir()+"/no-such-versitygw")
	tb := &fatalTB{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		s3server.Start(tb)
		t.Error("Start returned without failing the test")
	}()
	<-done
	if !strings.Contains(tb.msg, "make tools") {
		t.Errorf("Start failed with %q, want the hint to run `make tools`", tb.msg)
	}
}
