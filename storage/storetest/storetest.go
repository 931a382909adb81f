// Package storetest is the conformance suite for lake.Store drivers. The
// lake relies on one behaviour whether it lives in a folder or an S3 bucket,
// so every driver runs the same checks: the filesystem driver in its tests,
// the S3 driver against a real S3-compatible server.
//
// The suite checks only what S3 with conditional writes (If-None-Match: *
// and If-Match: <etag>) also guarantees. ETags are opaque strings: it
// compares them for equality and never parses them. Where S3 servers differ
// it accepts either answer:
//
//   - Put with IfMatch on a missing key fails with Conflict or NotFound (S3
//     answers 404 or 412 depending on the server).
//   - Writing identical content again may or may not change the ETag (S3's
//     is the content's MD5; the filesystem's changes on every write).
//   - Modified times are only checked to be set: S3 gives them to the
//     second in Stat and to the millisecond in List.
//
// The suite does not check durability across a crash or a power cut, keys
// that are both an object and a folder ("a" and "a/b": S3 allows it, a
// filesystem cannot), or a body longer than its size.
package storetest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/carer-outcomes/carer-outcomes/pipeline"
	"github.com/carer-outcomes/carer-outcomes/pipeline/lake"
)

const (
	// workers is how many goroutines race in the concurrency checks.
	workers = 8
	// increments is how many times each worker increments the counter.
	increments = 12
	// createRounds is how many keys the IfAbsent race is run on.
	createRounds = 5
	// overwriteSize is the size of the objects in the atomic-overwrite check.
	overwriteSize = 1 << 20
	// overwrites is how many versions the atomic-overwrite check writes.
	overwrites = 24
	// largeSize is the size of the large object, well above S3's 5 MiB
	// multipart threshold and the usual copy buffers.
	largeSize = 20 << 20
	// maxAttempts bounds the compare-and-swap retries of one increment.
	maxAttempts = 10000
)

// Run runs the suite as subtests of t. open must return a new, empty store
// each time it is called; the suite calls it once per subtest.
func Run(t *testing.T, open func(t *testing.T) lake.Store) {
	tests := []struct {
		name string
		run  func(t *testing.T, s lake.Store)
	}{
		{"PutGet", testPutGet},
		{"Missing", testMissing},
		{"Overwrite", testOverwrite},
		{"InvalidKeys", testInvalidKeys},
		{"List", testList},
		{"Conditions", testConditions},
		{"CompareAndSwap", testCompareAndSwap},
		{"CreateRace", testCreateRace},
		{"AtomicOverwrite", testAtomicOverwrite},
		{"Large", testLarge},
		{"BadBody", testBadBody},
		{"Cancelled", testCancelled},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.run(t, open(t)) })
	}
}

// Increment adds one to the decimal counter stored at key, times times, by
// compare-and-swap: it reads the counter with its ETag, writes the next
// value with IfMatch, and starts again on Conflict (or NotFound, which some
// servers answer when the object went missing). A missing counter is
// created at 1 with IfAbsent. It returns an error rather than failing a
// test so that goroutines and other processes can call it.
func Increment(ctx context.Context, s lake.Store, key string, times int) error {
	for done := 0; done < times; done++ {
		if err := incrementOnce(ctx, s, key); err != nil {
			return fmt.Errorf("increment %s (%d of %d): %w", key, done+1, times, err)
		}
	}
	return nil
}

func incrementOnce(ctx context.Context, s lake.Store, key string) error {
	for range maxAttempts {
		n, obj, err := Counter(ctx, s, key)
		cond := lake.Condition{IfMatch: obj.ETag}
		switch {
		case pipeline.KindOf(err) == pipeline.NotFound:
			n, cond = 0, lake.Condition{IfAbsent: true}
		case err != nil:
			return err
		}
		body := strconv.Itoa(n + 1)
		_, err = s.Put(ctx, key, strings.NewReader(body), int64(len(body)), cond)
		if k := pipeline.KindOf(err); err != nil && (k == pipeline.Conflict || k == pipeline.NotFound) {
			continue // somebody else's write won: read again
		}
		return err
	}
	return fmt.Errorf("gave up after %d conflicts", maxAttempts)
}

// Counter reads the decimal counter stored at key, with the object it read
// it from.
func Counter(ctx context.Context, s lake.Store, key string) (int, lake.Object, error) {
	rc, obj, err := s.Get(ctx, key)
	if err != nil {
		return 0, lake.Object{}, err
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		return 0, lake.Object{}, fmt.Errorf("read counter %s: %w", key, err)
	}
	n, err := strconv.Atoi(string(b))
	if err != nil {
		return 0, lake.Object{}, fmt.Errorf("read counter %s: %w", key, err)
	}
	return n, obj, nil
}

func testPutGet(t *testing.T, s lake.Store) {
	binary := make([]byte, 256)
	for i := range binary {
		binary[i] = byte(i)
	}
	tests := []struct {
		name    string
		key     string
		content []byte
	}{
		{"small", "raw/org=LEEDS-CC/return.csv", []byte("carer_id,score\n1,3\n")},
		{"empty", "markers/empty", nil},
		{"deep with binary", "curated/carers/org=LEEDS-CC/period=2026-Q3/ab12.parquet", binary},
		{"dots dashes equals", "a.b-c/d=e.f-g/h-i.j.k", []byte("x")},
		{"spaces and brackets", "uploads/LEEDS-CC/Return (final) v2.xlsx", []byte("y")},
		{"top level", "README", []byte("z")},
	}
	var keys []string
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			put := mustPut(t, s, tc.key, tc.content, lake.Condition{})
			if put.Key != tc.key || put.Size != int64(len(tc.content)) || put.ETag == "" {
				t.Errorf("Put returned %+v, want key %q, size %d and an ETag", put, tc.key, len(tc.content))
			}
			got, obj := mustGet(t, s, tc.key)
			if !bytes.Equal(got, tc.content) {
				t.Errorf("Get content = %q, want %q", got, tc.content)
			}
			sameObject(t, "Get", obj, put)
			if obj.Modified.IsZero() {
				t.Errorf("Get Modified is zero")
			}
			st := mustStat(t, s, tc.key)
			sameObject(t, "Stat", st, put)
			if st.Modified.IsZero() {
				t.Errorf("Stat Modified is zero")
			}
			if again := mustStat(t, s, tc.key); again.ETag != st.ETag {
				t.Errorf("ETag changed without a write: %q then %q", st.ETag, again.ETag)
			}
		})
		keys = append(keys, tc.key)
	}
	wantKeys(t, s, keys...)
}

func testMissing(t *testing.T, s lake.Store) {
	ctx := t.Context()
	mustPut(t, s, "a/b/c", []byte("c"), lake.Condition{})
	mustPut(t, s, "gone/x", []byte("x"), lake.Condition{})
	if err := s.Delete(ctx, "gone/x"); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	tests := []struct {
		name string
		key  string
	}{
		{"never written", "nothing/here"},
		{"deleted", "gone/x"},
		{"a folder of objects", "a/b"},
		{"a shorter folder", "a"},
		{"below an object", "a/b/c/d"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rc, _, err := s.Get(ctx, tc.key)
			if err == nil {
				rc.Close()
			}
			wantKind(t, "Get", err, pipeline.NotFound)
			_, err = s.Stat(ctx, tc.key)
			wantKind(t, "Stat", err, pipeline.NotFound)
			for range 2 {
				if err := s.Delete(ctx, tc.key); err != nil {
					t.Errorf("Delete of a missing object: %v", err)
				}
			}
		})
	}
	// Deleting a folder's name deletes nothing below it.
	if got, _ := mustGet(t, s, "a/b/c"); string(got) != "c" {
		t.Errorf("a/b/c = %q after deleting a and a/b, want %q", got, "c")
	}
	wantKeys(t, s, "a/b/c")
}

func testOverwrite(t *testing.T, s lake.Store) {
	const key = "manifests/current.json"
	versions := []string{"first", "second, longer", "second, LONGER", "3"}
	var prev lake.Object
	for i, v := range versions {
		obj := mustPut(t, s, key, []byte(v), lake.Condition{})
		if i > 0 && obj.ETag == prev.ETag {
			t.Errorf("version %d: ETag %q did not change with the content", i, obj.ETag)
		}
		got, gobj := mustGet(t, s, key)
		if string(got) != v {
			t.Errorf("version %d: Get = %q, want %q", i, got, v)
		}
		sameObject(t, "Get", gobj, obj)
		sameObject(t, "Stat", mustStat(t, s, key), obj)
		prev = obj
	}
	// The same content again: the ETag may or may not change; the object
	// must still read back.
	obj := mustPut(t, s, key, []byte("3"), lake.Condition{})
	sameObject(t, "Stat", mustStat(t, s, key), obj)
	if got, _ := mustGet(t, s, key); string(got) != "3" {
		t.Errorf("Get = %q, want %q", got, "3")
	}
	wantKeys(t, s, key)
}

func testInvalidKeys(t *testing.T, s lake.Store) {
	ctx := t.Context()
	keys := []string{"", "/", "/abs", "a/../b", "..", "a/..", ".", "./a", "a/./b", "a//b", "a/", "curated/carers/"}
	for _, key := range keys {
		t.Run(fmt.Sprintf("%q", key), func(t *testing.T) {
			for _, cond := range []lake.Condition{{}, {IfAbsent: true}} {
				_, err := s.Put(ctx, key, strings.NewReader("x"), 1, cond)
				wantKind(t, fmt.Sprintf("Put(%+v)", cond), err, pipeline.Invalid)
			}
			rc, _, err := s.Get(ctx, key)
			if err == nil {
				rc.Close()
			}
			wantKind(t, "Get", err, pipeline.Invalid)
			_, err = s.Stat(ctx, key)
			wantKind(t, "Stat", err, pipeline.Invalid)
			wantKind(t, "Delete", s.Delete(ctx, key), pipeline.Invalid)
		})
	}
	wantKeys(t, s)
}

func testList(t *testing.T, s lake.Store) {
	ctx := t.Context()
	if objs, err := s.List(ctx, ""); err != nil || len(objs) != 0 {
		t.Fatalf("List of an empty store = %v, %v; want nothing", objs, err)
	}
	// Folder order is not key order: "org=A-1/" sorts before "org=A/"
	// because '-' < '/', though folder "org=A" sorts before "org=A-1".
	keys := []string{
		"curated/carers/org=A/period=2026-Q1/x.parquet",
		"curated/carers/org=A/period=2026-Q2/y.parquet",
		"curated/carers/org=A-1/period=2026-Q1/w.parquet",
		"curated/carers/org=B/period=2026-Q1/z.parquet",
		"curated/carers-extra/a.parquet",
		"curated/carers.json",
		"curated/cases/c.parquet",
		"raw/u.csv",
		"rawer",
	}
	// Write in reverse so that creation order is not key order either.
	for i := len(keys) - 1; i >= 0; i-- {
		mustPut(t, s, keys[i], []byte(strings.Repeat("v", i+1)), lake.Condition{})
	}
	tests := []struct {
		prefix string
		want   int
	}{
		{"", 9},
		{"curated/", 7},
		{"curated/carers/", 4},
		{"curated/car", 6},
		{"curated/carers", 6},
		{"curated/carers/org=A/", 2},
		{"curated/carers/org=A", 3},
		{"curated/carers/org=A/period=2026-Q1/x.parquet", 1},
		{"raw", 2},
		{"raw/", 1},
		{"r", 2},
		{"nothing/", 0},
		{"curated/carers/org=C", 0},
		{"curated/carers/org=A/period=2026-Q1/x.parquet/", 0},
		{"rawer/", 0},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("%q", tc.prefix), func(t *testing.T) {
			var want []string
			for _, k := range keys {
				if strings.HasPrefix(k, tc.prefix) {
					want = append(want, k)
				}
			}
			slices.Sort(want)
			if len(want) != tc.want {
				t.Fatalf("test table: %d keys start with %q, table says %d", len(want), tc.prefix, tc.want)
			}
			objs, err := s.List(ctx, tc.prefix)
			if err != nil {
				t.Fatalf("List: %v", err)
			}
			if got := keysOf(objs); !slices.Equal(got, want) {
				t.Fatalf("List keys =\n%s\nwant, in key order,\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
			for _, o := range objs {
				st := mustStat(t, s, o.Key)
				if o.Size != st.Size || o.ETag != st.ETag {
					t.Errorf("List gives %s size %d ETag %q; Stat gives size %d ETag %q", o.Key, o.Size, o.ETag, st.Size, st.ETag)
				}
				if o.Modified.IsZero() {
					t.Errorf("List gives %s a zero Modified", o.Key)
				}
			}
		})
	}
}

func testConditions(t *testing.T, s lake.Store) {
	ctx := t.Context()
	// prepare writes what the case needs and returns the condition to try,
	// and the content the key holds before the try (nil: no object).
	tests := []struct {
		name    string
		prepare func(t *testing.T, key string) (lake.Condition, []byte)
		want    []pipeline.ErrorKind // nil: the write succeeds
	}{
		{"if absent, new key", func(t *testing.T, key string) (lake.Condition, []byte) {
			return lake.Condition{IfAbsent: true}, nil
		}, nil},
		{"if absent, existing key", func(t *testing.T, key string) (lake.Condition, []byte) {
			mustPut(t, s, key, []byte("old"), lake.Condition{})
			return lake.Condition{IfAbsent: true}, []byte("old")
		}, []pipeline.ErrorKind{pipeline.Conflict}},
		{"if absent, deleted key", func(t *testing.T, key string) (lake.Condition, []byte) {
			mustPut(t, s, key, []byte("old"), lake.Condition{})
			mustDelete(t, s, key)
			return lake.Condition{IfAbsent: true}, nil
		}, nil},
		{"if match, current ETag", func(t *testing.T, key string) (lake.Condition, []byte) {
			obj := mustPut(t, s, key, []byte("old"), lake.Condition{})
			return lake.Condition{IfMatch: obj.ETag}, []byte("old")
		}, nil},
		{"if match, ETag from Stat", func(t *testing.T, key string) (lake.Condition, []byte) {
			mustPut(t, s, key, []byte("old"), lake.Condition{})
			return lake.Condition{IfMatch: mustStat(t, s, key).ETag}, []byte("old")
		}, nil},
		{"if match, stale ETag", func(t *testing.T, key string) (lake.Condition, []byte) {
			stale := mustPut(t, s, key, []byte("old"), lake.Condition{})
			mustPut(t, s, key, []byte("newer"), lake.Condition{})
			return lake.Condition{IfMatch: stale.ETag}, []byte("newer")
		}, []pipeline.ErrorKind{pipeline.Conflict}},
		// S3 servers answer 404 or 412 here.
		{"if match, missing key", func(t *testing.T, key string) (lake.Condition, []byte) {
			other := mustPut(t, s, key+".other", []byte("other"), lake.Condition{})
			return lake.Condition{IfMatch: other.ETag}, nil
		}, []pipeline.ErrorKind{pipeline.Conflict, pipeline.NotFound}},
		{"if match, deleted key", func(t *testing.T, key string) (lake.Condition, []byte) {
			obj := mustPut(t, s, key, []byte("old"), lake.Condition{})
			mustDelete(t, s, key)
			return lake.Condition{IfMatch: obj.ETag}, nil
		}, []pipeline.ErrorKind{pipeline.Conflict, pipeline.NotFound}},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			key := fmt.Sprintf("cond/%d/manifest.json", i)
			cond, before := tc.prepare(t, key)
			var old lake.Object
			if before != nil {
				old = mustStat(t, s, key)
			}
			const content = "written"
			obj, err := s.Put(ctx, key, strings.NewReader(content), int64(len(content)), cond)
			if tc.want != nil {
				wantKind(t, fmt.Sprintf("Put(%+v)", cond), err, tc.want...)
				if before == nil {
					wantMissing(t, s, key)
					return
				}
				got, gobj := mustGet(t, s, key)
				if !bytes.Equal(got, before) {
					t.Errorf("failed Put changed the content from %q to %q", before, got)
				}
				sameObject(t, "Get after a failed Put", gobj, old)
				return
			}
			if err != nil {
				t.Fatalf("Put(%+v): %v", cond, err)
			}
			if obj.ETag == "" || obj.Key != key || obj.Size != int64(len(content)) {
				t.Errorf("Put returned %+v", obj)
			}
			if before != nil && obj.ETag == old.ETag {
				t.Errorf("ETag %q did not change with the content", obj.ETag)
			}
			got, gobj := mustGet(t, s, key)
			if string(got) != content {
				t.Errorf("Get = %q, want %q", got, content)
			}
			sameObject(t, "Get", gobj, obj)
		})
	}
}

func testCompareAndSwap(t *testing.T, s lake.Store) {
	const key = "counters/cas"
	mustPut(t, s, key, []byte("0"), lake.Condition{})
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			if err := Increment(t.Context(), s, key, increments); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	n, _, err := Counter(t.Context(), s, key)
	if err != nil {
		t.Fatal(err)
	}
	if n != workers*increments {
		t.Errorf("counter = %d after %d workers incremented it %d times each: %d updates lost", n, workers, increments, workers*increments-n)
	}
	wantKeys(t, s, key)
}

func testCreateRace(t *testing.T, s lake.Store) {
	for round := range createRounds {
		key := fmt.Sprintf("claims/%d", round)
		start := make(chan struct{})
		var wg sync.WaitGroup
		var mu sync.Mutex
		var winners []string
		for w := range workers {
			content := fmt.Sprintf("worker %d", w)
			wg.Go(func() {
				<-start
				_, err := s.Put(t.Context(), key, strings.NewReader(content), int64(len(content)), lake.Condition{IfAbsent: true})
				switch {
				case err == nil:
					mu.Lock()
					winners = append(winners, content)
					mu.Unlock()
				case pipeline.KindOf(err) != pipeline.Conflict:
					t.Errorf("%s: losing Put(IfAbsent) = %v (kind %v), want a Conflict", key, err, pipeline.KindOf(err))
				}
			})
		}
		close(start)
		wg.Wait()
		if len(winners) != 1 {
			t.Fatalf("%s: %d of %d racing Put(IfAbsent) succeeded, want exactly 1: %q", key, len(winners), workers, winners)
		}
		if got, _ := mustGet(t, s, key); string(got) != winners[0] {
			t.Errorf("%s = %q, want the winner's %q", key, got, winners[0])
		}
	}
}

func testAtomicOverwrite(t *testing.T, s lake.Store) {
	const key = "curated/big/current.bin"
	fill := func(b byte) []byte { return bytes.Repeat([]byte{b}, overwriteSize) }
	first := mustPut(t, s, key, fill(0), lake.Condition{})

	// ETags seen by readers, with the byte read, checked against the
	// writer's once every Put has returned.
	type seen struct {
		etag string
		b    byte
	}
	var mu sync.Mutex
	written := map[string]byte{first.ETag: 0}
	var observed []seen

	done := make(chan struct{})
	var readers sync.WaitGroup
	for range 4 {
		readers.Go(func() {
			for reads := 0; ; reads++ {
				select {
				case <-done:
					if reads > 0 {
						return
					}
				default:
				}
				rc, obj, err := s.Get(t.Context(), key)
				if err != nil {
					t.Errorf("Get during overwrites: %v", err)
					return
				}
				b, err := io.ReadAll(rc)
				rc.Close()
				if err != nil {
					t.Errorf("read during overwrites: %v", err)
					return
				}
				if len(b) != overwriteSize || obj.Size != overwriteSize {
					t.Errorf("read %d bytes, Get said size %d, want %d: a partial object", len(b), obj.Size, overwriteSize)
					return
				}
				if i := firstOther(b); i >= 0 {
					t.Errorf("object starts with byte %d but has byte %d at %d: a mix of two versions", b[0], b[i], i)
					return
				}
				mu.Lock()
				observed = append(observed, seen{obj.ETag, b[0]})
				mu.Unlock()
			}
		})
	}
	readers.Go(func() {
		for lists := 0; ; lists++ {
			select {
			case <-done:
				if lists > 0 {
					return
				}
			default:
			}
			objs, err := s.List(t.Context(), "curated/")
			if err != nil {
				t.Errorf("List during overwrites: %v", err)
				return
			}
			if len(objs) != 1 || objs[0].Key != key || objs[0].Size != overwriteSize {
				t.Errorf("List during overwrites = %+v, want only %s of %d bytes", objs, key, overwriteSize)
				return
			}
		}
	})
	for i := 1; i <= overwrites; i++ {
		obj, err := s.Put(t.Context(), key, bytes.NewReader(fill(byte(i))), overwriteSize, lake.Condition{})
		if err != nil {
			t.Errorf("Put version %d: %v", i, err)
			break
		}
		mu.Lock()
		written[obj.ETag] = byte(i)
		mu.Unlock()
	}
	close(done)
	readers.Wait()
	for _, o := range observed {
		b, ok := written[o.etag]
		if !ok {
			t.Errorf("Get returned ETag %q, which no Put returned", o.etag)
		} else if b > o.b {
			// An ETag of an older version than the content (versitygw can
			// return one while an overwrite lands) only makes a later
			// If-Match fail and the lake retry; an ETag of a newer version
			// would let an If-Match overwrite content never read.
			t.Errorf("Get returned ETag %q with content of version %d; that ETag is version %d's", o.etag, o.b, b)
		}
	}
	wantKeys(t, s, key)
}

// firstOther returns the index of the first byte that differs from b[0], or
// -1.
func firstOther(b []byte) int {
	for i, c := range b {
		if c != b[0] {
			return i
		}
	}
	return -1
}

func testLarge(t *testing.T, s lake.Store) {
	const key = "raw/org=LEEDS-CC/large.bin"
	// A reader that is neither a bytes.Reader nor seekable, as an upload
	// stream is.
	body := func() io.Reader { return io.LimitReader(rand.NewChaCha8([32]byte{1, 2, 3}), largeSize) }
	h := sha256.New()
	if _, err := io.Copy(h, body()); err != nil {
		t.Fatal(err)
	}
	want := h.Sum(nil)

	obj, err := s.Put(t.Context(), key, body(), largeSize, lake.Condition{})
	if err != nil {
		t.Fatalf("Put: %v", err)
	}
	if obj.Size != largeSize || obj.ETag == "" {
		t.Errorf("Put returned %+v, want size %d and an ETag", obj, largeSize)
	}
	rc, gobj, err := s.Get(t.Context(), key)
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	defer rc.Close()
	h.Reset()
	n, err := io.Copy(h, rc)
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	if n != largeSize || !bytes.Equal(h.Sum(nil), want) {
		t.Errorf("read back %d bytes with a different SHA-256 from the %d written", n, largeSize)
	}
	sameObject(t, "Get", gobj, obj)
	sameObject(t, "Stat", mustStat(t, s, key), obj)
}

func testBadBody(t *testing.T, s lake.Store) {
	ctx := t.Context()
	mustPut(t, s, "existing", []byte("old"), lake.Condition{})
	tests := []struct {
		name string
		key  string
		body func() io.Reader
		size int64
		cond lake.Condition
	}{
		{"short, new key", "new", func() io.Reader { return strings.NewReader("half") }, 8, lake.Condition{}},
		{"short, existing key", "existing", func() io.Reader { return strings.NewReader("half") }, 8, lake.Condition{}},
		{"short, if absent", "new", func() io.Reader { return strings.NewReader("half") }, 8, lake.Condition{IfAbsent: true}},
		{"empty, new key", "new", func() io.Reader { return strings.NewReader("") }, 1, lake.Condition{}},
		{"failing, new key", "new", failingBody, 1 << 16, lake.Condition{}},
		{"failing, existing key", "existing", failingBody, 1 << 16, lake.Condition{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := s.Put(ctx, tc.key, tc.body(), tc.size, tc.cond); err == nil {
				t.Errorf("Put succeeded with a body that does not match size %d", tc.size)
			}
			if tc.key == "new" {
				wantMissing(t, s, tc.key)
			} else if got, _ := mustGet(t, s, tc.key); string(got) != "old" {
				t.Errorf("failed Put changed %s to %q", tc.key, got)
			}
		})
	}
	wantKeys(t, s, "existing")
}

// failingBody gives some bytes and then an error.
func failingBody() io.Reader {
	return io.MultiReader(strings.NewReader(strings.Repeat("x", 1000)), errReader{})
}

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, errors.New("storetest: the body broke") }

func testCancelled(t *testing.T, s lake.Store) {
	mustPut(t, s, "existing", []byte("old"), lake.Condition{})
	existing := mustStat(t, s, "existing")
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	put := func(key string, cond lake.Condition) error {
		_, err := s.Put(ctx, key, strings.NewReader("new"), 3, cond)
		return err
	}
	tests := []struct {
		name string
		call func() error
		// key is the object the call must leave as it was ("existing") or
		// absent (anything else); "" for calls that write nothing.
		key string
	}{
		{"Put new", func() error { return put("new", lake.Condition{}) }, "new"},
		{"Put existing", func() error { return put("existing", lake.Condition{}) }, "existing"},
		{"Put if absent", func() error { return put("new", lake.Condition{IfAbsent: true}) }, "new"},
		{"Put if match", func() error { return put("existing", lake.Condition{IfMatch: existing.ETag}) }, "existing"},
		{"Delete", func() error { return s.Delete(ctx, "existing") }, "existing"},
		{"Get", func() error {
			rc, _, err := s.Get(ctx, "existing")
			if err == nil {
				rc.Close()
			}
			return err
		}, ""},
		{"Stat", func() error { _, err := s.Stat(ctx, "existing"); return err }, ""},
		{"List", func() error { _, err := s.List(ctx, ""); return err }, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.call(); err == nil {
				t.Errorf("succeeded with a cancelled context")
			}
			switch tc.key {
			case "":
			case "existing":
				got, obj := mustGet(t, s, tc.key)
				if string(got) != "old" {
					t.Errorf("existing = %q, want %q", got, "old")
				}
				sameObject(t, "Get", obj, existing)
			default:
				wantMissing(t, s, tc.key)
			}
		})
	}
	wantKeys(t, s, "existing")
}

// mustPut writes an object, failing the test on error.
func mustPut(tb testing.TB, s lake.Store, key string, content []byte, cond lake.Condition) lake.Object {
	tb.Helper()
	obj, err := s.Put(tb.Context(), key, bytes.NewReader(content), int64(len(content)), cond)
	if err != nil {
		tb.Fatalf("Put %s: %v", key, err)
	}
	return obj
}

// mustGet reads an object whole, failing the test on error.
func mustGet(tb testing.TB, s lake.Store, key string) ([]byte, lake.Object) {
	tb.Helper()
	rc, obj, err := s.Get(tb.Context(), key)
	if err != nil {
		tb.Fatalf("Get %s: %v", key, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		tb.Fatalf("read %s: %v", key, err)
	}
	if int64(len(b)) != obj.Size {
		tb.Errorf("Get %s: read %d bytes, Get said size %d", key, len(b), obj.Size)
	}
	return b, obj
}

// mustStat stats an object, failing the test on error.
func mustStat(tb testing.TB, s lake.Store, key string) lake.Object {
	tb.Helper()
	obj, err := s.Stat(tb.Context(), key)
	if err != nil {
		tb.Fatalf("Stat %s: %v", key, err)
	}
	return obj
}

// mustDelete deletes an object, failing the test on error.
func mustDelete(tb testing.TB, s lake.Store, key string) {
	tb.Helper()
	if err := s.Delete(tb.Context(), key); err != nil {
		tb.Fatalf("Delete %s: %v", key, err)
	}
}

// wantMissing checks that no object has the key.
func wantMissing(tb testing.TB, s lake.Store, key string) {
	tb.Helper()
	obj, err := s.Stat(tb.Context(), key)
	if err == nil {
		tb.Errorf("%s exists (%+v), want no object", key, obj)
		return
	}
	wantKind(tb, "Stat "+key, err, pipeline.NotFound)
}

// wantKind checks that err is one of the kinds.
func wantKind(tb testing.TB, call string, err error, kinds ...pipeline.ErrorKind) {
	tb.Helper()
	if err == nil {
		tb.Errorf("%s succeeded, want an error of kind %v", call, kinds)
		return
	}
	if !slices.Contains(kinds, pipeline.KindOf(err)) {
		tb.Errorf("%s = %v (kind %v), want kind %v", call, err, pipeline.KindOf(err), kinds)
	}
}

// sameObject checks that two descriptions are of the same version.
func sameObject(tb testing.TB, what string, got, want lake.Object) {
	tb.Helper()
	if got.Key != want.Key || got.Size != want.Size || got.ETag != want.ETag {
		tb.Errorf("%s = {%s %d %q}, want {%s %d %q}", what, got.Key, got.Size, got.ETag, want.Key, want.Size, want.ETag)
	}
}

// wantKeys checks that the whole store holds exactly the keys: no internal
// temporary or lock file shows, and nothing failed wrote anything.
func wantKeys(tb testing.TB, s lake.Store, keys ...string) {
	tb.Helper()
	objs, err := s.List(tb.Context(), "")
	if err != nil {
		tb.Fatalf("List: %v", err)
	}
	want := slices.Sorted(slices.Values(keys))
	if got := keysOf(objs); !slices.Equal(got, want) {
		tb.Errorf("store holds\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func keysOf(objs []lake.Object) []string {
	out := make([]string, len(objs))
	for i, o := range objs {
		out[i] = o.Key
	}
	return out
}

// Put writes content at key, failing the test on an error: a helper for
// drivers' own tests.
func Put(tb testing.TB, s lake.Store, key, content string) lake.Object {
	tb.Helper()
	return mustPut(tb, s, key, []byte(content), lake.Condition{})
}

// Get reads the content at key, failing the test on an error.
func Get(tb testing.TB, s lake.Store, key string) string {
	tb.Helper()
	b, _ := mustGet(tb, s, key)
	return string(b)
}

// Keys lists the keys under prefix, failing the test on an error.
func Keys(tb testing.TB, s lake.Store, prefix string) []string {
	tb.Helper()
	objs, err := s.List(tb.Context(), prefix)
	if err != nil {
		tb.Fatalf("List %q: %v", prefix, err)
	}
	return keysOf(objs)
}
