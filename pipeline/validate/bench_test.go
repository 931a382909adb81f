package validate_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync/atomic"
	"testing"

	"github.com/carer-outcomes/carer-outcomes/internal/heapwatch"
	"github.com/carer-outcomes/carer-outcomes/pipeline"
	"github.com/carer-outcomes/carer-outcomes/pipeline/standard"
	"github.com/carer-outcomes/carer-outcomes/pipeline/standard/standardtest"
	"github.com/carer-outcomes/carer-outcomes/pipeline/synth"
	"github.com/carer-outcomes/carer-outcomes/pipeline/tabular"
	"github.com/carer-outcomes/carer-outcomes/pipeline/validate"
)

// bigTable returns the generator's large follow-up table and its carers,
// generating them once per size into the temporary folder.
func bigTable(b *testing.B, std *standard.Standard, rows int) synth.BigResult {
	b.Helper()
	cfg := synth.DefaultBigConfig()
	cfg.Followups = rows
	cfg.Out = filepath.Join(os.TempDir(), fmt.Sprintf("carer-outcomes-bench-%d-%d", cfg.Seed, rows))
	res := synth.BigResult{CarersCSV: filepath.Join(cfg.Out, synth.BigCarersFile), FollowCSV: filepath.Join(cfg.Out, synth.BigFollowupsFile)}
	if _, err := os.Stat(res.FollowCSV); err == nil {
		return res
	}
	res, err := synth.GenerateBig(std, cfg)
	if err != nil {
		b.Fatal(err)
	}
	return res
}

// BenchmarkValidate_Followups validates the generator's large follow-up CSV
// against its carers (loaded beforehand, as the lake would provide them).
// It reports rows per second and the peak live heap while validating; run
// it with -cpu 1 for the one-core figure, and compare sizes to see that
// memory does not grow with the number of rows.
func BenchmarkValidate_Followups(b *testing.B) {
	std := standardtest.Load(b)
	period := pipeline.Period{Year: 2026, Quarter: 3}
	lim := tabular.DefaultLimits()
	lim.MaxFileBytes = 1 << 30
	lim.MaxRows = 10_000_000
	for _, rows := range []int{100_000, 1_000_000} {
		b.Run(fmt.Sprintf("rows=%d", rows), func(b *testing.B) {
			big := bigTable(b, std, rows)
			carers := validate.Carers{}
			cfg := validate.Config{Standard: std, Org: synth.DefaultBigConfig().Org, Period: period, Limits: lim, Sink: carers}
			if _, err := validate.Run(context.Background(), cfg, []validate.Input{openInput(b, big.CarersCSV)}); err != nil {
				b.Fatal(err)
			}
			cfg.Sink, cfg.Registry = nil, carers
			in := openInput(b, big.FollowCSV)
			runtime.GC()
			var peak atomic.Uint64
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				stop := heapwatch.Start()
				rep, err := validate.Run(context.Background(), cfg, []validate.Input{in})
				peak.Store(max(peak.Load(), stop()))
				if err != nil {
					b.Fatal(err)
				}
				tr := rep.Files[0].Tables[0]
				if tr.Rows != rows || tr.Accepted != rows {
					b.Fatalf("%d rows, %d accepted, want %d: %s", tr.Rows, tr.Accepted, rows, asJSON(tr.Errors[:min(len(tr.Errors), 3)]))
				}
			}
			b.StopTimer()
			b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
			b.ReportMetric(float64(peak.Load())/(1<<20), "peak-heap-growth-MB")
			b.ReportMetric(float64(in.Size)/(1<<20), "file-MB")
		})
	}
}
