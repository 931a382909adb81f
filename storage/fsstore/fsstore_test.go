package fsstore_test

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/carer-outcomes/carer-outcomes/pipeline"
	"github.com/carer-outcomes/carer-outcomes/pipeline/lake"
	"github.com/carer-outcomes/carer-outcomes/storage/fsstore"
	"github.com/carer-outcomes/carer-outcomes/storage/storetest"
)

// childRootEnv, when set, makes TestStore_CrossProcess a child process that
// increments the counter in the store at that root.
const childRootEnv = "FSSTORE_TEST_CHILD_ROOT"

const childIncrements = 15

func open(tb testing.TB, root string) *fsstore.Store {
	tb.Helper()
	s, err := fsstore.New(root)
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

// entries lists the names in one of the store's folders.
func entries(tb testing.TB, dir string) []string {
	tb.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		tb.Fatal(err)
	}
	var names []string
	for _, e := range es {
		names = append(names, e.Name())
	}
	return names
}

func TestStore_Conformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) lake.Store { return open(t, t.TempDir()) })
}

func TestNew(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		root string
		want pipeline.ErrorKind // Internal: no error expected
	}{
		{"new nested folder", filepath.Join(dir, "a", "b", "lake"), pipeline.Internal},
		{"existing folder", dir, pipeline.Internal},
		{"a file", file, pipeline.Invalid},
		{"below a file", filepath.Join(file, "lake"), pipeline.Invalid},
		{"empty", "", pipeline.Invalid},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := fsstore.New(tc.root)
			if tc.want != pipeline.Internal {
				if err == nil || pipeline.KindOf(err) != tc.want {
					t.Fatalf("New(%q) = %v (kind %v), want kind %v", tc.root, err, pipeline.KindOf(err), tc.want)
				}
				return
			}
			if err != nil {
				t.Fatalf("New(%q): %v", tc.root, err)
			}
			storetest.Put(t, s, "k", "v")
			if got := storetest.Get(t, open(t, tc.root), "k"); got != "v" {
				t.Errorf("reopened store: k = %q, want %q", got, "v")
			}
		})
	}
}

func TestNew_SweepsStaleTemp(t *testing.T) {
	root := t.TempDir()
	open(t, root)
	stale := filepath.Join(root, ".tmp", "put-stale")
	fresh := filepath.Join(root, ".tmp", "put-fresh")
	for _, p := range []string{stale, fresh} {
		if err := os.WriteFile(p, []byte("partial"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	old := time.Now().Add(-48 * time.Hour)
	if err := os.Chtimes(stale, old, old); err != nil {
		t.Fatal(err)
	}
	open(t, root)
	if got := entries(t, filepath.Join(root, ".tmp")); len(got) != 1 || got[0] != "put-fresh" {
		t.Errorf(".tmp holds %q after New, want only the fresh file (it may be in use)", got)
	}
}

func TestStore_List(t *testing.T) {
	root := t.TempDir()
	s := open(t, root)
	storetest.Put(t, s, "curated/a.parquet", "a")
	storetest.Put(t, s, "raw/b.csv", "b")
	// What a crash leaves behind, and lock files held by another process.
	leftovers := map[string]string{
		".tmp/put-123456":                      "half an object",
		".locks/0123456789abcdef":              "",
		".tmp/nested/put-1":                    "x",
		"curated/.tmp-is-an-ordinary-name.txt": "y",
	}
	for name, content := range leftovers {
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		prefix string
		want   []string
	}{
		{"", []string{"curated/.tmp-is-an-ordinary-name.txt", "curated/a.parquet", "raw/b.csv"}},
		{".", nil},
		{".tmp", nil},
		{".tmp/", nil},
		{".locks/", nil},
		{".tmp/nested/", nil},
		{"curated/", []string{"curated/.tmp-is-an-ordinary-name.txt", "curated/a.parquet"}},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("%q", tc.prefix), func(t *testing.T) {
			got := storetest.Keys(t, s, tc.prefix)
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("List(%q) = %q, want %q", tc.prefix, got, tc.want)
			}
		})
	}
	for _, prefix := range []string{"../", "a//", "/", "./"} {
		if _, err := s.List(t.Context(), prefix); pipeline.KindOf(err) != pipeline.Invalid {
			t.Errorf("List(%q) = %v, want an Invalid error", prefix, err)
		}
	}
}

func TestStore_ReservedKeys(t *testing.T) {
	s := open(t, t.TempDir())
	ctx := t.Context()
	for _, key := range []string{".tmp/x", ".locks/x", ".tmp", ".locks"} {
		t.Run(key, func(t *testing.T) {
			if _, err := s.Put(ctx, key, strings.NewReader("x"), 1, lake.Condition{}); pipeline.KindOf(err) != pipeline.Invalid {
				t.Errorf("Put = %v, want Invalid", err)
			}
			if _, _, err := s.Get(ctx, key); pipeline.KindOf(err) != pipeline.Invalid {
				t.Errorf("Get = %v, want Invalid", err)
			}
			if _, err := s.Stat(ctx, key); pipeline.KindOf(err) != pipeline.Invalid {
				t.Errorf("Stat = %v, want Invalid", err)
			}
			if err := s.Delete(ctx, key); pipeline.KindOf(err) != pipeline.Invalid {
				t.Errorf("Delete = %v, want Invalid", err)
			}
		})
	}
}

func TestStore_Put(t *testing.T) {
	root := t.TempDir()
	s := open(t, root)
	storetest.Put(t, s, "obj", "o")
	storetest.Put(t, s, "dir/child", "c")
	tests := []struct {
		name string
		key  string
		body string
		size int64
		cond lake.Condition
		want pipeline.ErrorKind
	}{
		{"through an object", "obj/below", "x", 1, lake.Condition{}, pipeline.Invalid},
		{"through an object, if absent", "obj/below", "x", 1, lake.Condition{IfAbsent: true}, pipeline.Invalid},
		{"a folder", "dir", "x", 1, lake.Condition{}, pipeline.Invalid},
		{"a folder, if absent", "dir", "x", 1, lake.Condition{IfAbsent: true}, pipeline.Invalid},
		{"a folder, if match", "dir", "x", 1, lake.Condition{IfMatch: "1-1-1"}, pipeline.Invalid},
		{"body longer than size", "new", "xx", 1, lake.Condition{}, pipeline.Invalid},
		{"body shorter than size", "new", "x", 2, lake.Condition{}, pipeline.Invalid},
		{"negative size", "new", "x", -1, lake.Condition{}, pipeline.Invalid},
		{"both conditions", "new", "x", 1, lake.Condition{IfAbsent: true, IfMatch: "1-1-1"}, pipeline.Invalid},
		{"segment too long", strings.Repeat("x", 256), "x", 1, lake.Condition{}, pipeline.Invalid},
		{"key too long", strings.Repeat("abcdefg/", 200), "x", 1, lake.Condition{}, pipeline.Invalid},
		{"NUL byte", "a\x00b", "x", 1, lake.Condition{}, pipeline.Invalid},
		{"if match, made-up ETag", "obj", "x", 1, lake.Condition{IfMatch: "not-an-etag"}, pipeline.Conflict},
		{"if match, missing key", "missing", "x", 1, lake.Condition{IfMatch: "1-1-1"}, pipeline.NotFound},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := s.Put(t.Context(), tc.key, strings.NewReader(tc.body), tc.size, tc.cond)
			if err == nil || pipeline.KindOf(err) != tc.want {
				t.Fatalf("Put = %v (kind %v), want kind %v", err, pipeline.KindOf(err), tc.want)
			}
		})
	}
	if got := storetest.Keys(t, s, ""); strings.Join(got, " ") != "dir/child obj" {
		t.Errorf("store holds %q after failed Puts, want [dir/child obj]", got)
	}
	if got := storetest.Get(t, s, "obj"); got != "o" {
		t.Errorf("obj = %q after failed Puts, want %q", got, "o")
	}
	for _, dir := range []string{".tmp", ".locks"} {
		if got := entries(t, filepath.Join(root, dir)); len(got) != 0 {
			t.Errorf("%s holds %q after every Put returned, want nothing", dir, got)
		}
	}
}

func TestStore_Get(t *testing.T) {
	s := open(t, t.TempDir())
	storetest.Put(t, s, "k", "0123456789")
	rc, obj, err := s.Get(t.Context(), "k")
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	f, ok := rc.(*os.File)
	if !ok {
		t.Fatalf("Get returned a %T, want an *os.File", rc)
	}
	// The open version stays readable through an overwrite and a delete.
	storetest.Put(t, s, "k", "new content")
	if err := s.Delete(t.Context(), "k"); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		read func() (string, error)
		want string
	}{
		{"ReadAt", func() (string, error) {
			b := make([]byte, 3)
			_, err := f.ReadAt(b, 4)
			return string(b), err
		}, "456"},
		{"Seek and read", func() (string, error) {
			if _, err := f.Seek(-2, io.SeekEnd); err != nil {
				return "", err
			}
			b, err := io.ReadAll(f)
			return string(b), err
		}, "89"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.read()
			if err != nil || got != tc.want {
				t.Errorf("got %q, %v; want %q", got, err, tc.want)
			}
		})
	}
	if obj.Size != 10 {
		t.Errorf("Get size = %d, want 10", obj.Size)
	}
}

// TestStore_ETag overwrites a key many times with content of one size, fast
// enough that versions share a clock tick and, on ext4, an inode number:
// the ETag must change every time all the same.
func TestStore_ETag(t *testing.T) {
	s := open(t, t.TempDir())
	tests := []struct {
		name  string
		write func(i int) lake.Object
	}{
		{"overwrite", func(i int) lake.Object { return storetest.Put(t, s, "k", fmt.Sprintf("%04d", i)) }},
		{"delete and write", func(i int) lake.Object {
			if err := s.Delete(t.Context(), "d/k"); err != nil {
				t.Fatal(err)
			}
			return storetest.Put(t, s, "d/k", fmt.Sprintf("%04d", i))
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			seen := map[string]int{}
			for i := range 300 {
				obj := tc.write(i)
				if j, dup := seen[obj.ETag]; dup {
					t.Fatalf("versions %d and %d share ETag %s", j, i, obj.ETag)
				}
				seen[obj.ETag] = i
			}
		})
	}
}

func TestStore_Delete(t *testing.T) {
	root := t.TempDir()
	s := open(t, root)
	exists := func(rel string) bool {
		_, err := os.Stat(filepath.Join(root, rel))
		return err == nil
	}
	storetest.Put(t, s, "a/b/c/d.parquet", "d")
	storetest.Put(t, s, "a/x.parquet", "x")
	tests := []struct {
		name       string
		key        string
		gone, kept []string
	}{
		{"a folder is not an object", "a/b", nil, []string{"a/b/c/d.parquet"}},
		{"empty folders go", "a/b/c/d.parquet", []string{"a/b"}, []string{"a/x.parquet"}},
		{"up to the root", "a/x.parquet", []string{"a"}, []string{".tmp", ".locks"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := s.Delete(t.Context(), tc.key); err != nil {
				t.Fatal(err)
			}
			for _, p := range tc.gone {
				if exists(p) {
					t.Errorf("%s is still there", p)
				}
			}
			for _, p := range tc.kept {
				if !exists(p) {
					t.Errorf("%s is gone", p)
				}
			}
		})
	}

	// Deletes removing a folder race with Puts into it: the Puts must make
	// it again rather than fail.
	t.Run("racing puts", func(t *testing.T) {
		var wg sync.WaitGroup
		for w := range 8 {
			wg.Go(func() {
				key := fmt.Sprintf("race/org=X/period=2026-Q3/%d.parquet", w)
				for range 50 {
					if _, err := s.Put(t.Context(), key, strings.NewReader("x"), 1, lake.Condition{}); err != nil {
						t.Error(err)
						return
					}
					if err := s.Delete(t.Context(), key); err != nil {
						t.Error(err)
						return
					}
				}
			})
		}
		wg.Wait()
		if got := storetest.Keys(t, s, ""); len(got) != 0 {
			t.Errorf("store holds %q, want nothing", got)
		}
	})
}

// TestStore_TwoStores opens one root twice, as two processes would.
func TestStore_TwoStores(t *testing.T) {
	root := t.TempDir()
	a, b := open(t, root), open(t, root)
	ctx := t.Context()

	t.Run("see each other's writes", func(t *testing.T) {
		obj := storetest.Put(t, a, "shared/k", "from a")
		if got := storetest.Get(t, b, "shared/k"); got != "from a" {
			t.Errorf("b reads %q, want %q", got, "from a")
		}
		st, err := b.Stat(ctx, "shared/k")
		if err != nil || st.ETag != obj.ETag {
			t.Errorf("b Stat = %+v, %v; want ETag %q", st, err, obj.ETag)
		}
		if err := b.Delete(ctx, "shared/k"); err != nil {
			t.Fatal(err)
		}
		if _, err := a.Stat(ctx, "shared/k"); pipeline.KindOf(err) != pipeline.NotFound {
			t.Errorf("a Stat after b deleted = %v, want NotFound", err)
		}
	})

	t.Run("compare-and-swap", func(t *testing.T) {
		const workers, times = 8, 12
		var wg sync.WaitGroup
		for w := range workers {
			s := []lake.Store{a, b}[w%2]
			wg.Go(func() {
				if err := storetest.Increment(ctx, s, "counter", times); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		n, _, err := storetest.Counter(ctx, a, "counter")
		if err != nil || n != workers*times {
			t.Errorf("counter = %d, %v; want %d", n, err, workers*times)
		}
	})

	t.Run("create once", func(t *testing.T) {
		for round := range 10 {
			key := fmt.Sprintf("claims/%d", round)
			start := make(chan struct{})
			var wg sync.WaitGroup
			var mu sync.Mutex
			wins := 0
			for w := range 8 {
				s := []lake.Store{a, b}[w%2]
				wg.Go(func() {
					<-start
					_, err := s.Put(ctx, key, strings.NewReader("x"), 1, lake.Condition{IfAbsent: true})
					switch {
					case err == nil:
						mu.Lock()
						wins++
						mu.Unlock()
					case pipeline.KindOf(err) != pipeline.Conflict:
						t.Error(err)
					}
				})
			}
			close(start)
			wg.Wait()
			if wins != 1 {
				t.Errorf("%s: %d winners, want 1", key, wins)
			}
		}
	})
}

// TestStore_CrossProcess runs compare-and-swap increments in two child
// processes and this one at once on one root.
func TestStore_CrossProcess(t *testing.T) {
	if root := os.Getenv(childRootEnv); root != "" {
		if err := storetest.Increment(t.Context(), open(t, root), "counter", childIncrements); err != nil {
			t.Fatal(err)
		}
		return
	}
	if testing.Short() {
		t.Skip("starts processes")
	}
	root := t.TempDir()
	s := open(t, root)
	const children, goroutines = 2, 2
	var wg sync.WaitGroup
	for range children {
		wg.Go(func() {
			cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^TestStore_CrossProcess$", "-test.count=1")
			cmd.Env = append(os.Environ(), childRootEnv+"="+root)
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Errorf("child process: %v\n%s", err, out)
			}
		})
	}
	for range goroutines {
		wg.Go(func() {
			if err := storetest.Increment(t.Context(), s, "counter", childIncrements); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	got := storetest.Get(t, s, "counter")
	if want := strconv.Itoa((children + goroutines) * childIncrements); got != want {
		t.Errorf("counter = %s, want %s", got, want)
	}
	if b := entries(t, filepath.Join(root, ".tmp")); len(b) != 0 {
		t.Errorf(".tmp holds %q, want nothing", b)
	}
}
