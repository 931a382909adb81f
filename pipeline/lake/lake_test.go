package lake_test

import (
	"context"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/carer-outcomes/carer-outcomes/pipeline"
	"github.com/carer-outcomes/carer-outcomes/pipeline/lake"
	"github.com/carer-outcomes/carer-outcomes/pipeline/lake/laketest"
	"github.com/carer-outcomes/carer-outcomes/storage/fsstore"
)

func newStore(tb testing.TB) lake.Store {
	tb.Helper()
	s, err := fsstore.New(tb.TempDir())
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

func newLake(tb testing.TB) *lake.Lake {
	tb.Helper()
	return &lake.Lake{Store: newStore(tb)}
}

// TestLake_Commit runs the commit protocol's suite on the folder store; the
// S3 driver's tests run it on versitygw.
func TestLake_Commit(t *testing.T) {
	laketest.Run(t, newStore)
}

func TestLake_Partitions(t *testing.T) {
	ctx := context.Background()
	l := newLake(t)
	q2, q3 := pipeline.Period{Year: 2026, Quarter: 2}, pipeline.Period{Year: 2026, Quarter: 3}
	made := []lake.Partition{
		{Kind: "carers", Org: "LEEDS-CC", Period: q2},
		{Kind: "carers", Org: "LEEDS-CC", Period: q3},
		{Kind: "carers", Org: "BRISTOL-CW", Period: q3},
		{Kind: "support", Org: "LEEDS-CC", Period: q3},
	}
	for _, p := range made {
		v := laketest.NewVersion("u", 1, laketest.Monday)
		v.Partition = p
		if _, err := l.Commit(ctx, v); err != nil {
			t.Fatal(err)
		}
	}
	// An upload's rows beside the pointers are not partitions of their own.
	if _, err := l.Store.Put(ctx, "current/carers/org=LEEDS-CC/period=2026-Q3/stray.json", strings.NewReader("{}"), 2, lake.Condition{}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		kind, org string
		want      []lake.Partition
	}{
		{"carers", "", made[:3]},
		{"carers", "LEEDS-CC", made[:2]},
		{"support", "", made[3:]},
		{"outcomes", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.kind+" "+tt.org, func(t *testing.T) {
			got, err := l.Partitions(ctx, tt.kind, tt.org)
			if err != nil {
				t.Fatal(err)
			}
			key := func(p lake.Partition) string { return p.String() }
			if !slices.Equal(sortedBy(got, key), sortedBy(tt.want, key)) {
				t.Errorf("Partitions = %v, want %v", got, tt.want)
			}
		})
	}
	if ptrs, err := l.Pointers(ctx, "carers", "BRISTOL-CW"); err != nil || len(ptrs) != 1 || ptrs[0].Org != "BRISTOL-CW" {
		t.Errorf("Pointers = %+v, %v", ptrs, err)
	}
}

func sortedBy[T any](xs []T, key func(T) string) []T {
	out := slices.Clone(xs)
	slices.SortFunc(out, func(a, b T) int { return strings.Compare(key(a), key(b)) })
	return out
}

func TestLake_Reject(t *testing.T) {
	ctx := context.Background()
	l := newLake(t)
	e := lake.LedgerEntry{Org: "LEEDS-CC", Period: "2026-Q3", Kind: "carers", UploadID: "a", RowsRead: 2, RowsRejected: 2}
	for range 3 {
		if err := l.Reject(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	log, err := l.Ledger(ctx, "LEEDS-CC")
	if err != nil || len(log) != 1 || log[0].Status != lake.StatusRejected || log[0].RowsRejected != 2 {
		t.Errorf("Ledger = %+v, %v; want one rejection", log, err)
	}
	if _, _, ok, _ := l.Current(ctx, lake.Partition{Kind: "carers", Org: "LEEDS-CC", Period: pipeline.Period{Year: 2026, Quarter: 3}}); ok {
		t.Error("a rejection made a pointer")
	}
}

func TestLake_QuarterLedger(t *testing.T) {
	ctx := context.Background()
	l := newLake(t)
	for _, e := range []lake.LedgerEntry{
		{Org: "LEEDS-CC", Period: "2026-Q3", Kind: "carers", UploadID: "a"},
		{Org: "LEEDS-CC", Period: "2026-Q2", Kind: "carers", UploadID: "b"},
		{Org: "YORK-CC", Period: "2026-Q3", Kind: "support", UploadID: "c"},
		// A quarter whose name starts like another's is not that quarter.
		{Org: "YORK-CC", Period: "2026-Q33", Kind: "support", UploadID: "d"},
	} {
		if err := l.Reject(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		period string
		want   []string // upload ids, in key order
	}{
		{"2026-Q3", []string{"a", "c"}},
		{"2026-Q2", []string{"b"}},
		{"2026-Q1", nil},
	}
	for _, tt := range tests {
		t.Run(tt.period, func(t *testing.T) {
			log, err := l.QuarterLedger(ctx, tt.period)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, e := range log {
				got = append(got, e.UploadID)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("uploads = %q, want %q", got, tt.want)
			}
		})
	}
}

// inspect reads the suite's fake files: "PAR1 <tag> <n> rows PAR1", and a
// file whose tag is "raw" has a client_ref column.
func inspect(r io.ReaderAt, size int64) (lake.FileFacts, error) {
	b := make([]byte, size)
	if _, err := r.ReadAt(b, 0); err != nil && err != io.EOF {
		return lake.FileFacts{}, err
	}
	f := strings.Fields(string(b))
	if len(f) != 5 || f[0] != "PAR1" {
		return lake.FileFacts{}, pipeline.Errorf(pipeline.Invalid, "not a test file")
	}
	var n int64
	for _, c := range f[2] {
		n = n*10 + int64(c-'0')
	}
	cols := []string{"carer_id"}
	if f[1] == "raw" {
		cols = append(cols, "client_ref")
	}
	return lake.FileFacts{Rows: n, Columns: cols}, nil
}

func TestLake_Check(t *testing.T) {
	ctx := context.Background()
	put := func(l *lake.Lake, key, body string) {
		if _, err := l.Store.Put(ctx, key, strings.NewReader(body), int64(len(body)), lake.Condition{}); err != nil {
			t.Fatal(err)
		}
	}
	v1, v2 := laketest.NewVersion("v1", 3, laketest.Monday), laketest.NewVersion("v2", 2, laketest.Monday.AddDate(0, 0, 1))
	dir := "curated/carers/org=LEEDS-CC/period=2026-Q3/"
	tests := []struct {
		name   string
		break_ func(l *lake.Lake, ptr lake.Pointer)
		want   string // in the one finding; "" for none
	}{
		{"a sound lake", func(*lake.Lake, lake.Pointer) {}, ""},
		{"the current file removed", func(l *lake.Lake, p lake.Pointer) { l.Store.Delete(ctx, p.Key) }, "does not exist"},
		{"a file with other rows", func(l *lake.Lake, p lake.Pointer) { put(l, p.Key, "PAR1 v2 7 rows PAR1") }, "says 2 rows"},
		{"an orphan", func(l *lake.Lake, p lake.Pointer) { put(l, dir+"x.parquet", "PAR1 x 1 rows PAR1") }, "an orphan"},
		{"a raw identifier", func(l *lake.Lake, p lake.Pointer) { put(l, p.Key, "PAR1 raw 2 rows PAR1") }, "raw identifier column client_ref"},
		{"not Parquet", func(l *lake.Lake, p lake.Pointer) { put(l, p.Key, "hello") }, "not a curated Parquet file"},
		{"a log entry lost", func(l *lake.Lake, p lake.Pointer) {
			for _, k := range laketest.Keys(t, l.Store, "ledger/") {
				if strings.Contains(k, "-v00000002-") {
					l.Store.Delete(ctx, k)
				}
			}
		}, "no log entry for version 2"},
		{"a log entry doubled", func(l *lake.Lake, p lake.Pointer) {
			put(l, "ledger/ingest_log/org=LEEDS-CC/period=2026-Q3/carers-20261005T090000Z-x.json", `{"org":"LEEDS-CC","period":"2026-Q3","kind":"carers","upload_id":"x","status":"current","version":2}`)
		}, "belongs under"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := newLake(t)
			for _, v := range []lake.Version{v1, v2} {
				if _, err := l.Commit(ctx, v); err != nil {
					t.Fatal(err)
				}
			}
			ptr, _, _, _ := l.Current(ctx, laketest.Part)
			tt.break_(l, ptr)
			rep, err := l.Check(ctx, lake.CheckOptions{Now: time.Now().Add(time.Hour), Grace: time.Minute, Inspect: inspect, RawColumns: []string{"client_ref"}})
			if err != nil {
				t.Fatal(err)
			}
			findings := rep.Findings
			switch {
			case tt.want == "" && len(findings) != 0:
				t.Errorf("findings %q, want none", findings)
			case tt.want != "" && (len(findings) != 1 || !strings.Contains(findings[0].Problem, tt.want)):
				t.Errorf("findings %q, want one saying %q", findings, tt.want)
			}
		})
	}
}

func TestLake_GCCompletesACommit(t *testing.T) {
	ctx := context.Background()
	fs := &laketest.FaultStore{Store: newStore(t)}
	l := &lake.Lake{Store: fs}
	v := laketest.NewVersion("v1", 3, laketest.Monday)
	// The commit stops after its switch: the log entry's write is dropped.
	fs.Mode, fs.At = laketest.Dropped, 4 // Get pointer, Put data, Put pointer, Put entry
	if _, err := l.Commit(ctx, v); err == nil {
		t.Fatal("the commit did not fail")
	}
	fs.At = 0
	opt := lake.CheckOptions{Now: v.CommittedAt.Add(48 * time.Hour)}
	if rep, _ := l.Check(ctx, opt); len(rep.Findings) != 1 || !strings.Contains(rep.Findings[0].Problem, "no log entry for version 1") {
		f := rep.Findings
		t.Fatalf("findings %q, want the missing entry", f)
	}
	if rep, err := l.GC(ctx, opt, false); err != nil || len(rep.Completed) != 1 {
		t.Fatalf("dry run: %+v %v", rep, err)
	}
	if rep, _ := l.Check(ctx, opt); len(rep.Findings) != 1 {
		t.Errorf("the dry run wrote the entry")
	}
	if _, err := l.GC(ctx, opt, true); err != nil {
		t.Fatal(err)
	}
	if rep, err := l.Check(ctx, opt); len(rep.Findings) != 0 || err != nil {
		t.Errorf("after gc --apply: %q %v", rep.Findings, err)
	}
}
