package lake_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/carer-outcomes/carer-outcomes/pipeline"
	"github.com/carer-outcomes/carer-outcomes/pipeline/lake"
	"github.com/carer-outcomes/carer-outcomes/storage/fsstore"
)

func newLake(tb testing.TB) *lake.Lake {
	tb.Helper()
	s, err := fsstore.New(tb.TempDir())
	if err != nil {
		tb.Fatal(err)
	}
	return &lake.Lake{Store: s}
}

func TestLake_Switch(t *testing.T) {
	ctx := context.Background()
	l := newLake(t)
	p := lake.Partition{Kind: "carers", Org: "LEEDS-CC", Period: pipeline.Period{Year: 2026, Quarter: 3}}
	ptr := func(id string) lake.Pointer {
		return lake.Pointer{Kind: p.Kind, Org: p.Org, Period: p.Period.String(), UploadID: id, Key: lake.DataKey(p, id)}
	}
	if _, _, ok, err := l.Current(ctx, p); ok || err != nil {
		t.Fatalf("a new partition has a pointer: %v %v", ok, err)
	}
	if err := l.Switch(ctx, p, ptr("a"), ""); err != nil {
		t.Fatal(err)
	}
	cur, etag, ok, err := l.Current(ctx, p)
	if err != nil || !ok || cur.UploadID != "a" || cur.Key != "curated/carers/org=LEEDS-CC/period=2026-Q3/a.parquet" {
		t.Fatalf("current = %+v, %v, %v", cur, ok, err)
	}
	tests := []struct {
		name string
		etag string
		kind pipeline.ErrorKind // 0 for success
	}{
		{"a second first version", "", pipeline.Conflict},
		{"a stale etag", etag + "x", pipeline.Conflict},
		{"the current etag", etag, 0},
		{"the same etag again", etag, pipeline.Conflict},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := l.Switch(ctx, p, ptr("b"), tt.etag)
			if tt.kind == 0 && err != nil || tt.kind != 0 && pipeline.KindOf(err) != tt.kind {
				t.Errorf("Switch: %v (kind %v), want kind %v", err, pipeline.KindOf(err), tt.kind)
			}
		})
	}
	if cur, _, _, _ := l.Current(ctx, p); cur.UploadID != "b" {
		t.Errorf("current = %s, want b", cur.UploadID)
	}
	all, err := l.Pointers(ctx, "carers", "")
	if err != nil || len(all) != 1 || all[0].UploadID != "b" {
		t.Errorf("Pointers = %+v, %v", all, err)
	}
	if other, err := l.Pointers(ctx, "carers", "BRISTOL-CW"); err != nil || len(other) != 0 {
		t.Errorf("another organisation's pointers = %+v, %v", other, err)
	}
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
		ptr := lake.Pointer{Kind: p.Kind, Org: p.Org, Period: p.Period.String(), UploadID: "u", Key: lake.DataKey(p, "u")}
		if err := l.Switch(ctx, p, ptr, ""); err != nil {
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
}

func sortedBy[T any](xs []T, key func(T) string) []T {
	out := slices.Clone(xs)
	slices.SortFunc(out, func(a, b T) int { return strings.Compare(key(a), key(b)) })
	return out
}

func TestLake_Record(t *testing.T) {
	ctx := context.Background()
	l := newLake(t)
	at := time.Date(2026, 10, 5, 9, 0, 0, 0, time.UTC)
	e := lake.LedgerEntry{Org: "LEEDS-CC", Period: "2026-Q3", Kind: "carers", UploadID: "a", CommittedAt: at, Status: lake.StatusCurrent}
	if err := l.Record(ctx, e); err != nil {
		t.Fatal(err)
	}
	if err := l.Record(ctx, e); pipeline.KindOf(err) != pipeline.Conflict {
		t.Errorf("recording the same entry twice: %v, want a conflict (the log is append-only)", err)
	}
	e2 := e
	e2.CommittedAt, e2.UploadID, e2.SupersededUploadID = at.Add(time.Second), "b", "a"
	if err := l.Record(ctx, e2); err != nil {
		t.Fatal(err)
	}
	log, err := l.Ledger(ctx, "LEEDS-CC")
	if err != nil || len(log) != 2 || log[0].UploadID != "a" || log[1].SupersededUploadID != "a" {
		t.Errorf("Ledger = %+v, %v", log, err)
	}
}

func TestLake_QuarterLedger(t *testing.T) {
	ctx := context.Background()
	l := newLake(t)
	at := time.Date(2026, 10, 5, 9, 0, 0, 0, time.UTC)
	for i, e := range []lake.LedgerEntry{
		{Org: "LEEDS-CC", Period: "2026-Q3", Kind: "carers", UploadID: "a"},
		{Org: "LEEDS-CC", Period: "2026-Q2", Kind: "carers", UploadID: "b"},
		{Org: "YORK-CC", Period: "2026-Q3", Kind: "support", UploadID: "c"},
		// A quarter whose name starts like another's is not that quarter.
		{Org: "YORK-CC", Period: "2026-Q33", Kind: "support", UploadID: "d"},
	} {
		e.CommittedAt, e.Status = at.Add(time.Duration(i)*time.Second), lake.StatusCurrent
		if err := l.Record(ctx, e); err != nil {
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
