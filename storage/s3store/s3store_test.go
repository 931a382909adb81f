package s3store_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/carer-outcomes/carer-outcomes/pipeline"
	"github.com/carer-outcomes/carer-outcomes/pipeline/lake"
	"github.com/carer-outcomes/carer-outcomes/pipeline/lake/laketest"
	"github.com/carer-outcomes/carer-outcomes/storage/fsstore"
	"github.com/carer-outcomes/carer-outcomes/storage/s3store"
	"github.com/carer-outcomes/carer-outcomes/storage/s3store/s3server"
	"github.com/carer-outcomes/carer-outcomes/storage/storetest"
)

// bucket makes a new bucket on srv for one test and returns a store on it.
func bucket(tb testing.TB, srv *s3server.Server, name, prefix string) *s3store.Store {
	tb.Helper()
	srv.CreateBucket(tb, name)
	return s3store.NewFromClient(srv.Client(tb), name, prefix)
}

// wantKind fails the test unless err has the kind.
func wantKind(tb testing.TB, what string, err error, want pipeline.ErrorKind) {
	tb.Helper()
	if err == nil {
		tb.Errorf("%s succeeded, want a %v error", what, want)
		return
	}
	if got := pipeline.KindOf(err); got != want {
		tb.Errorf("%s = %v (kind %v), want kind %v", what, err, got, want)
	}
}

// wantMissing fails the test unless no object has the key.
func wantMissing(tb testing.TB, s lake.Store, key string) {
	tb.Helper()
	obj, err := s.Stat(tb.Context(), key)
	if err == nil {
		tb.Errorf("%s exists (%+v), want no object", key, obj)
		return
	}
	wantKind(tb, "Stat "+key, err, pipeline.NotFound)
}

func TestStore_Conformance(t *testing.T) {
	srv := s3server.Start(t)
	client := srv.Client(t)
	var buckets atomic.Int64
	for _, prefix := range []string{"", "lakes/test"} {
		t.Run(fmt.Sprintf("prefix=%q", prefix), func(t *testing.T) {
			storetest.Run(t, func(t *testing.T) lake.Store {
				name := fmt.Sprintf("conformance-%d", buckets.Add(1))
				srv.CreateBucket(t, name)
				return s3store.NewFromClient(client, name, prefix)
			})
		})
	}
}

// TestStore_StoppedServer stops the server under a store, as a network
// failure or an S3 outage would: every call fails with Transient, and
// works again once the server is back.
func TestStore_StoppedServer(t *testing.T) {
	srv := s3server.Start(t)
	s := bucket(t, srv, "stopped", "lake")
	ctx := t.Context()
	before := storetest.Put(t, s, "manifests/current.json", "v1")

	srv.Stop(t)
	tests := []struct {
		name string
		call func() error
	}{
		{"Get", func() error {
			rc, _, err := s.Get(ctx, "manifests/current.json")
			if err == nil {
				rc.Close()
			}
			return err
		}},
		{"Stat", func() error { _, err := s.Stat(ctx, "manifests/current.json"); return err }},
		{"List", func() error { _, err := s.List(ctx, "manifests/"); return err }},
		{"Put", func() error {
			_, err := s.Put(ctx, "raw/x.csv", strings.NewReader("x"), 1, lake.Condition{})
			return err
		}},
		{"Put if absent", func() error {
			_, err := s.Put(ctx, "raw/y.csv", strings.NewReader("y"), 1, lake.Condition{IfAbsent: true})
			return err
		}},
		{"Put if match", func() error {
			_, err := s.Put(ctx, "manifests/current.json", strings.NewReader("v2"), 2, lake.Condition{IfMatch: before.ETag})
			return err
		}},
		{"Delete", func() error { return s.Delete(ctx, "manifests/current.json") }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			wantKind(t, tc.name+" with the server stopped", tc.call(), pipeline.Transient)
		})
	}

	srv.Restart(t)
	if got := storetest.Get(t, s, "manifests/current.json"); got != "v1" {
		t.Errorf("after restart: current.json = %q, want %q", got, "v1")
	}
	after, err := s.Put(ctx, "manifests/current.json", strings.NewReader("v2"), 2, lake.Condition{IfMatch: before.ETag})
	if err != nil {
		t.Fatalf("compare-and-swap after restart: %v", err)
	}
	if st, err := s.Stat(ctx, "manifests/current.json"); err != nil || st.ETag != after.ETag {
		t.Errorf("Stat after restart = %+v, %v; want ETag %s", st, err, after.ETag)
	}
	if got := storetest.Keys(t, s, ""); !slices.Equal(got, []string{"manifests/current.json"}) {
		t.Errorf("after restart the store holds %q, want only manifests/current.json", got)
	}
}

// TestStore_Get stops the server while a large object is being read: the
// read fails with Transient.
func TestStore_Get(t *testing.T) {
	srv := s3server.Start(t)
	s := bucket(t, srv, "get", "")
	const size = 32 << 20 // more than the sockets buffer
	content := bytes.Repeat([]byte("0123456789abcdef"), size/16)
	if _, err := s.Put(t.Context(), "big.bin", bytes.NewReader(content), size, lake.Condition{}); err != nil {
		t.Fatal(err)
	}
	rc, obj, err := s.Get(t.Context(), "big.bin")
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	if obj.Size != size {
		t.Errorf("Get size = %d, want %d", obj.Size, size)
	}
	if _, err := io.ReadFull(rc, make([]byte, 1024)); err != nil {
		t.Fatalf("read the first KiB: %v", err)
	}
	srv.Stop(t)
	n, err := io.Copy(io.Discard, rc)
	if n+1024 >= size {
		t.Fatalf("read all %d bytes after the server stopped: the test needs a larger object", size)
	}
	wantKind(t, "reading after the server stopped", err, pipeline.Transient)
}

func TestStore_Put(t *testing.T) {
	srv := s3server.Start(t)
	s := bucket(t, srv, "put", "")
	ctx := t.Context()
	old := storetest.Put(t, s, "existing", "old")
	stale := storetest.Put(t, s, "stale", "first")
	storetest.Put(t, s, "stale", "second")

	tests := []struct {
		name string
		key  string
		cond lake.Condition
		want pipeline.ErrorKind // Internal: the write succeeds
	}{
		{"if absent, existing", "existing", lake.Condition{IfAbsent: true}, pipeline.Conflict},
		{"if absent, new", "new-if-absent", lake.Condition{IfAbsent: true}, pipeline.Internal},
		{"if match, stale ETag", "stale", lake.Condition{IfMatch: stale.ETag}, pipeline.Conflict},
		{"if match, made-up ETag", "existing", lake.Condition{IfMatch: `"0123"`}, pipeline.Conflict},
		{"if match, missing key", "missing", lake.Condition{IfMatch: old.ETag}, pipeline.NotFound},
		{"both conditions", "new-both", lake.Condition{IfAbsent: true, IfMatch: old.ETag}, pipeline.Invalid},
		{"if match, ETag without quotes", "existing", lake.Condition{IfMatch: strings.Trim(old.ETag, `"`)}, pipeline.Internal},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before, statErr := s.Stat(ctx, tc.key)
			obj, err := s.Put(ctx, tc.key, strings.NewReader("written"), 7, tc.cond)
			if tc.want == pipeline.Internal {
				if err != nil {
					t.Fatalf("Put(%+v): %v", tc.cond, err)
				}
				if got := storetest.Get(t, s, tc.key); got != "written" {
					t.Errorf("%s = %q, want %q", tc.key, got, "written")
				}
				if !strings.HasPrefix(obj.ETag, `"`) || obj.Modified.IsZero() {
					t.Errorf("Put returned %+v, want a quoted ETag and a time", obj)
				}
				return
			}
			wantKind(t, fmt.Sprintf("Put(%+v)", tc.cond), err, tc.want)
			if statErr != nil {
				wantMissing(t, s, tc.key)
			} else if after, err := s.Stat(ctx, tc.key); err != nil || after.ETag != before.ETag {
				t.Errorf("failed Put changed %s: %+v, %v; want ETag %s", tc.key, after, err, before.ETag)
			}
		})
	}
}

// TestStore_PutBody writes bodies of every kind Put handles differently:
// seekable ones are sent as they are, others are copied to memory or, when
// large, to a temporary file. A body of the wrong length writes nothing.
func TestStore_PutBody(t *testing.T) {
	srv := s3server.Start(t)
	s := bucket(t, srv, "body", "")
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp) // to check that no temporary file is left
	const large = 3 << 20   // more than Put copies to memory
	content := func(n int) string { return strings.Repeat("x", n) }
	offset := func(r io.ReadSeeker, n int64) io.Reader {
		if _, err := r.Seek(n, io.SeekStart); err != nil {
			t.Fatal(err)
		}
		return r
	}
	tests := []struct {
		name string
		body func(t *testing.T) io.Reader
		size int64
		want string // the object's content; "" when Put must fail with Invalid
	}{
		{"strings.Reader", func(*testing.T) io.Reader { return strings.NewReader("abc") }, 3, "abc"},
		{"strings.Reader past its start", func(*testing.T) io.Reader { return offset(strings.NewReader("abcdef"), 2) }, 4, "cdef"},
		{"strings.Reader, longer", func(*testing.T) io.Reader { return strings.NewReader("abcd") }, 3, ""},
		{"strings.Reader, shorter", func(*testing.T) io.Reader { return strings.NewReader("ab") }, 3, ""},
		{"file", func(t *testing.T) io.Reader { return tempFile(t, content(large)) }, large, content(large)},
		{"file, longer", func(t *testing.T) io.Reader { return tempFile(t, content(10)) }, 9, ""},
		{"pipe", func(t *testing.T) io.Reader { return pipe(t, "piped") }, 5, "piped"},
		{"pipe, longer", func(t *testing.T) io.Reader { return pipe(t, "piped!") }, 5, ""},
		{"small stream", func(*testing.T) io.Reader { return stream("small") }, 5, "small"},
		{"small stream, longer", func(*testing.T) io.Reader { return stream("small!") }, 5, ""},
		{"small stream, shorter", func(*testing.T) io.Reader { return stream("sma") }, 5, ""},
		{"large stream", func(*testing.T) io.Reader { return stream(content(large)) }, large, content(large)},
		{"large stream, longer", func(*testing.T) io.Reader { return stream(content(large + 1)) }, large, ""},
		{"large stream, shorter", func(*testing.T) io.Reader { return stream(content(large - 1)) }, large, ""},
		{"empty", func(*testing.T) io.Reader { return stream("") }, 0, ""},
		{"negative size", func(*testing.T) io.Reader { return stream("") }, -1, ""},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			key := fmt.Sprintf("bodies/%d", i)
			obj, err := s.Put(t.Context(), key, tc.body(t), tc.size, lake.Condition{})
			if tc.want == "" && tc.size != 0 {
				wantKind(t, "Put", err, pipeline.Invalid)
				wantMissing(t, s, key)
				return
			}
			if err != nil {
				t.Fatalf("Put: %v", err)
			}
			if obj.Size != tc.size {
				t.Errorf("Put size = %d, want %d", obj.Size, tc.size)
			}
			if got := storetest.Get(t, s, key); got != tc.want {
				t.Errorf("content is %d bytes %.20q, want %d bytes %.20q", len(got), got, len(tc.want), tc.want)
			}
		})
	}
	if left, _ := os.ReadDir(tmp); len(left) != 0 {
		t.Errorf("temporary folder holds %d entries after every Put returned, want none", len(left))
	}
}

// stream returns a reader with nothing but Read.
func stream(content string) io.Reader {
	return io.MultiReader(strings.NewReader(content))
}

// tempFile returns an open file holding content, outside TMPDIR.
func tempFile(tb testing.TB, content string) *os.File {
	tb.Helper()
	f, err := os.CreateTemp(tb.TempDir(), "body-*")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { f.Close() })
	if _, err := f.WriteString(content); err != nil {
		tb.Fatal(err)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		tb.Fatal(err)
	}
	return f
}

// pipe returns the read end of a pipe that carries content: an *os.File
// that cannot seek.
func pipe(tb testing.TB, content string) *os.File {
	tb.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { r.Close() })
	go func() {
		_, _ = io.WriteString(w, content)
		w.Close()
	}()
	return r
}

// TestStore_Prefix puts stores with different prefixes on one bucket.
func TestStore_Prefix(t *testing.T) {
	srv := s3server.Start(t)
	srv.CreateBucket(t, "shared")
	client := srv.Client(t)
	open := func(prefix string) *s3store.Store { return s3store.NewFromClient(client, "shared", prefix) }
	root, one, two, other := open(""), open("tenant-1"), open("tenant-2/"), open("tenant")
	storetest.Put(t, one, "k", "one")
	storetest.Put(t, two, "k", "two")
	storetest.Put(t, other, "k", "other")
	storetest.Put(t, one, "dir/k", "one")
	// Objects no lake key names: a console's folder marker, and a key
	// under fsstore's reserved folder. (A posix-backed server turns "a//b"
	// into "a/b" itself.)
	for _, key := range []string{"tenant-1/", "tenant-1/.tmp/x"} {
		if _, err := client.PutObject(t.Context(), &s3.PutObjectInput{
			Bucket: aws.String("shared"), Key: aws.String(key), Body: strings.NewReader(""),
		}); err != nil {
			t.Fatalf("PutObject %q: %v", key, err)
		}
	}

	tests := []struct {
		name   string
		store  *s3store.Store
		prefix string
		want   []string
	}{
		{"tenant-1", one, "", []string{"dir/k", "k"}},
		{"tenant-1 dir", one, "dir/", []string{"dir/k"}},
		{"tenant-2", two, "", []string{"k"}},
		{"tenant, a prefix of the others' names", other, "", []string{"k"}},
		{"the whole bucket", root, "tenant-", []string{"tenant-1/.tmp/x", "tenant-1/dir/k", "tenant-1/k", "tenant-2/k"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := storetest.Keys(t, tc.store, tc.prefix); !slices.Equal(got, tc.want) {
				t.Errorf("List(%q) = %q, want %q", tc.prefix, got, tc.want)
			}
		})
	}
	if got := storetest.Get(t, two, "k"); got != "two" {
		t.Errorf("tenant-2 k = %q, want %q", got, "two")
	}
	if err := one.Delete(t.Context(), "k"); err != nil {
		t.Fatal(err)
	}
	wantMissing(t, one, "k")
	if got := storetest.Get(t, two, "k"); got != "two" {
		t.Errorf("tenant-2 k = %q after tenant-1 deleted its k, want %q", got, "two")
	}
	if got := storetest.Get(t, root, "tenant-2/k"); got != "two" {
		t.Errorf("tenant-2/k from the bucket's root = %q, want %q", got, "two")
	}
}

// TestStore_InvalidKeys checks keys and prefixes that are refused before
// any request, and keys the S3 key length makes too long with a prefix.
func TestStore_InvalidKeys(t *testing.T) {
	srv := s3server.Start(t)
	s := bucket(t, srv, "invalid", "")
	prefixed := s3store.NewFromClient(srv.Client(t), "invalid", strings.Repeat("p", 100))
	ctx := t.Context()
	fits := strings.Repeat("abcdefg/", 127) + "abcdefg" // 1023 bytes
	tests := []struct {
		name string
		s    *s3store.Store
		key  string
		want pipeline.ErrorKind // Internal: accepted
	}{
		{"reserved .tmp", s, ".tmp/x", pipeline.Invalid},
		{"reserved .locks", s, ".locks", pipeline.Invalid},
		{"dot-tmp below the top", s, "a/.tmp/x", pipeline.Internal},
		{"NUL", s, "a\x00b", pipeline.Invalid},
		{"segment of 255 bytes", s, strings.Repeat("s", 255), pipeline.Internal},
		{"segment of 256 bytes", s, strings.Repeat("s", 256), pipeline.Invalid},
		{"key of 1023 bytes", s, fits, pipeline.Internal},
		{"key of 1025 bytes", s, fits + "/x", pipeline.Invalid},
		{"key too long with the prefix", prefixed, fits, pipeline.Invalid},
		{"short key with the prefix", prefixed, "x", pipeline.Internal},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.s.Put(ctx, tc.key, strings.NewReader("x"), 1, lake.Condition{})
			if tc.want == pipeline.Internal {
				if err != nil {
					t.Fatalf("Put: %v", err)
				}
				if got := storetest.Get(t, tc.s, tc.key); got != "x" {
					t.Errorf("Get = %q, want %q", got, "x")
				}
				return
			}
			wantKind(t, "Put", err, tc.want)
			_, err = tc.s.Stat(ctx, tc.key)
			wantKind(t, "Stat", err, tc.want)
			wantKind(t, "Delete", tc.s.Delete(ctx, tc.key), tc.want)
		})
	}
	for _, prefix := range []string{"../", "a//", "/", "./", "a/../b/"} {
		if _, err := s.List(ctx, prefix); pipeline.KindOf(err) != pipeline.Invalid {
			t.Errorf("List(%q) = %v, want an Invalid error", prefix, err)
		}
	}
	for _, prefix := range []string{".tmp/", ".locks/x"} {
		if got := storetest.Keys(t, s, prefix); len(got) != 0 {
			t.Errorf("List(%q) = %q, want nothing", prefix, got)
		}
	}
}

// TestStore_KeysMatchFsstore checks that s3store accepts and refuses the
// same keys and List prefixes as fsstore, so that a lake can move between
// them. No request reaches a server: Stat, Put and Delete get a cancelled
// context, which makes a call that passes validation fail with Transient
// before any I/O, and List (which checks the context first) goes to a
// closed port.
func TestStore_KeysMatchFsstore(t *testing.T) {
	fs, err := fsstore.New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	s3s := s3store.NewFromClient(deadClient(t), "never-used", "")
	cancelled, cancel := context.WithCancel(t.Context())
	cancel()

	keys := []string{
		"", "a", "a/b", "/", "/a", "a/", "a//b", ".", "..", "...", "a/./b", "a/../b", "./a",
		".tmp", ".tmp/x", ".tmpx", "x/.tmp", ".locks", ".locks/x", "x\x00y", "\x01", "é/ü",
		`a\b`, " ", "a b/c (1).xlsx", strings.Repeat("s", 255), strings.Repeat("s", 256),
		strings.Repeat("abc/", 256)[:1024], strings.Repeat("abc/", 256)[:1023] + "x/",
		strings.Repeat("abc/", 257)[:1025],
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 3000 {
		b := make([]byte, rng.IntN(9))
		for i := range b {
			b[i] = "a/./\x00"[rng.IntN(5)]
		}
		keys = append(keys, string(b))
	}
	calls := []struct {
		name string
		run  func(s lake.Store, key string) error
	}{
		{"Stat", func(s lake.Store, key string) error { _, err := s.Stat(cancelled, key); return err }},
		{"Put", func(s lake.Store, key string) error {
			_, err := s.Put(cancelled, key, strings.NewReader("x"), 1, lake.Condition{})
			return err
		}},
		{"Delete", func(s lake.Store, key string) error { return s.Delete(cancelled, key) }},
		{"List", func(s lake.Store, prefix string) error { _, err := s.List(t.Context(), prefix); return err }},
	}
	verdict := func(err error) string {
		if pipeline.KindOf(err) == pipeline.Invalid {
			return "refuses"
		}
		return "accepts"
	}
	mismatches := 0
	for _, c := range calls {
		for _, key := range keys {
			want, got := verdict(c.run(fs, key)), verdict(c.run(s3s, key))
			if got == want {
				continue
			}
			if mismatches++; mismatches <= 20 {
				t.Errorf("%s(%q): fsstore %s it, s3store %s it", c.name, key, want, got)
			}
		}
	}
	if mismatches > 20 {
		t.Errorf("%d mismatches in all", mismatches)
	}
}

// deadClient returns a client for a closed port of 127.0.0.1 that does not
// retry: every request fails at once.
func deadClient(tb testing.TB) *s3.Client {
	tb.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return s3.New(s3.Options{
		Region:           "us-east-1",
		BaseEndpoint:     aws.String("http://" + addr),
		UsePathStyle:     true,
		Credentials:      credentials.NewStaticCredentialsProvider("access", "secret", ""),
		RetryMaxAttempts: 1,
	})
}

func TestNew(t *testing.T) {
	srv := s3server.Start(t)
	srv.CreateBucket(t, "new")
	// Credentials from the environment, as LoadDefaultConfig finds them,
	// and nothing from the developer's own AWS configuration.
	t.Setenv("AWS_ACCESS_KEY_ID", srv.AccessKey)
	t.Setenv("AWS_SECRET_ACCESS_KEY", srv.SecretKey)
	t.Setenv("AWS_SESSION_TOKEN", "")
	t.Setenv("AWS_PROFILE", "")
	t.Setenv("AWS_CONFIG_FILE", os.DevNull)
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", os.DevNull)
	t.Setenv("AWS_REGION", "")
	t.Setenv("AWS_DEFAULT_REGION", "")
	t.Setenv("AWS_ENDPOINT_URL", "")
	t.Setenv("AWS_ENDPOINT_URL_S3", "")
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")

	tests := []struct {
		name string
		cfg  s3store.Config
		want pipeline.ErrorKind // Internal: New succeeds and the store works
	}{
		{"endpoint and region", s3store.Config{Bucket: "new", Endpoint: srv.Endpoint, Region: srv.Region, PathStyle: true}, pipeline.Internal},
		{"endpoint, default region", s3store.Config{Bucket: "new", Prefix: "p/", Endpoint: srv.Endpoint, PathStyle: true}, pipeline.Internal},
		{"no bucket", s3store.Config{Endpoint: srv.Endpoint, PathStyle: true}, pipeline.Invalid},
		{"bad prefix", s3store.Config{Bucket: "new", Prefix: "a//b", Endpoint: srv.Endpoint, PathStyle: true}, pipeline.Invalid},
		{"AWS without a region", s3store.Config{Bucket: "new"}, pipeline.Invalid},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := s3store.New(t.Context(), tc.cfg)
			if tc.want != pipeline.Internal {
				wantKind(t, "New", err, tc.want)
				return
			}
			if err != nil {
				t.Fatalf("New: %v", err)
			}
			key := fmt.Sprintf("k%d", i)
			storetest.Put(t, s, key, "v")
			if got := storetest.Get(t, s, key); got != "v" {
				t.Errorf("Get = %q, want %q", got, "v")
			}
		})
	}
}

func TestNewFromClient(t *testing.T) {
	client := deadClient(t)
	tests := []struct {
		name   string
		client *s3.Client
		bucket string
		prefix string
	}{
		{"no client", nil, "b", ""},
		{"no bucket", client, "", ""},
		{"absolute prefix", client, "b", "/lake"},
		{"dot-dot prefix", client, "b", "lake/../x"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := s3store.NewFromClient(tc.client, tc.bucket, tc.prefix)
			ctx := t.Context()
			_, err := s.Stat(ctx, "k")
			wantKind(t, "Stat", err, pipeline.Invalid)
			_, err = s.List(ctx, "")
			wantKind(t, "List", err, pipeline.Invalid)
			_, err = s.Put(ctx, "k", strings.NewReader("x"), 1, lake.Condition{})
			wantKind(t, "Put", err, pipeline.Invalid)
			wantKind(t, "Delete", s.Delete(ctx, "k"), pipeline.Invalid)
			_, _, err = s.Get(ctx, "k")
			wantKind(t, "Get", err, pipeline.Invalid)
		})
	}
}

// TestStore_LakeProtocol runs the lake's commit protocol suite (retries,
// races, faults, gc) on versitygw, as storage/fsstore does on a folder.
func TestStore_LakeProtocol(t *testing.T) {
	srv := s3server.Start(t)
	client := srv.Client(t)
	var buckets atomic.Int64
	laketest.Run(t, func(tb testing.TB) lake.Store {
		name := fmt.Sprintf("protocol-%d", buckets.Add(1))
		srv.CreateBucket(tb, name)
		return s3store.NewFromClient(client, name, "lake")
	})
}
