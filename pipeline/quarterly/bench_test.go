package quarterly_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/carer-outcomes/carer-outcomes/internal/benchlake"
	"github.com/carer-outcomes/carer-outcomes/internal/heapwatch"
	"github.com/carer-outcomes/carer-outcomes/pipeline/metrics"
	"github.com/carer-outcomes/carer-outcomes/pipeline/metrics/lakedata"
	"github.com/carer-outcomes/carer-outcomes/pipeline/quarterly"
	"github.com/carer-outcomes/carer-outcomes/pipeline/reportpage"
	"github.com/carer-outcomes/carer-outcomes/pipeline/standard/standardtest"
)

// BenchmarkBuild_Consortium builds the consortium's quarterly report (every
// figure for the consortium and each of 50 organisations, suppressed, with
// the data-quality table) from a lake of 50 organisations × 40 quarters,
// about 5 million rows, and writes its page. The lake is generated once
// into the temporary folder. It reports the rows loaded and the peak growth
// of the live heap, and logs the time of loading, computing and writing.
func BenchmarkBuild_Consortium(b *testing.B) {
	ctx := context.Background()
	std := standardtest.Load(b)
	l, info, err := benchlake.Open(ctx, std, os.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	if info.Took > 0 {
		b.Logf("generated %d rows in %s into %s", info.Rows, info.Took.Round(time.Millisecond), info.Dir)
	}
	rows := info.Rows
	period, orgs, err := quarterly.Scope(ctx, l, std, "latest")
	if err != nil {
		b.Fatal(err)
	}
	if period != benchlake.Last || len(orgs) != benchlake.Orgs {
		b.Fatalf("scope %s, %d organisations", period, len(orgs))
	}
	now := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	out := b.TempDir()

	// Reading the lake into the index alone, for the split: Build reads,
	// then computes.
	runtime.GC()
	t0 := time.Now()
	x, err := metrics.NewIndexer(std, period)
	if err != nil {
		b.Fatal(err)
	}
	counts := map[string]int{}
	err = lakedata.Scan(ctx, l, std, "", func(ds metrics.Dataset) error {
		counts["carers"] += len(ds.Carers)
		counts["support"] += len(ds.Support)
		counts["outcomes"] += len(ds.Outcomes)
		counts["follow-ups"] += len(ds.Followups)
		counts["finance"] += len(ds.Finance)
		x.Add(ds)
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	x.Index()
	load := time.Since(t0)
	loaded := 0
	for _, n := range counts {
		loaded += n
	}
	if loaded != rows {
		b.Fatalf("read %d rows, generated %d", loaded, rows)
	}
	b.Logf("rows: %d carers, %d support, %d outcomes, %d follow-ups, %d finance", counts["carers"], counts["support"], counts["outcomes"], counts["follow-ups"], counts["finance"])
	runtime.GC()

	var peak uint64
	var build, render time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		stop := heapwatch.Start()
		t0 := time.Now()
		r, err := quarterly.Build(ctx, l, std, period, orgs, "", now)
		if err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		if err := reportpage.Write(filepath.Join(out, fmt.Sprint(i)), r); err != nil {
			b.Fatal(err)
		}
		t2 := time.Now()
		peak = max(peak, stop())
		build += t1.Sub(t0)
		render += t2.Sub(t1)
		if i == 0 {
			b.Logf("%d figures", len(r.Figures))
		}
	}
	b.StopTimer()
	n := time.Duration(b.N)
	b.Logf("per op: build %s (reading the lake into the index alone %s, so compute, suppress and quality about %s), write %s",
		(build / n).Round(time.Millisecond), load.Round(time.Millisecond), (build/n - load).Round(time.Millisecond), (render / n).Round(time.Millisecond))
	b.ReportMetric(float64(rows), "rows")
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
}
