// Package laketest is the lake's commit protocol conformance suite: the
// same retries, races and crashes run against every store driver (the
// folder store, and S3 on versitygw), so that the protocol is shown to hold
// on each, not only on the one a unit test happens to use.
package laketest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/carer-outcomes/carer-outcomes/pipeline"
	"github.com/carer-outcomes/carer-outcomes/pipeline/lake"
)

// NewStore makes an empty store for one test.
type NewStore func(tb testing.TB) lake.Store

// Part is the partition the suite commits to.
var Part = lake.Partition{Kind: "carers", Org: "LEEDS-CC", Period: pipeline.Period{Year: 2026, Quarter: 3}}

// Monday is when the suite's first version is received.
var Monday = time.Date(2026, 10, 5, 9, 0, 0, 0, time.UTC)

// NewVersion is a version of Part with rows rows, received at received,
// whose bytes (and so upload id) are told apart by tag.
func NewVersion(tag string, rows int, received time.Time) lake.Version {
	data := []byte(fmt.Sprintf("PAR1 %s %d rows PAR1", tag, rows))
	return lake.Version{Partition: Part, UploadID: fmt.Sprintf("%064x", data), ReceivedAt: received, File: tag + ".csv",
		SchemaVersion: 1, Rows: rows, Stats: lake.Stats{RowsRead: rows, RowsAccepted: rows},
		Data: bytes.NewReader(data), Size: int64(len(data)), CommittedAt: received.Add(time.Minute)}
}

// Run runs every test of the suite against stores made by newStore.
func Run(t *testing.T, newStore NewStore) {
	t.Run("Duplicates", func(t *testing.T) { testDuplicates(t, newStore) })
	t.Run("ConcurrentVersions", func(t *testing.T) { testConcurrentVersions(t, newStore) })
	t.Run("StaleRetry", func(t *testing.T) { testStaleRetry(t, newStore) })
	t.Run("RevertAndTie", func(t *testing.T) { testRevertAndTie(t, newStore) })
	t.Run("Faults", func(t *testing.T) { testFaults(t, newStore) })
	t.Run("AbandonedCommit", func(t *testing.T) { testAbandoned(t, newStore) })
	t.Run("GC", func(t *testing.T) { testGC(t, newStore) })
}

// testAbandoned: a commit that stops after its switch and is never retried
// (its message dead-lettered) is finished by the next commit of the
// partition: the log still has one entry per transition.
func testAbandoned(t *testing.T, newStore NewStore) {
	fs := &FaultStore{Store: newStore(t)}
	l := &lake.Lake{Store: fs}
	v1, v2 := NewVersion("v1", 3, Monday), NewVersion("v2", 2, Monday.AddDate(0, 0, 1))
	// Get pointer, Put data, Put pointer, Put entry: the entry is lost.
	fs.Mode, fs.At = Dropped, 4
	if _, err := l.Commit(context.Background(), v1); !errors.Is(err, errFault) {
		t.Fatalf("the fault did not stop the commit: %v", err)
	}
	fs.At = 0
	if cur, _ := currentLog(t, l); len(cur) != 0 {
		t.Fatalf("the fault did not hit the log entry: %+v", cur)
	}
	commit(t, l, v2)
	cur, _ := currentLog(t, l)
	if len(cur) != 2 || cur[0].UploadID != v1.UploadID || cur[1].SupersededUploadID != v1.UploadID {
		t.Errorf("log %+v: want v1's transition, then v2's", cur)
	}
	Strict(t, l, lake.CheckOptions{})
}

func commit(tb testing.TB, l *lake.Lake, v lake.Version) lake.Outcome {
	tb.Helper()
	out, err := l.Commit(context.Background(), v)
	if err != nil {
		tb.Fatalf("commit %s: %v", v.File, err)
	}
	return out
}

// Keys lists a lake's keys under prefix.
func Keys(tb testing.TB, s lake.Store, prefix string) []string {
	tb.Helper()
	objs, err := s.List(context.Background(), prefix)
	if err != nil {
		tb.Fatal(err)
	}
	var out []string
	for _, o := range objs {
		out = append(out, o.Key)
	}
	return out
}

// Strict checks a lake with no grace at all: every unnamed file is an
// orphan and every commit must be finished.
func Strict(tb testing.TB, l *lake.Lake, opt lake.CheckOptions) {
	tb.Helper()
	opt.Now, opt.Grace = time.Now().Add(time.Hour), time.Nanosecond
	rep, err := l.Check(context.Background(), opt)
	if err != nil {
		tb.Fatal(err)
	}
	for _, f := range rep.Findings {
		tb.Errorf("lake check: %s", f)
	}
}

// currentLog is the log's entries of status current for Part, in version order.
func currentLog(tb testing.TB, l *lake.Lake) (cur, late []lake.LedgerEntry) {
	tb.Helper()
	log, err := l.Ledger(context.Background(), Part.Org)
	if err != nil {
		tb.Fatal(err)
	}
	for _, e := range log {
		switch e.Status {
		case lake.StatusCurrent:
			cur = append(cur, e)
		case lake.StatusSupersededOnArrival:
			late = append(late, e)
		}
	}
	slices.SortFunc(cur, func(a, b lake.LedgerEntry) int { return a.Version - b.Version })
	return cur, late
}

func pointer(tb testing.TB, l *lake.Lake) lake.Pointer {
	tb.Helper()
	p, _, ok, err := l.Current(context.Background(), Part)
	if err != nil || !ok {
		tb.Fatalf("no pointer: %v", err)
	}
	return p
}

func testDuplicates(t *testing.T, newStore NewStore) {
	for _, tt := range []struct {
		name       string
		n          int
		concurrent bool
	}{{"3 in sequence", 3, false}, {"10 at once", 10, true}} {
		t.Run(tt.name, func(t *testing.T) {
			l := &lake.Lake{Store: newStore(t)}
			v := NewVersion("v1", 4, Monday)
			var wg sync.WaitGroup
			statuses := make([]lake.CommitStatus, tt.n)
			for i := range tt.n {
				do := func() {
					out, err := l.Commit(context.Background(), v)
					if err != nil {
						t.Error(err)
					}
					statuses[i] = out.Status
				}
				if tt.concurrent {
					wg.Go(do)
				} else {
					do()
				}
			}
			wg.Wait()
			if n := slices.Index(statuses, lake.Committed); n < 0 || slices.Index(statuses[n+1:], lake.Committed) >= 0 {
				t.Errorf("outcomes %q: want exactly one committed", statuses)
			}
			ptr := pointer(t, l)
			files := Keys(t, l.Store, "curated/")
			cur, late := currentLog(t, l)
			if ptr.Version != 1 || !slices.Equal(files, []string{ptr.Key}) || len(cur) != 1 || len(late) != 0 {
				t.Errorf("pointer version %d, files %q, log %+v, late %+v: want version 1, one file, one entry", ptr.Version, files, cur, late)
			} else if cur[0].RowsAccepted != ptr.Rows || ptr.Rows != 4 {
				t.Errorf("log accepted %d, pointer %d rows, want 4 and 4", cur[0].RowsAccepted, ptr.Rows)
			}
			Strict(t, l, lake.CheckOptions{})
		})
	}
}

func testConcurrentVersions(t *testing.T, newStore NewStore) {
	for round := range 3 {
		l := &lake.Lake{Store: newStore(t)}
		const n = 10
		versions := make([]lake.Version, n)
		for i := range versions {
			versions[i] = NewVersion(fmt.Sprintf("v%d-r%d", i, round), i+1, Monday.Add(time.Duration(i)*time.Hour))
		}
		order := rand.Perm(n)
		var wg sync.WaitGroup
		for _, i := range order {
			wg.Go(func() {
				if _, err := l.Commit(context.Background(), versions[i]); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		ptr := pointer(t, l)
		if ptr.UploadID != versions[n-1].UploadID {
			t.Errorf("round %d (order %v): current is %s, want the latest received, %s", round, order, ptr.File, versions[n-1].File)
		}
		cur, late := currentLog(t, l)
		if len(cur) != ptr.Version || len(cur)+len(late) != n {
			t.Errorf("round %d: %d transitions logged for pointer version %d, %d late; want every one of %d versions logged once", round, len(cur), ptr.Version, len(late), n)
		}
		for i, e := range cur {
			if e.Version != i+1 || i > 0 && e.SupersededUploadID != cur[i-1].UploadID || i > 0 && !lake.Later(e.ReceivedAt, e.UploadID, lake.Pointer{ReceivedAt: cur[i-1].ReceivedAt, UploadID: cur[i-1].UploadID}) {
				t.Errorf("round %d: transition %d is %+v after %+v", round, i+1, e, cur[max(i-1, 0)])
			}
		}
		if files := Keys(t, l.Store, "curated/"); !slices.Equal(files, []string{ptr.Key}) {
			t.Errorf("round %d: files %q, want only %s", round, files, ptr.Key)
		}
		Strict(t, l, lake.CheckOptions{})
	}
}

func testStaleRetry(t *testing.T, newStore NewStore) {
	l := &lake.Lake{Store: newStore(t)}
	v1, v2 := NewVersion("v1", 3, Monday), NewVersion("v2", 2, Monday.AddDate(0, 0, 1))
	commit(t, l, v1)
	commit(t, l, v2)
	// v1's event delivered again, after v2: v2 stays current.
	out := commit(t, l, v1)
	if out.Status != lake.SupersededOnArrival || out.Pointer.UploadID != v2.UploadID {
		t.Errorf("v1 again: %s, current %s; want superseded on arrival, v2 current", out.Status, out.Pointer.File)
	}
	if ptr := pointer(t, l); ptr.UploadID != v2.UploadID || ptr.Version != 2 {
		t.Errorf("current %s version %d, want v2 version 2", ptr.File, ptr.Version)
	}
	cur, late := currentLog(t, l)
	if len(cur) != 2 || len(late) != 1 || late[0].UploadID != v1.UploadID {
		t.Errorf("log: %d transitions, late %+v; want 2 and v1 late", len(cur), late)
	}
	// An older version arriving for the first time after a newer one.
	v0 := NewVersion("v0", 9, Monday.Add(-time.Hour))
	if out := commit(t, l, v0); out.Status != lake.SupersededOnArrival {
		t.Errorf("v0 received first, delivered last: %s", out.Status)
	}
	if files := Keys(t, l.Store, "curated/"); !slices.Equal(files, []string{pointer(t, l).Key}) {
		t.Errorf("files %q: a late version's file was kept", files)
	}
	Strict(t, l, lake.CheckOptions{})
}

func testRevertAndTie(t *testing.T, newStore NewStore) {
	l := &lake.Lake{Store: newStore(t)}
	v1, v2 := NewVersion("v1", 3, Monday), NewVersion("v2", 2, Monday.AddDate(0, 0, 1))
	commit(t, l, v1)
	commit(t, l, v2)
	// The same bytes as v1 sent again later: a deliberate revert.
	again := v1
	again.ReceivedAt, again.CommittedAt = Monday.AddDate(0, 0, 2), Monday.AddDate(0, 0, 2)
	if out := commit(t, l, again); out.Status != lake.Committed || out.Pointer.Version != 3 {
		t.Errorf("revert: %s version %d, want committed version 3", out.Status, out.Pointer.Version)
	}
	back := v2
	back.ReceivedAt, back.CommittedAt = Monday.AddDate(0, 0, 3), Monday.AddDate(0, 0, 3)
	commit(t, l, back)
	cur, _ := currentLog(t, l)
	var ids []string
	for _, e := range cur {
		ids = append(ids, e.File)
	}
	if !slices.Equal(ids, []string{"v1.csv", "v2.csv", "v1.csv", "v2.csv"}) {
		t.Errorf("transitions %q, want v1 v2 v1 v2", ids)
	}
	Strict(t, l, lake.CheckOptions{})

	// Received at the same instant: the greater upload id wins, in either order.
	a, b := NewVersion("a", 1, Monday), NewVersion("b", 1, Monday)
	winner := a
	if b.UploadID > a.UploadID {
		winner = b
	}
	for _, order := range [][]lake.Version{{a, b}, {b, a}} {
		l := &lake.Lake{Store: newStore(t)}
		commit(t, l, order[0])
		commit(t, l, order[1])
		if got := pointer(t, l).UploadID; got != winner.UploadID {
			t.Errorf("tie, %s first: %s current, want %s", order[0].File, got[:8], winner.UploadID[:8])
		}
	}
}

// Fault modes of FaultStore.
const (
	// Dropped: the operation fails before it reaches the store.
	Dropped = "dropped before the store"
	// Lost: the operation is applied, and its answer is lost.
	Lost = "applied, answer lost"
)

// FaultStore fails the At-th operation (counting from 1) in the given mode;
// At 0 fails none. Ops counts the operations made.
type FaultStore struct {
	lake.Store
	Mode string
	mu   sync.Mutex
	At   int
	Ops  int
}

var errFault = errors.New("injected fault")

func (f *FaultStore) fault(do func() error) error {
	f.mu.Lock()
	f.Ops++
	hit := f.At > 0 && f.Ops == f.At
	f.mu.Unlock()
	if hit && f.Mode == Dropped {
		return pipeline.Errorf(pipeline.Transient, "%w", errFault)
	}
	err := do()
	if hit {
		return pipeline.Errorf(pipeline.Transient, "%w (the operation was applied: %v)", errFault, err)
	}
	return err
}

func (f *FaultStore) Get(ctx context.Context, key string) (rc io.ReadCloser, obj lake.Object, err error) {
	err = f.fault(func() error { rc, obj, err = f.Store.Get(ctx, key); return err })
	if err != nil && rc != nil {
		rc.Close()
		rc = nil
	}
	return rc, obj, err
}

func (f *FaultStore) Stat(ctx context.Context, key string) (obj lake.Object, err error) {
	err = f.fault(func() error { obj, err = f.Store.Stat(ctx, key); return err })
	return obj, err
}

func (f *FaultStore) List(ctx context.Context, prefix string) (objs []lake.Object, err error) {
	err = f.fault(func() error { objs, err = f.Store.List(ctx, prefix); return err })
	return objs, err
}

func (f *FaultStore) Put(ctx context.Context, key string, body io.Reader, size int64, cond lake.Condition) (obj lake.Object, err error) {
	err = f.fault(func() error { obj, err = f.Store.Put(ctx, key, body, size, cond); return err })
	return obj, err
}

func (f *FaultStore) Delete(ctx context.Context, key string) error {
	return f.fault(func() error { return f.Store.Delete(ctx, key) })
}

// Snapshot is every key of a store with its content, for comparing two
// lakes.
func Snapshot(tb testing.TB, s lake.Store) []string {
	tb.Helper()
	var out []string
	for _, k := range Keys(tb, s, "") {
		rc, _, err := s.Get(context.Background(), k)
		if err != nil {
			tb.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, k+" "+string(b))
	}
	return out
}

// testFaults fails each operation of a commit that supersedes an earlier
// version in turn, in both modes; the retry must leave the lake a clean
// run leaves.
func testFaults(t *testing.T, newStore NewStore) {
	v1, v2 := NewVersion("v1", 3, Monday), NewVersion("v2", 2, Monday.AddDate(0, 0, 1))
	prepare := func(t *testing.T) (*lake.Lake, *FaultStore) {
		fs := &FaultStore{Store: newStore(t)}
		l := &lake.Lake{Store: fs}
		commit(t, l, v1)
		return l, fs
	}
	l, fs := prepare(t)
	fs.Ops = 0
	commit(t, l, v2)
	steps := fs.Ops
	want := Snapshot(t, fs.Store)
	if steps < 4 {
		t.Fatalf("a clean commit took %d operations", steps)
	}
	for _, mode := range []string{Dropped, Lost} {
		for k := 1; k <= steps; k++ {
			l, fs := prepare(t)
			fs.Mode, fs.At, fs.Ops = mode, k, 0
			_, err := l.Commit(context.Background(), v2)
			if err != nil && !errors.Is(err, errFault) {
				t.Errorf("%s at operation %d: %v", mode, k, err)
			}
			fs.At = 0
			if out := commit(t, l, v2); out.Pointer.UploadID != v2.UploadID {
				t.Errorf("%s at operation %d: after the retry %s is current", mode, k, out.Pointer.File)
			}
			if got := Snapshot(t, fs.Store); !slices.Equal(got, want) {
				t.Errorf("%s at operation %d: the lake differs from a clean run's\n got %q\nwant %q", mode, k, got, want)
			}
			Strict(t, l, lake.CheckOptions{})
		}
	}
	t.Logf("a fault at each of the %d store operations of a superseding commit, in 2 modes", steps)
}

func testGC(t *testing.T, newStore NewStore) {
	l := &lake.Lake{Store: newStore(t)}
	v1 := NewVersion("v1", 3, Monday)
	commit(t, l, v1)
	ctx := context.Background()
	plant := func(name string) string {
		key := "curated/" + Part.Kind + "/org=" + Part.Org + "/period=" + Part.Period.String() + "/" + name + ".parquet"
		if _, err := l.Store.Put(ctx, key, strings.NewReader("orphan"), 6, lake.Condition{}); err != nil {
			t.Fatal(err)
		}
		return key
	}
	old1, old2 := plant("old-1"), plant("old-2")
	// Stores keep modification times to the second (S3): the new orphan
	// is planted over a second later, and the grace period ends just
	// before it was.
	time.Sleep(1100 * time.Millisecond)
	fresh := plant("new-1")
	st, err := l.Store.Stat(ctx, fresh)
	if err != nil {
		t.Fatal(err)
	}
	opt := lake.CheckOptions{Grace: time.Hour}
	opt.Now = st.Modified.Add(opt.Grace - time.Nanosecond)
	before := Keys(t, l.Store, "curated/")
	dry, err := l.GC(ctx, opt, false)
	if err != nil {
		t.Fatal(err)
	}
	if got := objKeys(dry.Removed); !slices.Equal(got, []string{old1, old2}) {
		t.Errorf("dry run would remove %q, want %q", got, []string{old1, old2})
	}
	if after := Keys(t, l.Store, "curated/"); !slices.Equal(after, before) {
		t.Errorf("a dry run changed the lake: %q, was %q", after, before)
	}
	rep, err := l.GC(ctx, opt, true)
	if err != nil {
		t.Fatal(err)
	}
	if got := objKeys(rep.Removed); !slices.Equal(got, []string{old1, old2}) {
		t.Errorf("removed %q, want %q", got, []string{old1, old2})
	}
	if got, want := Keys(t, l.Store, "curated/"), []string{fresh, pointer(t, l).Key}; !slices.Equal(got, sorted(want)) {
		t.Errorf("left %q, want %q", got, sorted(want))
	}
}

func objKeys(objs []lake.Object) []string {
	var out []string
	for _, o := range objs {
		out = append(out, o.Key)
	}
	return out
}

func sorted(s []string) []string { s = slices.Clone(s); slices.Sort(s); return s }
