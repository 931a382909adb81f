package ingest_test

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"

	_ "github.com/duckdb/duckdb-go/v2"

	"github.com/carer-outcomes/carer-outcomes/internal/heapwatch"
	"github.com/carer-outcomes/carer-outcomes/pipeline"
	"github.com/carer-outcomes/carer-outcomes/pipeline/ingest"
	"github.com/carer-outcomes/carer-outcomes/pipeline/standard/standardtest"
	"github.com/carer-outcomes/carer-outcomes/pipeline/synth"
)

func osFile(tb testing.TB, path string) ingest.File {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { f.Close() })
	st, err := f.Stat()
	if err != nil {
		tb.Fatal(err)
	}
	return ingest.File{Name: filepath.Base(path), Data: f, Size: st.Size()}
}

// BenchmarkIngest_Followups ingests the generator's large follow-up CSV
// (read, validate, normalise, pseudonymise, write zstd Parquet, commit) into
// a lake that already holds its carers, and in the same run has DuckDB
// convert the same CSV to zstd Parquet, so that the two can be compared on
// the same machine. BENCH_ROWS sets the size (default 1,000,000).
func BenchmarkIngest_Followups(b *testing.B) {
	rows := 1_000_000
	if s := os.Getenv("BENCH_ROWS"); s != "" {
		fmt.Sscan(s, &rows)
	}
	std := standardtest.Load(b)
	gen := synth.DefaultBigConfig()
	gen.Followups = rows
	gen.Out = filepath.Join(os.TempDir(), fmt.Sprintf("carer-outcomes-bench-%d-%d", gen.Seed, rows))
	big := synth.BigResult{CarersCSV: filepath.Join(gen.Out, synth.BigCarersFile), FollowCSV: filepath.Join(gen.Out, synth.BigFollowupsFile)}
	if _, err := os.Stat(big.FollowCSV); err != nil {
		var err error
		if big, err = synth.GenerateBig(std, gen); err != nil {
			b.Fatal(err)
		}
	}
	cfg := newConfig(b)
	cfg.Limits.MaxFileBytes, cfg.Limits.MaxRows = 1<<30, 10_000_000
	period := pipeline.Period{Year: 2026, Quarter: 3}
	req := func(f ingest.File) ingest.Request {
		return ingest.Request{Org: gen.Org, Period: period, Files: []ingest.File{f}}
	}
	if _, err := ingest.Run(context.Background(), cfg, req(osFile(b, big.CarersCSV))); err != nil {
		b.Fatal(err)
	}
	follow := osFile(b, big.FollowCSV)

	var ours string // the last Parquet file written, for DuckDB to re-encode
	b.Run("ours", func(b *testing.B) {
		var peak uint64
		var size int64
		for i := 0; i < b.N; i++ {
			// Each round starts from a lake with only the carers, so that the
			// follow-ups are new bytes to it.
			b.StopTimer()
			objs, _ := cfg.Lake.Store.List(context.Background(), "curated/followups/")
			for _, o := range objs {
				cfg.Lake.Store.Delete(context.Background(), o.Key)
			}
			for _, prefix := range []string{"current/followups/", "uploads/"} {
				objs, _ := cfg.Lake.Store.List(context.Background(), prefix)
				for _, o := range objs {
					cfg.Lake.Store.Delete(context.Background(), o.Key)
				}
			}
			b.StartTimer()
			var res *ingest.Result
			var err error
			stop := heapwatch.Start()
			res, err = ingest.Run(context.Background(), cfg, req(follow))
			peak = max(peak, stop())
			if err != nil {
				b.Fatal(err)
			}
			if t := res.Uploads[0].Tables[0]; t.Accepted != rows {
				b.Fatalf("%d rows accepted of %d", t.Accepted, rows)
			}
			obj, err := cfg.Lake.Store.Stat(context.Background(), res.Uploads[0].Tables[0].Key)
			if err != nil {
				b.Fatal(err)
			}
			size = obj.Size
			ours = filepath.Join(cfg.TempDir, "ours.parquet")
			if err := copyObject(cfg, obj.Key, ours); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
		b.ReportMetric(float64(peak)/(1<<20), "peak-heap-growth-MB")
		b.ReportMetric(float64(size)/(1<<20), "parquet-MB")
	})

	b.Run("duckdb", func(b *testing.B) {
		db, err := sql.Open("duckdb", "")
		if err != nil {
			b.Fatal(err)
		}
		defer db.Close()
		out := filepath.Join(b.TempDir(), "followups.parquet")
		for i := 0; i < b.N; i++ {
			if _, err := db.Exec(fmt.Sprintf("COPY (SELECT * FROM read_csv('%s')) TO '%s' (FORMAT parquet, COMPRESSION zstd)", big.FollowCSV, out)); err != nil {
				b.Fatal(err)
			}
		}
		b.StopTimer()
		st, err := os.Stat(out)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
		b.ReportMetric(float64(st.Size())/(1<<20), "parquet-MB")
	})

	// The same content as ours (pseudonyms, derived columns), encoded by
	// DuckDB: what its encoding would make of what the lake must store.
	b.Run("duckdb-same-content", func(b *testing.B) {
		if ours == "" {
			b.Skip("ours did not run")
		}
		db, err := sql.Open("duckdb", "")
		if err != nil {
			b.Fatal(err)
		}
		defer db.Close()
		out := filepath.Join(b.TempDir(), "same.parquet")
		for i := 0; i < b.N; i++ {
			if _, err := db.Exec(fmt.Sprintf("COPY (SELECT * FROM read_parquet('%s')) TO '%s' (FORMAT parquet, COMPRESSION zstd)", ours, out)); err != nil {
				b.Fatal(err)
			}
		}
		b.StopTimer()
		st, err := os.Stat(out)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(st.Size())/(1<<20), "parquet-MB")
	})
}

func copyObject(cfg ingest.Config, key, path string) error {
	rc, _, err := cfg.Lake.Store.Get(context.Background(), key)
	if err != nil {
		return err
	}
	defer rc.Close()
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, rc); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
